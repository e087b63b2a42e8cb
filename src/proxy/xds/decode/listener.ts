// config.listener.v3.Listener → ListenerConfig: address, listener filters, filter chains with their
// match, TLS and terminal network filter.
import type {
  FilterChainConfig,
  FilterChainMatchConfig,
  ListenerConfig,
  NetworkFilterConfig,
} from '../../config/index.ts';
import { type ExtensionKind, readAddress, readTypedConfig, resolveExtension } from './common.ts';
import { HCM_TYPE, readHttpConnectionManager } from './hcm.ts';
import type { MessageReader } from './reader.ts';
import { readTcpProxy, TCP_PROXY_TYPE } from './tcp-proxy.ts';
import { readDownstreamTransportSocket } from './tls.ts';

/** Listener.per_connection_buffer_limit_bytes and Cluster's, by Envoy's default (1 MiB). */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1_048_576;

const LISTENER_FILTERS: readonly ExtensionKind<string>[] = [
  {
    id: 'envoy.filters.listener.tls_inspector',
    names: ['envoy.filters.listener.tls_inspector', 'envoy.listener.tls_inspector'],
    type: 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  },
  {
    id: 'envoy.filters.listener.http_inspector',
    names: ['envoy.filters.listener.http_inspector', 'envoy.listener.http_inspector'],
    type: 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  },
  {
    id: 'envoy.filters.listener.original_dst',
    names: ['envoy.filters.listener.original_dst', 'envoy.listener.original_dst'],
    type: 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  },
];

type NetworkFilterId = 'http_connection_manager' | 'tcp_proxy';
const NETWORK_FILTERS: readonly ExtensionKind<NetworkFilterId>[] = [
  {
    id: 'http_connection_manager',
    names: ['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager'],
    type: HCM_TYPE,
  },
  { id: 'tcp_proxy', names: ['envoy.filters.network.tcp_proxy', 'envoy.tcp_proxy'], type: TCP_PROXY_TYPE },
];

// Listener fields that change nothing observable for this proxy.
const LISTENER_NOOP = [
  'metadata', // opaque to the data path
  'traffic_direction', // only labels stats/tracing in Envoy; we derive nothing from it
  'drain_type', // hot-restart/LDS drain mode; listeners are swapped without drain phases here
  'continue_on_listener_filters_timeout',
];

export function readListener(r: MessageReader, name: string): ListenerConfig {
  const address = readAddress(r, 'address', false);
  const out: ListenerConfig = {
    name,
    address,
    filterChains: r.messages('filter_chains').map(readFilterChain),
    listenerFilters: [],
    useOriginalDst: r.bool('use_original_dst', false),
    bindToPort: r.bool('bind_to_port', true),
    statPrefix: r.str('stat_prefix') || `${address.host}_${address.port}`,
    perConnectionBufferLimitBytes: r.uint32('per_connection_buffer_limit_bytes', DEFAULT_BUFFER_LIMIT_BYTES),
  };
  const def = r.message('default_filter_chain');
  if (def) out.defaultFilterChain = readFilterChain(def);
  if (out.filterChains.length === 0 && !def) {
    r.error('filter_chains', `no filter chains specified`);
  }
  checkDistinctMatches(r, out.filterChains);
  for (const f of r.messages('listener_filters')) {
    const fname = f.requiredStr('name', 'listener filter name');
    const typed = readTypedConfig(f);
    const kind = resolveExtension(f, LISTENER_FILTERS, fname, typed, 'listener filter');
    if (f.has('filter_disabled')) f.error('filter_disabled', `'filter_disabled' is not supported`);
    f.finish();
    typed?.reader.finish();
    if (kind) out.listenerFilters.push(kind.id);
  }
  // listener_filters_timeout, socket_options, transparent, freebind, … are reported when set.
  r.finish(LISTENER_NOOP);
  return out;
}

