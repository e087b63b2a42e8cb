// Access-log sinks: a compiled Envoy format string and where its lines go. Files are opened once
// per path and shared (Envoy's access log manager does the same), appended asynchronously.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AccessLogConfig } from '../config/index.ts';
import { type AccessLogFormatter, compileAccessLogFormat, type StreamInfo } from '../observe/index.ts';

export interface AccessLogSink {
  log(info: StreamInfo): void;
}

const files = new Map<string, WriteStream | NodeJS.WriteStream>();

function output(path: string): WriteStream | NodeJS.WriteStream {
  if (path === '/dev/stdout') return process.stdout;
  if (path === '/dev/stderr') return process.stderr;
  let out = files.get(path);
  if (!out) {
    out = createWriteStream(path, { flags: 'a' });
    files.set(path, out);
  }
  return out;
}

function jsonFormatter(fields: Record<string, string>): AccessLogFormatter | { error: string } {
  const parts: [string, AccessLogFormatter][] = [];
  for (const [key, format] of Object.entries(fields)) {
    const f = compileAccessLogFormat(format);
    if (typeof f !== 'function') return { error: `json_format ${key}: ${f.error}` };
    parts.push([key, f]);
  }
  return (info) => {
    const obj: Record<string, string> = {};
    for (const [key, f] of parts) obj[key] = f(info);
    return JSON.stringify(obj) + '\n';
  };
}

export function openAccessLogs(
  configs: readonly AccessLogConfig[],
): { ok: true; sinks: AccessLogSink[] } | { ok: false; errors: string[] } {
  if (configs.length === 0) return { ok: true, sinks: [] };
  const sinks: AccessLogSink[] = [];
  const errors: string[] = [];
  for (const c of configs) {
    const f = c.jsonFormat ? jsonFormatter(c.jsonFormat) : compileAccessLogFormat(c.textFormat);
    if (typeof f !== 'function') {
      errors.push(`access_log ${c.path}: ${f.error}`);
      continue;
    }
    const path = c.path;
    sinks.push({ log: (info) => output(path).write(f(info)) });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, sinks };
}
