// max_connections on the http source and the websocket sink: the next one is refused with 503,
// and those already connected are served as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { Sluice, eventually } from './harness.mjs';

let sluice;
before(async () => {
  sluice = await Sluice.start('tests/browser/pipelines/limits.yaml', { listen: ['INGEST_LISTEN', 'WS_LISTEN'] });
});
after(async () => { assert.equal(await sluice.stop(), 0, sluice.log); });

function rawRequest(socket, path = '/health') {
  return new Promise((resolve) => {
    let data = '';
    const onData = (d) => {
      data += d;
      if (/\r\n\r\n[\s\S]*\}$/.test(data) || data.includes('\r\n\r\n') && /content-length: 0/i.test(data)) {
        socket.off('data', onData);
        resolve(data);
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  });
}

const connect = (port) => new Promise((resolve) => { const s = net.connect(port, '127.0.0.1', () => resolve(s)); });

test('http: a connection over max_connections gets 503, the others keep working', async () => {
  const a = await connect(sluice.port());
  const b = await connect(sluice.port());
  assert.match(await rawRequest(a), /^HTTP\/1\.1 200/);
  assert.match(await rawRequest(b), /^HTTP\/1\.1 200/);
  const c = await connect(sluice.port());
  const refused = await rawRequest(c);
  assert.match(refused, /^HTTP\/1\.1 503/);
  assert.match(refused, /too many connections/);
  assert.match(refused, /Retry-After: 1/i);
  assert.match(await rawRequest(a), /^HTTP\/1\.1 200/, 'kept-alive connections are still served');
  for (const s of [a, b, c]) s.destroy();
});

test('websocket: a client over max_connections gets 503', async () => {
  const open = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(sluice.ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
  });
  const first = await open();
  const second = await open();
  await assert.rejects(open(), /503/);
  first.close();
  await eventually(async () => { try { (await open()).close(); return true; } catch { return false; } },
    { what: 'room again once a client left' });
  second.close();
});