/** Envoy rejects two filter chains with the same match: which one applies would be undefined. */
function checkDistinctMatches(r: MessageReader, chains: FilterChainConfig[]): void {
  const seen = new Map<string, number>();
  chains.forEach((c, i) => {
    const key = JSON.stringify(c.match);
    const first = seen.get(key);
    if (first !== undefined) {
      r.error(
        `filter_chains[${i}].filter_chain_match`,
        `multiple filter chains with the same matching rules are defined (filter_chains[${first}] and filter_chains[${i}])`,
      );
    } else seen.set(key, i);
  });
}

function readFilterChain(r: MessageReader): FilterChainConfig {
  const m = r.message('filter_chain_match');
  const match = m ? readFilterChainMatch(m) : emptyMatch();
  const tls = readDownstreamTransportSocket(r);
  const filter = readNetworkFilters(r);
  // metadata is opaque; name is read below.
  const out: FilterChainConfig = { name: r.str('name') ?? '', match, filter };
  if (tls) out.tls = tls;
  r.finish(['metadata']);
  return out;
}

function emptyMatch(): FilterChainMatchConfig {
  return { prefixRanges: [], sourcePrefixRanges: [], serverNames: [], applicationProtocols: [] };
}

function readFilterChainMatch(r: MessageReader): FilterChainMatchConfig {
  const out = emptyMatch();
  const port = r.optionalUint32('destination_port', 1, 65535);
  if (port !== undefined) out.destinationPort = port;
  out.prefixRanges = r.messages('prefix_ranges').map(readCidr);
  out.sourcePrefixRanges = r.messages('source_prefix_ranges').map(readCidr);
  out.serverNames = r.strings('server_names').map((s) => s.toLowerCase());
  const transport = r.str('transport_protocol');
  if (transport) out.transportProtocol = transport;
  out.applicationProtocols = r.strings('application_protocols');
  if (r.enumValue('source_type', ['ANY', 'SAME_IP_OR_LOOPBACK', 'EXTERNAL'], 'ANY') !== 'ANY') {
    r.error('source_type', `'source_type' matching is not supported`);
  }
  r.finish();
  return out;
}

/** config.core.v3.CidrRange as 'addr/len'. */
function readCidr(r: MessageReader): string {
  const prefix = r.requiredStr('address_prefix');
  const v6 = prefix.includes(':');
  const len = r.uint32('prefix_len', v6 ? 128 : 32, 0, v6 ? 128 : 32);
  r.finish();
  return `${prefix}/${len}`;
}

/** The network filter list: exactly one terminal filter, http_connection_manager or tcp_proxy. */
function readNetworkFilters(r: MessageReader): NetworkFilterConfig {
  const filters = r.messages('filters');
  let terminal: NetworkFilterConfig | undefined;
  filters.forEach((f, i) => {
    const name = f.requiredStr('name', 'network filter name');
    const typed = readTypedConfig(f);
    if (f.has('config_discovery'))
      f.error('config_discovery', `filter config discovery (ECDS) is not supported`);
    const kind = resolveExtension(f, NETWORK_FILTERS, name, typed, 'network filter');
    f.finish();
    if (!kind) return;
    if (i !== filters.length - 1) {
      f.ctx.add(
        f.path,
        `terminal filter named ${name} of type ${kind.names[0]} must be the last filter in a network filter chain`,
      );
    }
    if (!typed) {
      f.error('typed_config', `network filter '${name}' needs a typed_config`);
      return;
    }
    terminal =
      kind.id === 'http_connection_manager'
        ? readHttpConnectionManager(typed.reader)
        : readTcpProxy(typed.reader);
  });
  if (filters.length === 0)
    r.error(
      'filters',
      `a filter chain needs a terminal network filter (http_connection_manager or tcp_proxy)`,
    );
  return (
    terminal ?? {
      kind: 'tcp_proxy',
      statPrefix: '',
      cluster: '',
      idleTimeoutMs: 0,
      maxConnectAttempts: 1,
      accessLog: [],
    }
  );
}
