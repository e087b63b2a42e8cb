import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ForwardEdits,
  type ForwardPlan,
  forwardResponseHead,
  parseResponseHead,
  type ResponseHead,
  removeHopByHop,
  type SentHead,
  serializeResponseHead,
} from './index.ts';

const MAX = 60 * 1024;

const PLAN: ForwardPlan = { serverMode: 'OVERWRITE', serverName: 'envoy', bodyRoom: 4096 };

function head(text: string, plan: Partial<ForwardPlan> = {}): ResponseHead {
  const r = parseResponseHead(Buffer.from(text, 'latin1'), 0, MAX, 0, { ...PLAN, ...plan });
  assert.equal(r.kind, 'head', `expected a head for ${JSON.stringify(text)}`);
  if (r.kind !== 'head') throw new Error('unreachable');
  return r.head;
}

function edits(over: Partial<ForwardEdits> = {}): ForwardEdits {
  return {
    date: 'Thu, 03 Dec 2026 12:00:00 GMT',
    serviceTimeMs: 7,
    chunked: false,
    connection: '',
    ...over,
  };
}

function forwarded(text: string, over: Partial<ForwardEdits> = {}, plan: Partial<ForwardPlan> = {}): string {
  const sent = forwardResponseHead(head(text, plan), edits(over));
  return sent.head().toString('latin1');
}

test('malformed response heads are rejected as the field-line rules require', () => {
  const bad = [
    'HTTX/1.1 200 OK\r\n\r\n',
    'HTTP/1.2 200 OK\r\n\r\n',
    'HTTP/1.1 20 OK\r\n\r\n',
    'HTTP/1.1 099 Low\r\n\r\n',
    'HTTP/1.1 2x0 OK\r\n\r\n',
    'HTTP/1.1 200OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n',
    'HTTP/1.1 200 OK\r\nName : x\r\n\r\n',
    'HTTP/1.1 200 OK\r\n: x\r\n\r\n',
    'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n',
    'HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n',
    'HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n',
    'HTTP/1.1 200 OK\r\nA: b\x00c\r\n\r\n',
    'HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n',
  ];
  for (const text of bad) {
    const r = parseResponseHead(Buffer.from(text, 'latin1'), 0, MAX);
    assert.equal(r.kind, 'error', JSON.stringify(text));
  }
});

test('framing: content-length lists, transfer codings, close and keep-alive', () => {
  assert.equal(head('HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n').contentLength, 5);
  assert.equal(head('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 5\r\n\r\n').contentLength, 5);
  const chunked = head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n');
  assert.equal(chunked.chunked, true);
  assert.equal(chunked.contentLength, -1);
  // Chunked not last: the body runs to the close, and a content-length is ignored.
  const toClose = head('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\n');
  assert.deepEqual([toClose.chunked, toClose.contentLength], [false, -1]);
  assert.equal(head('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n').close, true);
  assert.equal(head('HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\n\r\n').close, true);
  assert.equal(head('HTTP/1.1 200 OK\r\n\r\n').close, false);
  assert.equal(head('HTTP/1.0 200 OK\r\n\r\n').close, true);
  assert.equal(head('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n').close, false);
  assert.equal(head('HTTP/1.1 200 OK\r\nConnection: x-trace\r\n\r\n').connectionNamesFields, true);
  assert.equal(head('HTTP/1.1 204 No Content\r\n\r\n').reason, 'No Content');
  assert.equal(head('HTTP/1.1 204\r\n\r\n').reason, '');
});

test('headers are materialised lower-cased and trimmed, only when asked', () => {
  const h = head('HTTP/1.1 200 OK\r\nX-Mixed-Case:  v1 \t\r\nempty:\r\nx-b: two words\r\n\r\n');
  assert.deepEqual(h.headers.names, ['x-mixed-case', 'empty', 'x-b']);
  assert.deepEqual(h.headers.values, ['v1', '', 'two words']);
});

