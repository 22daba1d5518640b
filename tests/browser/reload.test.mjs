// A reload of the running click tracker under load, with real parts: the real engine running
// pipelines/click-tracker.yaml (a copy the test edits), the real Kafka broker, HTTP clients posting
// clicks over real sockets and dashboards' WebSockets on broadcast. The reload changes an option
// of ingest's enrich transform (user_agent: true), so ingest restarts and broadcast is left alone.
// What must hold:
//   - HTTP clients see no refused or reset connection: every answer is 2xx, or 503 with Retry-After;
//   - every click answered 2xx is in the topic exactly once, read by an independent consumer (kcat);
//   - clicks posted after the reload answered carry the new option (userAgent), those answered
//     before it started do not;
//   - broadcast's WebSocket clients stay connected through it, and each receives every click once;
//     its Kafka consumer keeps its group membership (no second assignment, no revocation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sluice, unique, eventually, root, watchClicks, readTopic } from './harness.mjs';

const USER_AGENT = 'sluice-reload-test';
// Half the clients keep their connection alive between clicks, as browsers and proxies do; the
// other half open one per click.
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 3 });

// One POST /click, on a kept-alive connection or on one of its own; resolves to what the client
// saw, never rejects.
function postClick(port, n, agent) {
  const body = JSON.stringify({ page: 'reload', clickNumber: n });
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/click', method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': USER_AGENT },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'], text }));
      res.on('error', (e) => resolve({ error: `answer cut: ${e.message}` }));
    });
    req.setTimeout(15000, () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (e) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}


test('a reload of ingest under load: only 2xx or 503 + Retry-After, every click once, the new option after it, dashboards stay connected', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-reload-'));
  const file = path.join(dir, 'click-tracker.yaml');
  const original = fs.readFileSync(path.join(root, 'pipelines/click-tracker.yaml'), 'utf8');
  assert.equal(original.split('- type: enrich\n').length, 2, 'the click tracker has one enrich transform');
  fs.writeFileSync(file, original);

  const topic = unique('reload-clicks');
  const engine = await Sluice.start(file, {
    listen: ['INGEST_LISTEN', 'WS_LISTEN'],
    env: { CLICKS_TOPIC: topic, CLICKS_DLQ_TOPIC: `${topic}-dlq`, BROADCAST_GROUP: topic, INGEST_RATE_LIMIT: '0' },
  });
  try {
    const admin = await eventually(() => engine.log.match(/admin endpoint listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1],
      { what: 'the admin endpoint' });
    // Ingest's sink ready (Kafka reachable, its topic there); broadcast's consumer is not asked,
    // its one assignment is checked in the log at the end.
    await eventually(async () => (await fetch(`${admin}/ready`)).status === 200, { timeout: 30000, what: '/ready' });

    const dashboards = [0, 1, 2].map(() => watchClicks(engine.ws));
    await Promise.all(dashboards.map((d) => d.opened));
    const closed = [];
    dashboards.forEach((d, i) => d.ws.on('close', (code) => closed.push(`dashboard ${i} closed (${code})`)));

    // The load: 6 clients posting one click after another, each click numbered; 3 of them on
    // kept-alive connections.
    const answered = [];  // { id, n, at: when the answer came }
    const unavailable = [];
    const broken = [];
    let next = 0;
    let stop = false;
    const client = async (agent) => {
      while (!stop) {
        const n = next++;
        const sent = performance.now();
        const r = await postClick(engine.port('INGEST_LISTEN'), n, agent);
        if (r.error) broken.push(`click ${n}: ${r.error}`);
        else if (r.status === 200) answered.push({ id: JSON.parse(r.text).ids[0], n, sent, at: performance.now() });
        else if (r.status === 503 && r.retryAfter) unavailable.push(n);
        else broken.push(`click ${n}: answered ${r.status} ${r.text}`);
      }
    };
    const clients = [false, false, false, keepAlive, keepAlive, keepAlive].map(client);

    await eventually(() => answered.length >= 300, { timeout: 30000, what: '300 clicks before the reload' });
    fs.writeFileSync(`${file}.new`, original.replace('- type: enrich\n', '- { type: enrich, user_agent: true }\n'));
    fs.renameSync(`${file}.new`, file);
    const reloadStarted = performance.now();
    const res = await fetch(`${admin}/reload`, { method: 'POST' });
    const reloadDone = performance.now();
    const report = await res.json();
    assert.equal(res.status, 200, JSON.stringify(report));
    assert.deepEqual({ changed: report.changed, unchanged: report.unchanged }, { changed: ['ingest'], unchanged: ['broadcast'] });

    const atReload = answered.length;
    await eventually(() => answered.length >= atReload + 300, { timeout: 30000, what: '300 clicks after the reload' });
    stop = true;
    await Promise.all(clients);

    assert.deepEqual(broken, [], `${broken.length} requests broken`);
    // The option: off for clicks answered before the reload began, on for clicks sent after it ended.
    const inTopic = await eventually(async () => {
      const all = (await readTopic(topic)).map((l) => JSON.parse(l));
      return all.length >= answered.length ? all : null;
    }, { timeout: 30000, what: 'every answered click in the topic' });
    const times = new Map();
    for (const e of inTopic) times.set(e.id, (times.get(e.id) ?? 0) + 1);
    const missing = answered.filter((a) => !times.has(a.id));
    const twice = [...times].filter(([, k]) => k > 1);
    assert.deepEqual(missing, [], `${missing.length} clicks answered 200 are not in the topic`);
    assert.deepEqual(twice, [], 'clicks in the topic twice');
    assert.equal(inTopic.length, answered.length, 'the topic holds a click nobody was answered 200 for');
    const byId = new Map(inTopic.map((e) => [e.id, e]));
    const before = answered.filter((a) => a.at < reloadStarted);
    const after = answered.filter((a) => a.sent > reloadDone);
    assert.ok(before.length >= 300 && after.length >= 200, `${before.length} before, ${after.length} after`);
    assert.deepEqual(before.filter((a) => 'userAgent' in byId.get(a.id)).map((a) => a.n), [], 'the new option before the reload');
    assert.deepEqual(after.filter((a) => byId.get(a.id).userAgent !== USER_AGENT).map((a) => a.n), [],
      'clicks after the reload without the new option');

    // Broadcast was not touched: its dashboards never dropped, and each saw every click once.
    for (const [i, d] of dashboards.entries()) {
      await eventually(() => {
        const seen = new Set(d.clicks.map((c) => c.id));
        return answered.every((a) => seen.has(a.id));
      },
        { timeout: 30000, what: `dashboard ${i} to receive every click` });
      const ids = d.clicks.map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length, `dashboard ${i} received a click twice`);
    }
    assert.deepEqual(closed, [], 'a dashboard of the unchanged pipeline was disconnected');
    // Nor its Kafka consumer: one assignment at the start, never revoked (no rejoin of the group).
    assert.equal(engine.log.match(/assigned \d+ partitions/g)?.length, 1, engine.log);
    assert.doesNotMatch(engine.log, /revoked/);
    assert.ok(dashboards.every((d) => d.ws.readyState === d.ws.OPEN));
    keepAlive.destroy();
    console.log(`# ${answered.length} clicks answered 200, ${unavailable.length} answered 503 + Retry-After`);
    dashboards.forEach((d) => d.close());
  } finally {
    assert.equal(await engine.stop(), 0, engine.log);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
