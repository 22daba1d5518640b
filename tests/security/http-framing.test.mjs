// HTTP framing attacks, byte by byte: request smuggling through Content-Length and
// Transfer-Encoding, malformed request lines, oversized headers, and slowloris.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Engine, exchange, parseResponses, postClick, jsonOf } from './harness.mjs';

// A short read_timeout, so that slowloris is cut off quickly.
const READ_TIMEOUT_MS = 2000;
let engine;
before(async () => { engine = await Engine.start({ env: { READ_TIMEOUT: `${READ_TIMEOUT_MS}ms` } }); });
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

// What a smuggler hides after the first request's headers: a second request of its own.
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

function send(text, options) {
  return exchange(engine.httpPort, Buffer.from(text, 'latin1'), { timeout: 5000, ...options });
}

function clickHead(extra) {
  return `POST /click HTTP/1.1\r\nHost: 127.0.0.1:${engine.httpPort}\r\nContent-Type: application/json\r\n${extra}\r\n`;
}

// Nothing after the first request is answered as a request of its own.
function assertNotSmuggled(what, { data }) {
  const { responses } = parseResponses(data);
  assert.ok(responses.length <= 1, `${what}: ${responses.length} answers:\n${data.toString('latin1')}`);
  for (const r of responses) {
    assert.ok(!r.text.includes('smuggled'), `${what}: the smuggled request was answered`);
    assert.ok(r.status >= 400, `${what}: answered ${r.status}`);
  }
}

// Passed before issue 9; kept so that it stays so.
test('Content-Length and Transfer-Encoding together smuggle nothing', async () => {
  const body = `0\r\n\r\n${SMUGGLED}`;
  const cases = {
    'CL then TE': `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`,
    'TE then CL': `Transfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n`,
    'CL 5 and TE': 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n',
    'two Content-Lengths': `Content-Length: 5\r\nContent-Length: ${body.length}\r\n`,
    'a list of Content-Lengths': `Content-Length: 5, ${body.length}\r\n`,
    'a space before the colon': `Transfer-Encoding : chunked\r\nContent-Length: ${body.length}\r\n`,
    'a bad chunk size': 'Transfer-Encoding: chunked\r\n',
  };
  for (const [what, headers] of Object.entries(cases)) {
    const payload = what === 'a bad chunk size' ? `zz\r\n{}\r\n0\r\n\r\n${SMUGGLED}` : body;
    assertNotSmuggled(what, await send(clickHead(headers) + payload));
  }
});

// Defect 9: these were taken as "no body" and what followed was answered as a second request.
test('a Transfer-Encoding other than a final chunked is answered 400 or 501, once, and closed', async () => {
  const cases = {
    'chunked, identity': 'Transfer-Encoding: chunked, identity\r\n',
    gzip: 'Transfer-Encoding: gzip\r\n',
    'chunked and identity in two headers': 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n',
  };
  for (const [what, headers] of Object.entries(cases)) {
    const got = await send(clickHead(headers) + SMUGGLED);
    const { responses } = parseResponses(got.data);
    assert.equal(responses.length, 1, `${what}: exactly one answer, got:\n${got.data.toString('latin1')}`);
    assert.ok([400, 501].includes(responses[0].status), `${what}: answered ${responses[0].status}`);
    assert.ok(got.closed, `${what}: the connection is closed after the answer`);
  }
});

// Defect 12: malformed requests were closed without a word.
test('a malformed request line is answered 400 and closed', async () => {
  for (const line of ['GARBAGE', 'GET', 'GET / HTTP/1.1 extra', 'GET / HTTP/9.x', 'G\x01T / HTTP/1.1']) {
    const got = await send(`${line}\r\nHost: 127.0.0.1\r\n\r\n`);
    const { responses } = parseResponses(got.data);
    assert.equal(responses.length, 1, `${JSON.stringify(line)}: one answer, got ${JSON.stringify(got.data.toString('latin1'))}`);
    assert.equal(responses[0].status, 400, JSON.stringify(line));
    jsonOf(responses[0]);
    assert.ok(got.closed, `${JSON.stringify(line)}: closed after the answer`);
  }
});

test('headers over the limit are answered 431 and closed', async () => {
  const cases = {
    'one long header': `X-Long: ${'a'.repeat(20 * 1024)}\r\n`,
    'many headers': Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join(''),
  };
  for (const [what, headers] of Object.entries(cases)) {
    const got = await send(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`);
    const { responses } = parseResponses(got.data);
    assert.equal(responses.length, 1, `${what}: one answer, got ${JSON.stringify(got.data.toString('latin1').slice(0, 200))}`);
    assert.equal(responses[0].status, 431, what);
    jsonOf(responses[0]);
    assert.ok(got.closed, `${what}: closed after the answer`);
  }
});

// Passed before issue 9; kept so that it stays so. Each attacker sends its headers a byte at a
// time, forever; the server must hang up on it within read_timeout and serve others meanwhile.
test('slowloris: trickled headers are cut off within read_timeout, others are served meanwhile', async () => {
  const deadline = READ_TIMEOUT_MS + 4000;
  const trickle = () => new Promise((resolve) => {
    const socket = net.connect(engine.httpPort, '127.0.0.1');
    const header = `POST /click HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${'X-Slow: a\r\n'.repeat(1000)}`;
    let sent = 0;
    let interval;
    const done = (closed) => { clearInterval(interval); clearTimeout(timer); socket.destroy(); resolve(closed); };
    const timer = setTimeout(() => done(false), deadline);
    socket.on('connect', () => {
      // The attacker's pace: one byte every 100 ms, well inside any per-read timeout.
      interval = setInterval(() => { if (sent < header.length) socket.write(header[sent++]); }, 100);
    });
    socket.on('close', () => done(true));
    socket.on('end', () => done(true));
    socket.on('error', () => done(true));
  });
  const attackers = Array.from({ length: 20 }, trickle);
  const res = await postClick(engine, { page: 'during-slowloris', clickNumber: 1 });
  assert.equal(res?.status, 200, 'a normal click while the attack runs');
  const closed = await Promise.all(attackers);
  assert.deepEqual(closed, closed.map(() => true), 'every trickling connection was closed by the server');
});
