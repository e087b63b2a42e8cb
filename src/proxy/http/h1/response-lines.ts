// Where the field lines of a parsed response head lie in its bytes, and which of them the proxy
// acts on: one reused table of offsets, so parsing a head allocates no string per field.

/** The fields the connection manager treats specially when forwarding a response. */
export const LineKind = {
  other: 0,
  /** Always hop-by-hop (keep-alive, proxy-connection, upgrade, trailer): dropped. */
  hop: 1,
  connection: 2,
  transferEncoding: 3,
  contentLength: 4,
  server: 5,
  date: 6,
  /** Hop-by-hop unless it is `te: trailers`, which is forwarded as removeHopByHop does. */
  te: 7,
  /** Forwarded as any other; noted so gRPC retry conditions need no HeaderMap to look for it. */
  grpcStatus: 8,
} as const;

/** The layout of one line's record in LineTable.table. */
export const LINE = {
  nameStart: 0,
  nameEnd: 1,
  valueStart: 2,
  valueEnd: 3,
  /** LineKind in the low bits, LINE.upper when the name has upper-case letters. */
  flags: 4,
  size: 5,
  upper: 16,
  kindMask: 15,
} as const;

export class LineTable {
  table = new Int32Array(LINE.size * 64);
  count = 0;

  push(
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
    kind: number,
    upper: boolean,
  ): void {
    const at = this.count * LINE.size;
    if (at + LINE.size > this.table.length) {
      const grown = new Int32Array(this.table.length * 2);
      grown.set(this.table);
      this.table = grown;
    }
    const t = this.table;
    t[at] = nameStart;
    t[at + 1] = nameEnd;
    t[at + 2] = valueStart;
    t[at + 3] = valueEnd;
    t[at + 4] = upper ? kind | LINE.upper : kind;
    this.count++;
  }
}

const SHARED = new LineTable();

/**
 * The line table for the next parse, emptied. One table serves every parse: a head's lines are
 * read (forwarded or turned into a HeaderMap) before the read that delivered it returns.
 */
export function lineTable(): LineTable {
  SHARED.count = 0;
  return SHARED;
}

/** Whether buf[s..s+lit.length) is `lit` (lower-case letters and '-') in any letter case. */
export function sameLetters(buf: Buffer, s: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if ((buf[s + k]! | 0x20) !== lit.charCodeAt(k)) return false;
  return true;
}

/** The LineKind of the name in buf[s..e) (a valid token), compared by length first. */
export function classifyName(buf: Buffer, s: number, e: number): number {
  switch (e - s) {
    case 2:
      return sameLetters(buf, s, 'te') ? LineKind.te : LineKind.other;
    case 4:
      return sameLetters(buf, s, 'date') ? LineKind.date : LineKind.other;
    case 6:
      return sameLetters(buf, s, 'server') ? LineKind.server : LineKind.other;
    case 7:
      return sameLetters(buf, s, 'upgrade') || sameLetters(buf, s, 'trailer') ? LineKind.hop : LineKind.other;
    case 11:
      return sameLetters(buf, s, 'grpc-status') ? LineKind.grpcStatus : LineKind.other;
    case 10:
      if (sameLetters(buf, s, 'connection')) return LineKind.connection;
      return sameLetters(buf, s, 'keep-alive') ? LineKind.hop : LineKind.other;
    case 14:
      return sameLetters(buf, s, 'content-length') ? LineKind.contentLength : LineKind.other;
    case 16:
      return sameLetters(buf, s, 'proxy-connection') ? LineKind.hop : LineKind.other;
    case 17:
      return sameLetters(buf, s, 'transfer-encoding') ? LineKind.transferEncoding : LineKind.other;
    default:
      return LineKind.other;
  }
}
