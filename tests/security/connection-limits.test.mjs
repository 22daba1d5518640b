// max_connections bounds connections where they are accepted: one over the limit is answered 503
// at once and closed, without waiting for a request, and a WebSocket handshake in progress counts.
// (Running out of file descriptors is fd-exhaustion.test.mjs.)
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Engine, exchange, parseResponses, jsonOf, request, upgradeStatus, eventually } from './harness.mjs';

const HTTP_LIMIT = 8;
const WS_LIMIT = 4;
let engine;
before(async () => {
  engine = await Engine.start({ env: { HTTP_MAX_CONNECTIONS: String(HTTP_LIMIT), WS_MAX_CONNECTIONS: String(WS_LIMIT), READ_TIMEOUT: '10s' } });
});
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

// A kept-alive connection that has been answered once, so the server has certainly accepted it.
function keptAlive(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    socket.on('data', (d) => {
      data = Buffer.concat([data, d]);
      const { responses } = parseResponses(data);
      if (responses.length) {
        if (responses[0].status !== 200) reject(new Error(`kept-alive connection answered ${responses[0].status}`));
        resolve(socket);
      }
    });
  });
}

// Defect 6: a connection over the limit waited for a request (up to read_timeout) before its 503.
test('http: connections over max_connections get a prompt 503 and a close, before sending anything', async () => {
  const held = [];
  for (let i = 0; i < HTTP_LIMIT; i++) held.push(await keptAlive(engine.httpPort));
  const over = await Promise.all(Array.from({ length: 12 }, () => exchange(engine.httpPort, undefined, { timeout: 5000 })));
  for (const got of over) {
    const { responses } = parseResponses(got.data);
    assert.equal(responses.length, 1, `an answer without a request (read_timeout is 10 s), got ${JSON.stringify(got.data.toString('latin1'))}`);
    assert.equal(responses[0].status, 503);
    assert.ok(Number(responses[0].headers['retry-after']) >= 1, 'Retry-After');
    jsonOf(responses[0]);
    assert.ok(got.closed, 'closed after the 503');
  }
  for (const s of held) s.destroy();
  await eventually(async () => (await request(engine.httpPort, { path: '/health' }))?.status === 200, { what: 'room again' });
});

test('websocket: handshakes in progress count toward max_connections', async () => {
  const pending = [];
  for (let i = 0; i < WS_LIMIT; i++) {
    const s = net.connect(engine.wsPort, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((resolve) => s.once('connect', resolve));
    s.write('GET / HTTP/1.1\r\n');  // and nothing more
    pending.push(s);
  }
  const origin = `http://127.0.0.1:${engine.httpPort}`;
  await eventually(async () => (await upgradeStatus(engine.wsPort, { origin })) === 503,
    { what: `a dashboard refused while ${WS_LIMIT} handshakes are in progress`, timeout: 5000 });
  for (const s of pending) s.destroy();
  await eventually(async () => (await upgradeStatus(engine.wsPort, { origin })) === 101, { what: 'room again' });
});
