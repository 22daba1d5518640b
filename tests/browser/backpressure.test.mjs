// A full pipeline and a sink that cannot deliver: 503 with Retry-After, never a silent loss.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sluice, fixturePlugins, eventually } from './harness.mjs';

let sluice;
before(async () => {
  sluice = await Sluice.start('tests/browser/pipelines/stalled.yaml', { args: ['--plugin-dir', fixturePlugins] });
});
after(async () => { await sluice.stop(); });

const click = (n) => fetch(`${sluice.ingest}/click`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ page: 'p', clickNumber: n }),
});

test('a sink that does not confirm: 503 with Retry-After after ack_timeout', async () => {
  const res = await click(1);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '2');
  assert.match((await res.json()).error, /no confirmation of delivery in time/);
});

test('a full pipeline: 503 at once, with Retry-After', async () => {
  // The stalled sink holds one batch, the pipeline thread waits with the next, the queue holds
  // one more: after that every click is refused straight away.
  const pending = [click(2), click(3), click(4)];
  const refused = await eventually(async () => {
    const res = await click(5);
    return res.status === 503 && (await res.json()).error === 'the pipeline is full' ? res : null;
  }, { what: 'a full pipeline' });
  assert.equal(refused.headers.get('retry-after'), '2');
  for (const res of await Promise.all(pending)) assert.equal(res.status, 503);
});