test('a forwarded head equals what the HeaderMap path writes, hop-by-hop lines left out (te: trailers kept)', () => {
  const text =
    'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 03 Dec 2026 11:00:00 GMT\r\n' +
    'Content-Type: text/plain\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: h2c\r\n' +
    'Trailer: x-t\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive\r\n' +
    'Transfer-Encoding: chunked\r\nX-Long: ' +
    'v'.repeat(300) +
    '\r\n\r\n';
  const out = forwarded(text, { chunked: true });
  assert.equal(
    out,
    'HTTP/1.1 200 OK\r\nserver: envoy\r\ndate: Thu, 03 Dec 2026 11:00:00 GMT\r\n' +
      `content-type: text/plain\r\nte: trailers\r\nx-long: ${'v'.repeat(300)}\r\n` +
      'x-envoy-upstream-service-time: 7\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  // The same edits through the HeaderMap path give the same fields (order aside).
  const h = head(text).headers;
  removeHopByHop(h);
  h.set('server', 'envoy');
  h.set('x-envoy-upstream-service-time', '7');
  h.set('transfer-encoding', 'chunked');
  const viaMap = serializeResponseHead(200, h, 'OK').split('\r\n').sort();
  assert.deepEqual(out.split('\r\n').sort(), viaMap);
});

test('server header transformations, date, connection and the status line of HTTP/1.0', () => {
  const withServer = 'HTTP/1.0 404 Not Found\r\nServer: app\r\nServer: again\r\n\r\n';
  const noServer = 'HTTP/1.1 200 OK\r\n\r\n';
  const date = 'date: Thu, 03 Dec 2026 12:00:00 GMT\r\n';
  const tail = 'x-envoy-upstream-service-time: 7\r\n';
  assert.equal(
    forwarded(withServer, { connection: 'close' }),
    `HTTP/1.1 404 Not Found\r\nserver: envoy\r\n${date}${tail}connection: close\r\n\r\n`,
  );
  assert.equal(forwarded(noServer), `HTTP/1.1 200 OK\r\nserver: envoy\r\n${date}${tail}\r\n`);
  assert.equal(
    forwarded(withServer, {}, { serverMode: 'APPEND_IF_ABSENT' }),
    `HTTP/1.1 404 Not Found\r\nserver: app\r\nserver: again\r\n${date}${tail}\r\n`,
  );
  assert.equal(
    forwarded(noServer, { connection: 'keep-alive' }, { serverMode: 'APPEND_IF_ABSENT' }),
    `HTTP/1.1 200 OK\r\nserver: envoy\r\n${date}${tail}connection: keep-alive\r\n\r\n`,
  );
  assert.equal(
    forwarded(noServer, {}, { serverMode: 'PASS_THROUGH' }),
    `HTTP/1.1 200 OK\r\n${date}${tail}\r\n`,
  );
  assert.equal(
    forwarded(withServer, {}, { serverMode: 'PASS_THROUGH' }),
    `HTTP/1.1 404 Not Found\r\nserver: app\r\nserver: again\r\n${date}${tail}\r\n`,
  );
  // A server line longer than the upstream's, in its place: the copy has room for it.
  assert.equal(
    forwarded('HTTP/1.1 200 OK\r\nServer:x\r\nA:b\r\n\r\n', {}, { serverName: 'istio-envoy'.repeat(20) }),
    `HTTP/1.1 200 OK\r\nserver: ${'istio-envoy'.repeat(20)}\r\na: b\r\n${date}${tail}\r\n`,
  );
});

test('the first body bytes go in the head write when they fit, framed as a chunk if re-chunked', () => {
  const text = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n';
  // The parse leaves room for the body bytes that came in the head's read.
  const sent = forwardResponseHead(head(`${text}hello`), edits());
  const headText = sent.head().toString('latin1');
  assert.equal(sent.withBody(Buffer.from('hello'), false)?.toString('latin1'), `${headText}hello`);
  const again = forwardResponseHead(head(`${text}0123456789abcdef!`), edits({ chunked: true }));
  const chunkedHead = again.head().toString('latin1');
  assert.equal(
    again.withBody(Buffer.from('0123456789abcdef!'), true)?.toString('latin1'),
    `${chunkedHead}11\r\n0123456789abcdef!\r\n`,
  );
  // Room for what came, not for more.
  const small = forwardResponseHead(head(`${text}hello`), edits());
  assert.equal(small.withBody(Buffer.alloc(4096), false), undefined);
  const noRoom = forwardResponseHead(head(`${text}${'x'.repeat(4096)}`, { bodyRoom: 0 }), edits());
  assert.equal(noRoom.withBody(Buffer.alloc(4096), false), undefined);
  // The sent head's fields, for access logs, are read back from its bytes.
  assert.equal(sent.headers.get('server'), 'envoy');
  assert.equal(sent.headers.get('content-length'), '5');
  assert.equal(sent.headers.get('x-envoy-upstream-service-time'), '7');
});

test('field values are checked and copied a word at a time as byte by byte: every offset, every kind of byte', () => {
  const good = 'abcdefghijk';
  const trim = (v: string) => v.replace(/^[ \t]+|[ \t]+$/g, '');
  for (let at = 0; at < good.length; at++) {
    const withByte = (b: string) => good.slice(0, at) + b + good.slice(at + 1);
    for (const bad of ['\x00', '\x01', '\x0b', '\x1f', '\x7f', '\r', '\n']) {
      const text = `HTTP/1.1 200 OK\r\nX-V: ${withByte(bad)}\r\n\r\n`;
      assert.equal(
        parseResponseHead(Buffer.from(text, 'latin1'), 0, MAX).kind,
        'error',
        JSON.stringify(text),
      );
    }
    for (const ok of ['\t', ' ', '~', '\x80', '\xa0', '\xff']) {
      const v = withByte(ok);
      const out = forwarded(`HTTP/1.1 200 OK\r\nX-V: ${v}\r\nContent-Length: 0\r\n\r\n`);
      assert.ok(out.includes(`\r\nx-v: ${trim(v)}\r\ncontent-length: 0\r\n`), JSON.stringify(v));
      assert.equal(head(`HTTP/1.1 200 OK\r\nX-V: ${v}\r\n\r\n`).headers.get('x-v'), trim(v));
    }
  }
});

test('names are classified whole: a name that shares a prefix or a length with a special one is forwarded', () => {
  // Each differs from a special name in one byte, at every word of it, or in its length.
  const names = [
    'Server-Timing',
    'Datex',
    'Dat',
    'Servex',
    'Sarver',
    'Upgrades',
    'Upgradx',
    'Trailex',
    'Trbiler',
  ];
  names.push(
    'Connectiox',
    'Connxction',
    'Keep-Alivf',
    'Kaep-Alive',
    'Grpc-Statux',
    'Grpc_Status',
    'Te2',
    'Tx',
  );
  names.push('Content-Lengtx', 'Contant-Length', 'Content-Langth', 'Proxy-Connectiox', 'Proxy-Connxction');
  names.push('Transfer-Encodinf', 'Transfer-Encxding', 'Transfer_Encoding', 'Trensfer-Encoding');
  const lines = names.map((n) => `${n}: v`).join('\r\n');
  const out = forwarded(`HTTP/1.1 200 OK\r\n${lines}\r\n\r\n`, {}, { serverMode: 'PASS_THROUGH' });
  for (const n of names) assert.ok(out.includes(`\r\n${n.toLowerCase()}: v\r\n`), n);
  const h0 = head(`HTTP/1.1 200 OK\r\n${lines}\r\n\r\n`);
  assert.deepEqual(
    [h0.hasServer, h0.hasDate, h0.mayHaveGrpcStatus, h0.contentLength, h0.chunked],
    [false, false, false, -1, false],
  );
  // And the special ones in any letter case are recognised.
  const h = head(
    'HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 3\r\nDaTe: x\r\nSERVER: y\r\nTRANSFER-ENCODING: chunked\r\n\r\n',
  );
  assert.deepEqual([h.chunked, h.hasDate, h.hasServer], [true, true, true]);
  assert.equal(head('HTTP/1.1 200 OK\r\nGRPC-STATUS: 0\r\n\r\n').mayHaveGrpcStatus, true);
  assert.equal(head('HTTP/1.1 200 OK\r\nCoNnEcTiOn: close\r\n\r\n').close, true);
});

test('forwarded heads keep their bytes while later ones are copied, across many regions', () => {
  const sent: { head: SentHead; id: string }[] = [];
  for (let i = 0; i < 400; i++) {
    const id = `r${i}`;
    // 3 KiB of body in the head's read: room is left for it, so regions fill quickly.
    const h = head(`HTTP/1.1 200 OK\r\nX-Id: ${id}\r\nContent-Length: 3072\r\n\r\n${'b'.repeat(3072)}`);
    sent.push({ head: forwardResponseHead(h, edits()), id });
  }
  for (const { head: s, id } of sent) {
    const text = s.head().toString('latin1');
    assert.ok(text.startsWith(`HTTP/1.1 200 OK\r\nx-id: ${id}\r\ncontent-length: 3072\r\n`), id);
    assert.ok(text.endsWith('\r\n\r\n'));
  }
  // The room after each head takes its body, and nothing of the next head is overwritten.
  const last = sent[sent.length - 1]!.head;
  assert.equal(last.withBody(Buffer.alloc(3072, 0x62), false)?.length, last.head().length + 3072);
  assert.ok(sent[0]!.head.head().toString('latin1').includes('x-id: r0\r\n'));
});

test('field names are checked and lower-cased a word at a time as byte by byte: every offset, every kind of byte', () => {
  const good = 'Abcdefghij';
  for (let at = 0; at < good.length; at++) {
    const withByte = (b: string) => good.slice(0, at) + b + good.slice(at + 1);
    for (const bad of [
      ' ',
      '\t',
      '"',
      '(',
      ')',
      ',',
      '/',
      ';',
      '<',
      '=',
      '>',
      '?',
      '@',
      '[',
      '\\',
      ']',
      '{',
      '}',
    ]) {
      const text = `HTTP/1.1 200 OK\r\n${withByte(bad)}: v\r\n\r\n`;
      assert.equal(
        parseResponseHead(Buffer.from(text, 'latin1'), 0, MAX).kind,
        'error',
        JSON.stringify(text),
      );
    }
    for (const bad of ['\x00', '\x7f', '\x80', '\xc0', '\xff']) {
      const text = `HTTP/1.1 200 OK\r\n${withByte(bad)}: v\r\n\r\n`;
      assert.equal(
        parseResponseHead(Buffer.from(text, 'latin1'), 0, MAX).kind,
        'error',
        JSON.stringify(text),
      );
    }
    for (const ok of [
      '!',
      '#',
      '$',
      '%',
      '&',
      "'",
      '*',
      '+',
      '-',
      '.',
      '^',
      '_',
      '`',
      '|',
      '~',
      'Z',
      'z',
      '0',
      '9',
    ]) {
      const name = withByte(ok);
      const out = forwarded(`HTTP/1.1 200 OK\r\n${name}: v\r\nContent-Length: 0\r\n\r\n`);
      assert.ok(out.includes(`\r\n${name.toLowerCase()}: v\r\ncontent-length: 0\r\n`), JSON.stringify(name));
    }
  }
});
