// What a dashboard client sends the WebSocket sink: its ?since= (parsed strictly) and its own
// messages (small ones only; the sink has nothing to hear from a dashboard).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, postClick, dashboard, eventually, within } from './harness.mjs';

const MiB = 1024 * 1024;
let engine;
before(async () => { engine = await Engine.start(); });
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

async function firstFrame(query) {
  const d = dashboard(engine, { query });
  await d.opened;
  await eventually(() => d.frames.length >= 1, { what: `the first frame for ${query}` });
  await d.close();
  return d.frames[0];
}

// Defect 13: `?since=` matched `xsince=`, accepted trailing junk and wrapped -1.
test('?since= is parsed strictly: anything but since=EPOCH:SEQ gets a snapshot, not a catch-up', async () => {
  const { epoch, seq } = await firstFrame('');
  for (let i = 0; i < 3; i++) assert.equal((await postClick(engine, { page: 'since', clickNumber: i }))?.status, 200);
  // The control: the exact form is a catch-up with what came after SEQ.
  const good = await firstFrame(`?since=${epoch}:${seq}`);
  assert.equal(good.type, 'events');
  assert.equal(good.events.filter((e) => e.data.page === 'since').length, 3);
  for (const query of [`?xsince=${epoch}:${seq}`, `?asince=${epoch}:${seq}`, `?since=${epoch}:${seq}junk`, `?since=${epoch}:${seq}.5`,
    `?since=${epoch}:-1`, `?since=${epoch}:${seq}%20`, `?since=${epoch}:+${seq}`, `?since=${epoch}:${seq}:${seq}`,
    `?since=${epoch}:${2n ** 64n + BigInt(seq)}`]) {
    const frame = await firstFrame(query);
    assert.equal(frame.type, 'snapshot', query);
  }
});

// Defect 7: a 2 MiB client message was accepted (Beast's default limit is 16 MiB), and large ones
// grew the engine by their size each.
test('a dashboard that sends a 2 MiB message is closed', async () => {
  const d = dashboard(engine);
  await d.opened;
  d.ws.send(Buffer.alloc(2 * MiB, 'a'));
  await within(d.closed, 5000, 'the server to close the connection');
  assert.notEqual(d.closeCode, null);
});

test('large client messages do not grow the engine', async () => {
  // Six clients send 8 MiB each, then a ping: its pong (or the connection's close) says the
  // server has read or refused the message. Kept open, these held 48 MiB before the fix.
  const before = engine.rss();
  const clients = [];
  for (let i = 0; i < 6; i++) {
    const d = dashboard(engine);
    await d.opened;
    const heard = new Promise((resolve) => { d.ws.once('pong', resolve); d.closed.then(resolve); });
    d.ws.send(Buffer.alloc(8 * MiB, 'a'), () => {});
    d.ws.ping();
    await within(heard, 10000, 'a pong or a close');
    clients.push(d);
  }
  const grown = engine.rss() - before;
  // 16 MiB: what a few small read buffers, the allocator's slack and the kernel-side socket of
  // six connections can take, a third of what six 8 MiB buffers would hold.
  assert.ok(grown < 16, `RSS grew by ${grown.toFixed(1)} MiB`);
  for (const d of clients) await d.close();
});
