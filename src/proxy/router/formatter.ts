// Envoy's substitution format for added header values (%DOWNSTREAM_REMOTE_ADDRESS%, %REQ(x)%, …),
// parsed once into segments. Values that are plain text are returned as the same string object
// every time. A missing value formats as '' (Envoy omits empty values in header formatting), and
// a header whose value formats as '' is skipped unless keep_empty_value is set.

import { hostname } from 'node:os';
import type { FormatContext, RequestView } from './types.ts';

type Segment = string | ((req: RequestView, ctx: FormatContext) => string);

export interface CompiledFormat {
  /** The value when it has no command, else undefined. */
  readonly constant: string | undefined;
  format(req: RequestView, ctx: FormatContext): string;
}

export type FormatResult = { ok: true; value: CompiledFormat } | { ok: false; error: string };

const HOSTNAME = hostname();

function requestHeader(spec: string, maxLength: number | undefined): Segment {
  // %REQ(x?y)%: x, else y.
  const names = spec
    .toLowerCase()
    .split('?')
    .map((n) => n.trim());
  const getOne = (req: RequestView, name: string): string | undefined => {
    switch (name) {
      case ':authority':
        return req.authority;
      case ':path':
        return req.path;
      case ':method':
        return req.method;
      case ':scheme':
        return req.scheme;
      default:
        return req.headers.get(name);
    }
  };
  return (req) => {
    let v: string | undefined;
    for (let i = 0; i < names.length && v === undefined; i++) v = getOne(req, names[i]!);
    if (v === undefined) return '';
    return maxLength !== undefined && v.length > maxLength ? v.slice(0, maxLength) : v;
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A strftime subset for %START_TIME(…)%: %Y %m %d %H %M %S %s %z %Z %E<n>S %f %%. */
function compileTimeFormat(
  fmt: string,
): { ok: true; value: (ms: number) => string } | { ok: false; error: string } {
  const parts: ((d: Date, ms: number) => string)[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') {
      parts.push(() => c);
      continue;
    }
    const spec = fmt[++i];
    switch (spec) {
      case 'Y':
        parts.push((d) => pad(d.getUTCFullYear(), 4));
        break;
      case 'm':
        parts.push((d) => pad(d.getUTCMonth() + 1, 2));
        break;
      case 'd':
        parts.push((d) => pad(d.getUTCDate(), 2));
        break;
      case 'H':
        parts.push((d) => pad(d.getUTCHours(), 2));
        break;
      case 'M':
        parts.push((d) => pad(d.getUTCMinutes(), 2));
        break;
      case 'S':
        parts.push((d) => pad(d.getUTCSeconds(), 2));
        break;
      case 's':
        parts.push((_d, ms) => String(Math.floor(ms / 1000)));
        break;
      case 'z':
        parts.push(() => '+0000');
        break;
      case 'Z':
        parts.push(() => 'UTC');
        break;
      case '%':
        parts.push(() => '%');
        break;
      case 'f':
        parts.push((d) => pad(d.getUTCMilliseconds(), 3) + '000000');
        break;
      case 'E': {
        const m = /^(\d)S/.exec(fmt.slice(i + 1));
        if (!m)
          return {
            ok: false,
            error: `START_TIME format ${JSON.stringify(fmt)}: only %E<n>S is supported after %E`,
          };
        const n = Number(m[1]);
        // Sub-second digits beyond milliseconds are zero: the clock has millisecond resolution.
        parts.push((d) => {
          const sec = pad(d.getUTCSeconds(), 2);
          return n === 0 ? sec : sec + '.' + (pad(d.getUTCMilliseconds(), 3) + '000000').slice(0, n);
        });
        i += 2;
        break;
      }
      default:
        return {
          ok: false,
          error: `START_TIME format ${JSON.stringify(fmt)}: %${spec ?? ''} is not implemented`,
        };
    }
  }
  return {
    ok: true,
    value: (ms) => {
      const d = new Date(ms);
      let out = '';
      for (const p of parts) out += p(d, ms);
      return out;
    },
  };
}

function compileCommand(
  name: string,
  arg: string | undefined,
  maxLength: number | undefined,
): Segment | string {
  const noArg = (seg: Segment): Segment | string =>
    arg === undefined ? seg : `command %${name}% takes no argument, got (${arg})`;
  switch (name) {
    case 'DOWNSTREAM_REMOTE_ADDRESS':
      return noArg((_r, ctx) => ctx.downstreamRemoteAddress);
    case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
      return noArg((req) => req.sourceIp);
    case 'UPSTREAM_REMOTE_ADDRESS':
      return noArg((_r, ctx) => ctx.upstreamRemoteAddress ?? '');
    case 'PROTOCOL':
      return noArg((_r, ctx) => ctx.protocol);
    case 'HOSTNAME':
      return noArg(() => HOSTNAME);
    case 'REQ':
      if (arg === undefined || arg === '') return 'command %REQ% needs a header name: %REQ(x-name)%';
      return requestHeader(arg, maxLength);
    case 'START_TIME': {
      if (arg === undefined) return (_r, ctx) => new Date(ctx.startTimeMs).toISOString();
      const tf = compileTimeFormat(arg);
      if (!tf.ok) return tf.error;
      const fmt = tf.value;
      return (_r, ctx) => fmt(ctx.startTimeMs);
    }
    default:
      return `unknown or unsupported command %${name}%`;
  }
}

const COMMAND = /^([A-Z_][A-Z0-9_]*)(?:\(([^)]*)\))?(?::(\d+))?%/;

/** Parses a header value format; errors name the offending command. */
export function compileFormat(text: string): FormatResult {
  const segments: Segment[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    if (text[i + 1] === '%') {
      literal += '%';
      i++;
      continue;
    }
    const m = COMMAND.exec(text.slice(i + 1));
    if (!m) {
      return {
        ok: false,
        error: `invalid format ${JSON.stringify(text)}: '%' at ${i} does not start a %COMMAND%`,
      };
    }
    const seg = compileCommand(m[1]!, m[2], m[3] === undefined ? undefined : Number(m[3]));
    if (typeof seg === 'string')
      return { ok: false, error: `invalid format ${JSON.stringify(text)}: ${seg}` };
    if (literal) segments.push(literal);
    literal = '';
    segments.push(seg);
    i += m[0].length;
  }
  if (literal || segments.length === 0) segments.push(literal);
  if (segments.length === 1 && typeof segments[0] === 'string') {
    const constant = segments[0];
    return { ok: true, value: { constant, format: () => constant } };
  }
  return {
    ok: true,
    value: {
      constant: undefined,
      format: (req, ctx) => {
        let out = '';
        for (let i = 0; i < segments.length; i++) {
          const s = segments[i]!;
          out += typeof s === 'string' ? s : s(req, ctx);
        }
        return out;
      },
    },
  };
}
