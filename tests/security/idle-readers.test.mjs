// Dashboards that connect, ask for the whole replay buffer, and never read: the memory each one
// can pin is bounded, so eight of them cost little.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, postClick, dashboard, eventually, idleReader } from './harness.mjs';

let engine;
before(async () => { engine = await Engine.start(); });
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

// Defect 8: catch-up and snapshot frames were built per client, with no byte cap; eight clients
// that connected and never read added 68 MiB.
test('eight clients that ask for a catch-up and never read keep RSS bounded', async () => {
  const d = dashboard(engine);
  await d.opened;
  await eventually(() => d.frames.length >= 1, { what: 'the snapshot' });
  const { epoch } = d.frames[0];
  // Fill the replay buffer (1000 events by default) with about 8 MiB of clicks.
  const pad = 'x'.repeat(8000);
  for (let i = 0; i < 10; i++) {
    const batch = Array.from({ length: 100 }, (_, j) => ({ page: 'fill', clickNumber: i * 100 + j, pad }));
    assert.equal((await postClick(engine, JSON.stringify(batch), { path: '/clicks' }))?.status, 200);
  }
  await eventually(() => d.events().filter((e) => e.data.page === 'fill').length === 1000, { what: 'the fill at the dashboard' });
  const since = d.events().find((e) => e.data.page === 'fill').seq - 1;
  await d.close();

  const before = engine.rss();
  const readers = [];
  for (let i = 0; i < 8; i++) {
    readers.push(await idleReader(engine.wsPort, { path: `/?since=${epoch}:${since}`, origin: `http://127.0.0.1:${engine.httpPort}` }));
  }
  // Live events keep coming meanwhile; the readers fall behind on those too.
  for (let i = 0; i < 20; i++) {
    const batch = Array.from({ length: 10 }, (_, j) => ({ page: 'live', clickNumber: i * 10 + j, pad }));
    assert.equal((await postClick(engine, JSON.stringify(batch), { path: '/clicks' }))?.status, 200);
  }
  const grown = engine.rss() - before;
  // Each reader may pin about 1 MiB (the default) and a shared catch-up frame is built
  // once: 32 MiB leaves room for both and the allocator's slack, and is half of what eight
  // per-client copies of an 8 MiB catch-up (over 64 MiB) held before the fix.
  assert.ok(grown < 32, `RSS grew by ${grown.toFixed(1)} MiB with eight idle readers`);
  for (const r of readers) r.close();
});
