// The websocket sink over real sockets: Origin check, snapshot then live events, catching up
// after a reconnect, and a slow client that is cut off without slowing anyone else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { Sluice, eventually } from './harness.mjs';

let sluice;
before(async () => {
  sluice = await Sluice.start('tests/browser/pipelines/broadcast.yaml', { listen: ['INGEST_LISTEN', 'WS_LISTEN'] });
});
after(async () => { assert.equal(await sluice.stop(), 0, sluice.log); });

const post = (clicks) => fetch(`${sluice.ingest}/clicks`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(clicks),
});

// A client that collects every frame.
function client(url = sluice.ws, origin = 'http://good.example') {
  const ws = new WebSocket(url, { origin });
  const frames = [];
  ws.on('message', (data) => frames.push(JSON.parse(data)));
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, frames, opened, events: () => frames.flatMap((f) => f.events) };
}

test('a foreign origin is refused with 403', async () => {
  const status = await new Promise((resolve) => {
    const ws = new WebSocket(sluice.ws, { origin: 'http://evil.example' });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => resolve('opened'));
  });
  assert.equal(status, 403);
});

test('a client gets a snapshot first, then live events', async () => {
  const c = client();
  await c.opened;
  await eventually(() => c.frames.length >= 1, { what: 'the snapshot' });
  assert.equal(c.frames[0].type, 'snapshot');
  assert.equal((await post([{ page: 'live', clickNumber: 1 }])).status, 200);
  const live = await eventually(() => c.events().find((e) => e.data.page === 'live'), { what: 'the live event' });
  assert.ok(live.seq > 0);
  c.ws.close();
});

test('a client that reconnects with the last seq it saw gets exactly what it missed', async () => {
  const c = client();
  await c.opened;
  await eventually(() => c.frames.length >= 1);
  assert.equal((await post([{ page: 'before', clickNumber: 1 }])).status, 200);
  const seen = await eventually(() => c.events().find((e) => e.data.page === 'before'));
  const epoch = c.frames[0].epoch;
  c.ws.close();
  assert.equal((await post([{ page: 'missed', clickNumber: 1 }, { page: 'missed', clickNumber: 2 }])).status, 200);
  const again = client(`${sluice.ws}?since=${epoch}:${seen.seq}`);
  await again.opened;
  await eventually(() => again.frames.length >= 1);
  assert.equal(again.frames[0].type, 'events', 'a catch-up, not a snapshot');
  assert.deepEqual(again.frames[0].events.map((e) => e.data.clickNumber), [1, 2]);
  assert.deepEqual(again.frames[0].events.map((e) => e.seq), [seen.seq + 1, seen.seq + 2]);
  again.ws.close();
});

test('a slow client is disconnected; the others get every event', async () => {
  // The slow client completes the upgrade, then never reads.
  const slow = net.connect(sluice.port('WS_LISTEN'), '127.0.0.1');
  await new Promise((resolve) => slow.once('connect', resolve));
  slow.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${sluice.port('WS_LISTEN')}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
             'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  // Its first frame (the snapshot) proves the hub has it: only then are the events below its to miss.
  const head = await new Promise((resolve) => {
    let data = '';
    const onData = (d) => {
      data += d;
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0 && data.length > end + 4) { slow.off('data', onData); resolve(data); }
    };
    slow.on('data', onData);
  });
  assert.match(head, /^HTTP\/1\.1 101/);
  slow.pause();
  const fast = client();
  await fast.opened;
  await eventually(() => fast.frames.length >= 1);
  const start = fast.events().length;
  const pad = 'x'.repeat(2000);
  for (let i = 0; i < 40; i++) {
    const batch = Array.from({ length: 100 }, (_, j) => ({ page: 'load', clickNumber: i * 100 + j, pad }));
    assert.equal((await post(batch)).status, 200, 'the pipeline never waits for the slow client');
  }
  await eventually(() => fast.events().length - start >= 4000, { what: 'every event at the fast client' });
  const load = fast.events().filter((e) => e.data.page === 'load');
  for (let i = 1; i < load.length; i++) assert.equal(load[i].seq, load[i - 1].seq + 1, 'no gap for the fast client');
  await eventually(() => sluice.log.includes('disconnecting a client that fell'), { what: 'the slow client to be cut off' });
  slow.destroy();
  fast.ws.close();
});
