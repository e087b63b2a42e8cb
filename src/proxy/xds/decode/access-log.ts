// config.accesslog.v3.AccessLog entries for the file and stdout/stderr loggers.
import type { AccessLogConfig } from '../../config/index.ts';
import { type ExtensionKind, readDataSource, readTypedConfig, resolveExtension } from './common.ts';
import type { MessageReader } from './reader.ts';

type LoggerId = 'file' | 'stdout' | 'stderr';

const LOGGERS: readonly ExtensionKind<LoggerId>[] = [
  {
    id: 'file',
    names: ['envoy.access_loggers.file', 'envoy.file_access_log'],
    type: 'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  },
  {
    id: 'stdout',
    names: ['envoy.access_loggers.stdout'],
    type: 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  },
  {
    id: 'stderr',
    names: ['envoy.access_loggers.stderr'],
    type: 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
  },
];

export function readAccessLogs(r: MessageReader): AccessLogConfig[] {
  const out: AccessLogConfig[] = [];
  for (const entry of r.messages('access_log')) {
    const log = readAccessLog(entry);
    if (log) out.push(log);
  }
  return out;
}

function readAccessLog(r: MessageReader): AccessLogConfig | undefined {
  const name = r.str('name') ?? '';
  const typed = readTypedConfig(r);
  if (r.has('filter')) r.error('filter', `access log filters are not supported`);
  const kind = resolveExtension(r, LOGGERS, name, typed, 'access logger');
  r.finish();
  if (!kind) return undefined;
  if (!typed) {
    r.error('typed_config', `access logger '${name}' needs a typed_config`);
    return undefined;
  }
  const c = typed.reader;
  const out: AccessLogConfig = { path: kind.id === 'file' ? c.requiredStr('path') : `/dev/${kind.id}` };
  const format = c.oneof(['format', 'json_format', 'typed_json_format', 'log_format'], 'access_log_format');
  if (format === 'format') out.textFormat = c.str('format');
  else if (format === 'json_format' || format === 'typed_json_format') readJsonFormat(c, format, out);
  else if (format === 'log_format') {
    const f = c.message('log_format');
    if (f) {
      const set = f.oneof(['text_format', 'json_format', 'text_format_source'], 'format');
      if (set === 'text_format') out.textFormat = f.str('text_format');
      else if (set === 'json_format') readJsonFormat(f, 'json_format', out);
      else if (set === 'text_format_source') {
        const src = f.message('text_format_source');
        if (src) out.textFormat = readDataSource(src);
      }
      // omit_empty_values and content_type change output of formats we do produce: reject when set.
      f.finish();
    }
  }
  c.finish();
  return out;
}

function readJsonFormat(r: MessageReader, field: string, out: AccessLogConfig): void {
  const map = r.map(field);
  if (!map) return;
  const json: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    if (typeof v === 'string') json[k] = v;
    else r.error(`${field}.${k}`, `only string values are supported in JSON access log formats`);
  }
  out.jsonFormat = json;
}
