// A per-client rate limit on the http source (defect 16), by client address or, through a trusted
// proxy, by the first untrusted address in X-Forwarded-For; and extra Host names (allowed_hosts,
// defect 10). These options are new in issue 9, so this file uses its own pipeline: a build
// without them refuses it at start and every test here fails.
// Loopback has many addresses: connecting from 127.0.0.N makes another client.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, postClick, jsonOf } from './harness.mjs';

const BURST = 5;
let engine;
before(async () => {
  engine = await Engine.start({ pipeline: 'click-tracker-limits.yaml', env: { RATE_LIMIT: '2', RATE_BURST: String(BURST) } });
});
afterEach(async () => { if (engine) await engine.checkAfterAttack(); });
after(async () => { if (engine) assert.equal(await engine.stop(), 0, engine.logTail); });

// Posts clicks one after another until one is refused (at most 30); returns every answer.
async function flood({ localAddress, headers = () => ({}) }) {
  const answers = [];
  for (let i = 0; i < 30; i++) {
    const res = await postClick(engine, { page: 'flood', clickNumber: i }, { localAddress, headers: headers(i) });
    assert.ok(res, 'answered');
    answers.push(res);
    if (res.status !== 200) break;
  }
  return answers;
}

function assertLimited(answers, what) {
  const last = answers.at(-1);
  assert.equal(last.status, 429, `${what}: ${answers.map((a) => a.status).join(' ')}`);
  assert.ok(answers.length > 1 && answers.slice(0, -1).every((a) => a.status === 200), `${what}: a burst is let through first`);
  assert.ok(/^\d+$/.test(last.headers['retry-after'] ?? '') && Number(last.headers['retry-after']) >= 1, `${what}: Retry-After`);
  assert.equal(jsonOf(last).ok, false);
}

test('one client posting fast gets 429 with Retry-After; another client is not affected', async () => {
  assertLimited(await flood({ localAddress: '127.0.0.2' }), '127.0.0.2');
  const other = await postClick(engine, { page: 'other', clickNumber: 1 }, { localAddress: '127.0.0.3' });
  assert.equal(other?.status, 200, 'another address');
});

test('through a trusted proxy the limit applies to each real client in X-Forwarded-For', async () => {
  // The proxy (127.0.0.1) forwards one client posting fast...
  assertLimited(await flood({ headers: () => ({ 'X-Forwarded-For': '203.0.113.7' }) }), 'client 203.0.113.7');
  // ...and another client behind the same proxy is served.
  const other = await postClick(engine, { page: 'other', clickNumber: 1 }, { headers: { 'X-Forwarded-For': '203.0.113.8' } });
  assert.equal(other?.status, 200, 'client 203.0.113.8 behind the same proxy');
  // A client that prepends made-up addresses is still known by the one the proxy saw.
  assertLimited(await flood({ headers: (i) => ({ 'X-Forwarded-For': `198.51.100.${i}, 203.0.113.9` }) }), 'a spoofed chain');
});

test('X-Forwarded-For from an untrusted address is ignored', async () => {
  assertLimited(await flood({ localAddress: '127.0.0.4', headers: (i) => ({ 'X-Forwarded-For': `198.51.100.${i}` }) }),
    'an untrusted client naming a new address each time');
});

test('allowed_hosts: a listed Host name is served, another is refused', async () => {
  const listed = await postClick(engine, { page: 'host', clickNumber: 1 },
    { localAddress: '127.0.0.5', headers: { Host: 'clicks.example', Origin: 'http://clicks.example' } });
  assert.equal(listed?.status, 200, 'clicks.example is in allowed_hosts');
  const other = await postClick(engine, { page: 'host', clickNumber: 1 },
    { localAddress: '127.0.0.5', headers: { Host: 'evil.example', Origin: 'http://evil.example' } });
  assert.ok([421, 403].includes(other?.status), `evil.example: ${other?.status}`);
});
