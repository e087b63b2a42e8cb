// Filter-chain selection in Envoy's order (FilterChainMatch): destination port, destination IP,
// server name, transport protocol, application protocols, source IP. At each step the most specific
// chains that match survive; a chain that leaves the field empty is the fallback only when no chain
// names the value, and a step that keeps nobody means no match (no backtracking).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterChainMatchConfig } from '../../src/proxy/config/index.ts';
import {
  type CompiledMatch,
  type ConnectionFacts,
  compileMatch,
  selectChain,
} from '../../src/proxy/listener/index.ts';

function chains(list: [string, Partial<FilterChainMatchConfig>][]): CompiledMatch<string>[] {
  return list.map(([name, m]) => {
    const c = compileMatch(
      { prefixRanges: [], sourcePrefixRanges: [], serverNames: [], applicationProtocols: [], ...m },
      name,
    );
    assert.notEqual(typeof c, 'string', String(c));
    return c as CompiledMatch<string>;
  });
}

function facts(f: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    destinationPort: 15006,
    destinationIp: '10.0.0.1',
    sourceIp: '192.168.1.10',
    serverName: '',
    transportProtocol: 'raw_buffer',
    alpn: [],
    ...f,
  };
}

test('destination port first: a chain naming the port wins, and the decision is not revisited', () => {
  const cs = chains([
    ['port', { destinationPort: 9080, serverNames: ['a.example.com'] }],
    ['any', {}],
  ]);
  assert.equal(selectChain(cs, facts({ destinationPort: 9080, serverName: 'a.example.com' })), 'port');
  assert.equal(selectChain(cs, facts({ destinationPort: 8080, serverName: 'a.example.com' })), 'any');
  // Port 9080 picked the 'port' chain; its server name does not match; Envoy does not fall back.
  assert.equal(selectChain(cs, facts({ destinationPort: 9080, serverName: 'b.example.com' })), undefined);
});

test('destination prefix ranges: the longest matching prefix wins; IPv4-mapped IPv6 counts as IPv4', () => {
  const cs = chains([
    ['wide', { prefixRanges: ['10.0.0.0/8'] }],
    ['narrow', { prefixRanges: ['10.1.0.0/16', '172.16.0.0/12'] }],
    ['v6', { prefixRanges: ['fd00::/8'] }],
    ['any', {}],
  ]);
  assert.equal(selectChain(cs, facts({ destinationIp: '10.1.2.3' })), 'narrow');
  assert.equal(selectChain(cs, facts({ destinationIp: '10.2.0.1' })), 'wide');
  assert.equal(selectChain(cs, facts({ destinationIp: '::ffff:10.1.9.9' })), 'narrow');
  assert.equal(selectChain(cs, facts({ destinationIp: 'fd00::1' })), 'v6');
  assert.equal(selectChain(cs, facts({ destinationIp: '192.168.0.1' })), 'any');
  assert.equal(typeof compileMatch({ ...cs[0]!.match, prefixRanges: ['10.0.0.0/33'] }, 'x'), 'string');
});

test('server names: exact beats wildcard, the longer wildcard wins, empty list is the fallback', () => {
  const cs = chains([
    ['exact', { serverNames: ['api.example.com'] }],
    ['wild', { serverNames: ['*.example.com'] }],
    ['wild-eu', { serverNames: ['*.eu.example.com'] }],
    ['none', {}],
  ]);
  assert.equal(selectChain(cs, facts({ serverName: 'api.example.com' })), 'exact');
  assert.equal(selectChain(cs, facts({ serverName: 'www.example.com' })), 'wild');
  assert.equal(selectChain(cs, facts({ serverName: 'a.b.example.com' })), 'wild');
  assert.equal(selectChain(cs, facts({ serverName: 'x.eu.example.com' })), 'wild-eu');
  // A wildcard needs at least one label in front of it.
  assert.equal(selectChain(cs, facts({ serverName: 'example.com' })), 'none');
  assert.equal(selectChain(cs, facts({ serverName: '' })), 'none');
});

test('transport protocol, then ALPN, then source ranges', () => {
  const cs = chains([
    ['tls-h2', { transportProtocol: 'tls', applicationProtocols: ['h2'] }],
    ['tls', { transportProtocol: 'tls' }],
    ['raw-internal', { transportProtocol: 'raw_buffer', sourcePrefixRanges: ['192.168.0.0/16'] }],
    ['raw', { transportProtocol: 'raw_buffer' }],
  ]);
  assert.equal(selectChain(cs, facts({ transportProtocol: 'tls', alpn: ['http/1.1', 'h2'] })), 'tls-h2');
  assert.equal(selectChain(cs, facts({ transportProtocol: 'tls', alpn: ['http/1.1'] })), 'tls');
  assert.equal(selectChain(cs, facts({ transportProtocol: 'raw_buffer' })), 'raw-internal');
  assert.equal(selectChain(cs, facts({ transportProtocol: 'raw_buffer', sourceIp: '8.8.8.8' })), 'raw');
});

test('Istio inbound shape: mTLS chain by ALPN istio-peer-exchange, plaintext chain, and no match', () => {
  const cs = chains([
    [
      'mtls',
      {
        destinationPort: 9080,
        transportProtocol: 'tls',
        applicationProtocols: ['istio-peer-exchange', 'istio'],
      },
    ],
    ['plain', { destinationPort: 9080, transportProtocol: 'raw_buffer' }],
  ]);
  assert.equal(
    selectChain(
      cs,
      facts({ destinationPort: 9080, transportProtocol: 'tls', alpn: ['istio-peer-exchange', 'h2'] }),
    ),
    'mtls',
  );
  assert.equal(selectChain(cs, facts({ destinationPort: 9080 })), 'plain');
  assert.equal(
    selectChain(cs, facts({ destinationPort: 9080, transportProtocol: 'tls', alpn: ['h2'] })),
    undefined,
  );
  assert.equal(selectChain(cs, facts({ destinationPort: 1234 })), undefined);
  assert.equal(selectChain([], facts()), undefined);
});
