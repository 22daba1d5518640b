// The totals the dashboard shows are kept per `page`, a value each client picks: 20,000 distinct
// pages must not make every state frame huge.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, postClick, dashboard, eventually } from './harness.mjs';

// The bound the issue states for state and snapshot frames, whatever clients send.
const FRAME_LIMIT = 64 * 1024;
const PAGES = 20000;

let engine;
before(async () => { engine = await Engine.start(); });
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

// Defect 2: one counter per page with no bound made a 411 KiB state frame, sent to every
// dashboard every second.
test('20,000 distinct pages keep the state and snapshot frames under 64 KiB', async () => {
  const d = dashboard(engine);
  await d.opened;
  for (let i = 0; i < PAGES / 1000; i++) {
    const lines = Array.from({ length: 1000 }, (_, j) => JSON.stringify({ page: `page-${i * 1000 + j}`, clickNumber: 1 })).join('\n');
    assert.equal((await postClick(engine, lines, { path: '/clicks', headers: { 'Content-Type': 'application/x-ndjson' } }))?.status, 200);
  }
  // The state counts every click; once it has all of them, the next state-only frame is the one
  // every dashboard gets each second from now on.
  const counted = await eventually(() => d.frames.findIndex((f) => f.state && f.state.total >= PAGES) + 1,
    { what: 'a state with every click', timeout: 15000 });
  const stateOnly = await eventually(() => {
    for (let i = counted; i < d.frames.length; i++) if (d.frames[i].state && d.frames[i].events.length === 0) return i + 1;
    return 0;
  }, { what: 'a state frame after that' });
  assert.ok(d.sizes[stateOnly - 1] < FRAME_LIMIT, `a state frame of ${d.sizes[stateOnly - 1]} bytes`);
  assert.deepEqual(d.badFrames, []);
  await d.close();

  const fresh = dashboard(engine);
  await fresh.opened;
  await eventually(() => fresh.frames.length >= 1, { what: 'the snapshot' });
  assert.equal(fresh.frames[0].type, 'snapshot');
  assert.ok(fresh.frames[0].state.total >= PAGES);
  assert.ok(fresh.sizes[0] < FRAME_LIMIT, `a snapshot of ${fresh.sizes[0]} bytes`);
  await fresh.close();
});
