// Reads SNI and ALPN from the first bytes of a TLS connection (RFC 8446 §4.1.2, RFC 6066 §3,
// RFC 7301), as Envoy's tls_inspector does, without consuming them: the caller replays the bytes
// into the TLS terminator or the upstream.

export type HelloPeek =
  | { kind: 'incomplete' }
  | { kind: 'not_tls' }
  | { kind: 'tls'; serverName: string; alpn: string[] };

/** Envoy's tls_inspector gives up after this many bytes. */
export const MAX_HELLO_BYTES = 64 * 1024;

export function peekClientHello(buf: Buffer): HelloPeek {
  if (buf.length < 1) return { kind: 'incomplete' };
  // TLS record: handshake (22), version major 3.
  if (buf[0] !== 22) return { kind: 'not_tls' };
  // Decide on each byte as soon as it is there, so non-TLS bytes never wait for more.
  if (buf.length >= 2 && buf[1] !== 3) return { kind: 'not_tls' };
  if (buf.length < 6) return { kind: 'incomplete' };
  if (buf[5] !== 1) return { kind: 'not_tls' }; // ClientHello
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + Math.min(recordLen, 4)) return { kind: 'incomplete' };
  const helloLen = buf.readUIntBE(6, 3);
  // A ClientHello may span records; we read the first record only (as large as 16 KiB), which
  // in practice always holds the extensions we need.
  const end = 9 + helloLen;
  if (buf.length < Math.min(end, 5 + recordLen)) return { kind: 'incomplete' };
  const limit = Math.min(end, 5 + recordLen, buf.length);
  let p = 9 + 2 + 32; // client_version, random
  if (p >= limit) return { kind: 'tls', serverName: '', alpn: [] };
  p += 1 + buf[p]!; // session id
  if (p + 2 > limit) return { kind: 'tls', serverName: '', alpn: [] };
  p += 2 + buf.readUInt16BE(p); // cipher suites
  if (p + 1 > limit) return { kind: 'tls', serverName: '', alpn: [] };
  p += 1 + buf[p]!; // compression methods
  let serverName = '';
  const alpn: string[] = [];
  if (p + 2 > limit) return { kind: 'tls', serverName, alpn };
  const extEnd = Math.min(limit, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    const body = p + 4;
    if (body + len > extEnd) break;
    if (type === 0 && len >= 5) {
      // server_name list: first host_name entry.
      let q = body + 2;
      while (q + 3 <= body + len) {
        const nameType = buf[q]!;
        const nameLen = buf.readUInt16BE(q + 1);
        if (nameType === 0) {
          serverName = buf.toString('latin1', q + 3, q + 3 + nameLen).toLowerCase();
          break;
        }
        q += 3 + nameLen;
      }
    } else if (type === 16 && len >= 2) {
      let q = body + 2;
      while (q < body + len) {
        const l = buf[q]!;
        alpn.push(buf.toString('latin1', q + 1, q + 1 + l));
        q += 1 + l;
      }
    }
    p = body + len;
  }
  return { kind: 'tls', serverName, alpn };
}
