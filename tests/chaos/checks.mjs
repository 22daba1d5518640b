// What every fault test asserts at its end, from the clients' records and an independent read of
// the topic: nothing answered 2xx is missing, nothing is there twice, no answer took longer than
// ack_timeout, and the dashboards that stayed connected received every stored click, once.
import assert from 'node:assert/strict';
import { eventually } from '../browser/harness.mjs';
import { ACK_TIMEOUT_MS } from './engine.mjs';

// What the engine needs beyond ack_timeout to write a 503 and the client to read it, on two busy
// cores; far below a hang.
const ANSWER_SLACK_MS = 1500;

// `brokenAllowed(b)`: the client errors a fault explains (a killed engine resets its connections).
export async function expectNothingLost({ cluster, topic, load, dashboards = [], brokenAllowed = () => false }) {
  const unexplained = load.broken.filter((b) => !brokenAllowed(b));
  assert.deepEqual(unexplained.slice(0, 20), [], `${unexplained.length} clicks answered neither 2xx nor 503 + Retry-After`);
  const slow = [...load.ok, ...load.unavailable].filter((a) => a.ms > ACK_TIMEOUT_MS + ANSWER_SLACK_MS);
  assert.deepEqual(slow.slice(0, 20).map((a) => `click ${a.n}: ${Math.round(a.ms)} ms`), [],
    `${slow.length} answers took longer than ack_timeout (${ACK_TIMEOUT_MS} ms)`);

  // A click answered 503 may still be stored later (ack_timeout does not withdraw it): wait until
  // the topic holds at least every click answered 2xx, then for what is still on its way.
  const okIds = new Set(load.ok.map((a) => a.id));
  const stored = await eventually(async () => {
    const clicks = (await cluster.read(topic)).map((line) => JSON.parse(line));
    const ids = new Set(clicks.map((c) => c.id));
    return [...okIds].every((id) => ids.has(id)) ? clicks : null;
  }, { timeout: 60000, what: `every click answered 2xx in topic ${topic}` }).catch(async (e) => {
    const ids = new Set((await cluster.read(topic)).map((line) => JSON.parse(line).id));
    const missing = load.ok.filter((a) => !ids.has(a.id));
    assert.fail(`${missing.length} clicks answered 2xx are not in the topic (first: ${JSON.stringify(missing.slice(0, 5))}); ${e.message}`);
  });

  const byNumber = new Map();
  for (const c of stored) byNumber.set(c.clickNumber, (byNumber.get(c.clickNumber) ?? 0) + 1);
  const twice = [...byNumber].filter(([, k]) => k > 1).map(([n]) => n);
  assert.deepEqual(twice.slice(0, 20), [], `${twice.length} clicks are in the topic more than once`);
  const strangers = stored.filter((c) => !(c.clickNumber >= 0 && c.clickNumber < load.next));
  assert.deepEqual(strangers.slice(0, 5), [], 'the topic holds clicks nobody sent');

  for (const [i, d] of dashboards.entries()) {
    await eventually(() => {
      const seen = new Set(d.clicks.map((c) => c.id));
      return stored.every((c) => seen.has(c.id));
    }, { timeout: 60000, what: `dashboard ${i} to receive every stored click` }).catch(() => {
      const seen = new Set(d.clicks.map((c) => c.id));
      assert.fail(`dashboard ${i} lacks ${stored.filter((c) => !seen.has(c.id)).length} of ${stored.length} stored clicks`);
    });
    const ids = d.clicks.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `dashboard ${i} received a click twice`);
    assert.equal(d.closed, null, `dashboard ${i} was disconnected (${d.closed})`);
  }
  return stored;
}

// One line for the test's output: what the clients saw.
export function summary(load, extra = '') {
  const p = (xs, q) => {
    const s = xs.map((a) => a.ms).sort((a, b) => a - b);
    return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]) : 0;
  };
  return `# ${load.next} clicks sent: ${load.ok.length} answered 2xx (p99 ${p(load.ok, 0.99)} ms, max ${p(load.ok, 1)} ms), ` +
    `${load.unavailable.length} 503 + Retry-After (max ${p(load.unavailable, 1)} ms), ${load.broken.length} broken, ` +
    `${load.heldBack} held back by the client; the client's event loop ran up to ` +
    `${Math.round((load.loopDelay?.max ?? 0) / 1e6)} ms late${extra}`;
}
