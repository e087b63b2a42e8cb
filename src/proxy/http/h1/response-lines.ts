// The response fields the proxy acts on, told apart from the bytes of their names.
import { half, word } from './head-words.ts';

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

/** Whether buf[s..s+lit.length) is `lit` (lower-case letters and '-') in any letter case. */
export function sameLetters(buf: Buffer, s: number, lit: string): boolean {
  for (let k = 0; k < lit.length; k++) if ((buf[s + k]! | 0x20) !== lit.charCodeAt(k)) return false;
  return true;
}

const TE = half('te');
const DATE = word('date');
const SERV = word('serv');
const ER = half('er');
const UPGR = word('upgr');
const RADE = word('rade');
const TRAI = word('trai');
const ILER = word('iler');
const CONN = word('conn');
const ECTI = word('ecti');
const ON = half('on');
const KEEP = word('keep');
const ALI = word('-ali');
const VE = half('ve');
const GRPC = word('grpc');
const STA = word('-sta');
const ATUS = word('atus');
const CONT = word('cont');
const ENT = word('ent-');
const LENG = word('leng');
const TH = half('th');
const PROX = word('prox');
const Y_CO = word('y-co');
const NNEC = word('nnec');
const TION = word('tion');
const TRAN = word('tran');
const SFER = word('sfer');
const ENC = word('-enc');
const ODIN = word('odin');
const DING = word('ding');

/**
 * The LineKind of the lower-cased name at v[at..at+n) (a valid token), compared by length, then a
 * word at a time (a 7-, 11- or 17-byte name's last word overlaps the one before it).
 */
export function classifyLowered(v: DataView, at: number, n: number): number {
  switch (n) {
    case 2:
      return v.getUint16(at, true) === TE ? LineKind.te : LineKind.other;
    case 4:
      return v.getUint32(at, true) === DATE ? LineKind.date : LineKind.other;
    case 6:
      return v.getUint32(at, true) === SERV && v.getUint16(at + 4, true) === ER
        ? LineKind.server
        : LineKind.other;
    case 7: {
      const w0 = v.getUint32(at, true);
      const w1 = v.getUint32(at + 3, true);
      return (w0 === UPGR && w1 === RADE) || (w0 === TRAI && w1 === ILER) ? LineKind.hop : LineKind.other;
    }
    case 10: {
      const w0 = v.getUint32(at, true);
      const w1 = v.getUint32(at + 4, true);
      const t = v.getUint16(at + 8, true);
      if (w0 === CONN && w1 === ECTI && t === ON) return LineKind.connection;
      return w0 === KEEP && w1 === ALI && t === VE ? LineKind.hop : LineKind.other;
    }
    case 11:
      return v.getUint32(at, true) === GRPC &&
        v.getUint32(at + 4, true) === STA &&
        v.getUint32(at + 7, true) === ATUS
        ? LineKind.grpcStatus
        : LineKind.other;
    case 14:
      return v.getUint32(at, true) === CONT &&
        v.getUint32(at + 4, true) === ENT &&
        v.getUint32(at + 8, true) === LENG &&
        v.getUint16(at + 12, true) === TH
        ? LineKind.contentLength
        : LineKind.other;
    case 16:
      return v.getUint32(at, true) === PROX &&
        v.getUint32(at + 4, true) === Y_CO &&
        v.getUint32(at + 8, true) === NNEC &&
        v.getUint32(at + 12, true) === TION
        ? LineKind.hop
        : LineKind.other;
    case 17:
      return v.getUint32(at, true) === TRAN &&
        v.getUint32(at + 4, true) === SFER &&
        v.getUint32(at + 8, true) === ENC &&
        v.getUint32(at + 12, true) === ODIN &&
        v.getUint32(at + 13, true) === DING
        ? LineKind.transferEncoding
        : LineKind.other;
    default:
      return LineKind.other;
  }
}
