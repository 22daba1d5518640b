// `slow_client: skip` with a client that stops reading: it loses frames, but every frame it does
// get is whole, the others get every event, and the engine carries on.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, postClick, dashboard, eventually } from './harness.mjs';

let engine;
before(async () => { engine = await Engine.start({ env: { SLOW_CLIENT: 'skip', WS_MAX_QUEUE: '4' } }); });
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

// Defect 1: the skip branch popped the frame Beast was still writing (a use after free, seen
// sending another frame's heap bytes to the client).
test('slow_client skip: a client that stops reading gets only whole frames; the others get everything', async () => {
  const slow = dashboard(engine);
  await slow.opened;
  await eventually(() => slow.frames.length >= 1, { what: 'the slow client\'s snapshot' });
  slow.ws.pause();  // from now on its socket is not read: the kernel buffers fill, then its queue
  const fast = dashboard(engine);
  await fast.opened;
  await eventually(() => fast.frames.length >= 1, { what: 'the fast client\'s snapshot' });

  // 100 frames of about 100 KiB (10 MiB): far more than the kernel buffers of one stalled
  // connection and its queue of 4, so frames are skipped while one is half written.
  const pad = 'x'.repeat(2000);
  for (let i = 0; i < 100; i++) {
    const batch = Array.from({ length: 50 }, (_, j) => ({ page: 'load', clickNumber: i * 50 + j, pad }));
    const res = await postClick(engine, JSON.stringify(batch), { path: '/clicks' });
    assert.equal(res?.status, 200, 'the pipeline never waits for the slow client');
  }
  await eventually(() => fast.events().filter((e) => e.data.page === 'load').length >= 5000,
    { what: 'every event at the fast client', timeout: 20000 });
  const load = fast.events().filter((e) => e.data.page === 'load');
  for (let i = 1; i < load.length; i++) assert.equal(load[i].seq, load[i - 1].seq + 1, 'no gap for the fast client');
  assert.deepEqual(fast.badFrames, []);

  // The slow client reads again: what it gets must be whole frames, up to a marker sent now.
  slow.ws.resume();
  assert.equal((await postClick(engine, { page: 'marker', clickNumber: 1 }))?.status, 200);
  await eventually(() => slow.badFrames.length > 0 || slow.closeCode !== null || slow.events().some((e) => e.data.page === 'marker'),
    { what: 'the marker at the slow client', timeout: 20000 });
  assert.ok(engine.alive, engine.state());
  assert.deepEqual(slow.badFrames, [], 'every frame the slow client got parses');
  assert.equal(slow.closeCode, null, 'the slow client is skipped, not dropped or sent invalid UTF-8 (1007)');
  const seqs = slow.events().map((e) => e.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'frames arrive in order, some skipped');
  assert.ok(slow.events().filter((e) => e.data.page === 'load').length < 5000, 'the slow client did lose frames (the test made it slow)');
  await slow.close();
  await fast.close();
});
