import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  haproxyConf,
  proxyNginxConf,
  upstreamNginxConf,
  weftBootstrap,
  weftBootstrapYaml,
} from './configs.ts';

test('nginx proxy: one worker, upstream keep-alive pool, HTTP/1.1 upstream, paths inside its own dir', () => {
  const conf = proxyNginxConf('/tmp/b/nginx', 8081, 9090);
  assert.match(conf, /^worker_processes 1;$/m);
  assert.match(conf, /server 127\.0\.0\.1:9090;\s*\n\s*keepalive \d+;/);
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /proxy_set_header Connection "";/);
  assert.match(conf, /listen 127\.0\.0\.1:8081;/);
  for (const m of conf.matchAll(/(?:pid|error_log|_temp_path) (\S+)/g))
    assert.ok(m[1]!.startsWith('/tmp/b/nginx/'), m[0]);
  assert.doesNotMatch(conf, /daemon/); // given on the command line with -g
});

test('nginx upstream answers 200 "ok" on loopback only', () => {
  const conf = upstreamNginxConf('/tmp/b/up', 9090);
  assert.match(conf, /listen 127\.0\.0\.1:9090/);
  assert.match(conf, /return 200 "ok";/);
  assert.match(conf, /^worker_processes 1;$/m);
});

test('haproxy: one thread, keep-alive, http-reuse always, loopback bind', () => {
  const conf = haproxyConf(8082, 9090);
  assert.match(conf, /^\s*nbthread 1$/m);
  assert.match(conf, /^\s*http-reuse always$/m);
  assert.match(conf, /^\s*option http-keep-alive$/m);
  assert.match(conf, /^\s*bind 127\.0\.0\.1:8082$/m);
  assert.match(conf, /^\s*server upstream 127\.0\.0\.1:9090$/m);
  assert.doesNotMatch(conf, /^\s*daemon$/m);
});

interface Vhost {
  name: string;
  domains: string[];
  routes: { route: { cluster: string } }[];
}

function vhostsOf(b: Record<string, unknown>): { vhosts: Vhost[]; clusters: { name: string }[] } {
  const sr = b['static_resources'] as {
    listeners: {
      filter_chains: { filters: { typed_config: { route_config: { virtual_hosts: Vhost[] } } }[] }[];
    }[];
    clusters: { name: string }[];
  };
  return {
    vhosts: sr.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config.route_config.virtual_hosts,
    clusters: sr.clusters,
  };
}

test('weft bootstrap with 100 virtual hosts: unique names and domains, every route has its cluster, last is "*"', () => {
  const b = weftBootstrap({ listenPort: 1, adminPort: 2, upstreamPort: 3, virtualHosts: 100 });
  const { vhosts, clusters } = vhostsOf(b);
  assert.equal(vhosts.length, 100);
  assert.equal(clusters.length, 100);
  assert.equal(new Set(vhosts.map((v) => v.name)).size, 100);
  const domains = vhosts.flatMap((v) => v.domains);
  assert.equal(new Set(domains).size, domains.length);
  assert.deepEqual(vhosts.at(-1)!.domains, ['*']);
  const clusterNames = new Set(clusters.map((c) => c.name));
  for (const v of vhosts) assert.ok(clusterNames.has(v.routes[0]!.route.cluster));
});

test('weft bootstrap YAML round-trips, with Envoy type URLs and loopback addresses', () => {
  const yamlText = weftBootstrapYaml({
    listenPort: 8083,
    adminPort: 15000,
    upstreamPort: 9090,
    virtualHosts: 1,
  });
  const b = parse(yamlText) as Record<string, unknown>;
  assert.deepEqual(
    b,
    weftBootstrap({ listenPort: 8083, adminPort: 15000, upstreamPort: 9090, virtualHosts: 1 }),
  );
  assert.match(
    yamlText,
    /type\.googleapis\.com\/envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager/,
  );
  assert.match(yamlText, /port_value: 8083/);
  assert.doesNotMatch(yamlText, /0\.0\.0\.0/);
  assert.throws(
    () => weftBootstrap({ listenPort: 1, adminPort: 2, upstreamPort: 3, virtualHosts: 0 }),
    RangeError,
  );
});
