// config.core.v3.ConfigSource: where a dynamic resource comes from. Only ADS is supported (the
// proxy has one aggregated stream to its control plane); anything else is rejected by name.
import type { MessageReader } from './reader.ts';

export function readAdsConfigSource(
  r: MessageReader | undefined,
  parent: MessageReader,
  field: string,
): void {
  if (!r) {
    parent.error(field, `'${field}' is required`);
    return;
  }
  const set = r.oneof(
    ['ads', 'path', 'path_config_source', 'api_config_source', 'self'],
    'config_source_specifier',
  );
  if (set === undefined) r.ctx.add(r.path, `config source needs 'ads: {}'`);
  else if (set !== 'ads') r.error(set, `config source '${set}' is not supported; only 'ads' is`);
  else r.message('ads')?.finish();
  if (r.enumValue('resource_api_version', ['AUTO', 'V2', 'V3'], 'V3') === 'V2') {
    r.error('resource_api_version', `xDS v2 is not supported; use V3`);
  }
  // initial_fetch_timeout only bounds how long startup waits for the first response; the ADS
  // client always waits for it, so the value changes nothing observable once config has arrived.
  r.finish(['initial_fetch_timeout', 'authorities']);
}
