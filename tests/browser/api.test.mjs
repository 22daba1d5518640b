// The ingest API over real sockets: every bad input gets its answer and harms nothing. Most tests
// run on the in-process click tracker (no broker); those about Kafka run on the Kafka one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Sluice, unique, eventually, freePorts, readTopic } from './harness.mjs';

let inproc;
const topic = unique('api-clicks');
before(async () => {
  inproc = await Sluice.start('pipelines/click-tracker-inproc.yaml', { listen: ['INGEST_LISTEN', 'WS_LISTEN'] });
});

// The Kafka ingest is started by the first test that needs it, so each test can run alone.
let kafkaStarting;
const kafka = () => (kafkaStarting ??= Sluice.start('pipelines/click-tracker.yaml', { args: ['--only', 'ingest'], env: { CLICKS_TOPIC: topic } }));
after(async () => {
  assert.equal(await inproc.stop(), 0, inproc.log);
  if (kafkaStarting) {
    const engine = await kafkaStarting;
    assert.equal(await engine.stop(), 0, engine.log);
  }
});

// Every id a 200 answer from the Kafka ingest named: exactly these clicks must be in its topic.
const accepted = [];
async function post(engine, path, body, headers = { 'Content-Type': 'application/json' }) {
  const res = await fetch(engine.ingest + path, { method: 'POST', headers, body });
  if (res.status === 200 && engine !== inproc) accepted.push(...(await res.clone().json()).ids);
  return res;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('POST /click as in the seed: 200 with the id once Kafka has it', async () => {
  const res = await post(await kafka(), '/click', JSON.stringify({ page: 'frontend', clickNumber: 1 }));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.ok, true);
  assert.match(body.ids[0], UUID);
});

test('GET /health says live, and ready once Kafka can take clicks', async () => {
  const engine = await kafka();
  const body = await eventually(async () => {
    const health = await (await fetch(`${engine.ingest}/health`)).json();
    return health.ready === true ? health : null;
  }, { what: 'ready: true' });
  assert.equal(body.live, true);
  assert.equal(body.status, 'ok');
  assert.equal(body.pipeline, 'ingest');
});

test('GET /health with the broker unreachable: live, but not ready, and why', async () => {
  // A port nobody listens on: the shared broker is never stopped.
  const [closed] = await freePorts(1);
  const engine = await Sluice.start('pipelines/click-tracker.yaml', {
    args: ['--only', 'ingest'], env: { CLICKS_TOPIC: unique('api-unreachable'), KAFKA_BROKERS: `127.0.0.1:${closed}` },
  });
  try {
    const res = await fetch(`${engine.ingest}/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.live, true);
    assert.equal(body.ready, false);
    assert.equal(body.status, 'degraded');
    assert.match(body.detail, /kafka/);
  } finally {
    await engine.stopAtOnce();
  }
});

test('malformed JSON: 400 with the parser reason', async () => {
  const res = await post(inproc, '/click', '{"page": ');
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /^invalid JSON: parse error at line 1, column 10/);
});

test('failed validation: 400 naming the field', async () => {
  const res = await post(inproc, '/click', JSON.stringify({ page: 'frontend', clickNumber: 'one' }));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.match(body.error, /json_validate: field 'clickNumber' must be a number, got a string/);
  assert.equal(body.index, 0);
});

test('batch: JSON array and NDJSON, and the element at fault', async () => {
  let res = await post(inproc, '/clicks', JSON.stringify([{ page: 'a', clickNumber: 1 }, { page: 'b', clickNumber: 2 }]));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ids.length, 2);
  res = await post(inproc, '/clicks', '{"page":"a","clickNumber":1}\n{"page":"b","clickNumber":2}\n', { 'Content-Type': 'application/x-ndjson' });
  assert.equal(res.status, 200);
  res = await post(inproc, '/clicks', JSON.stringify([{ page: 'a', clickNumber: 1 }, { page: 'b' }, { page: 'c', clickNumber: 3 }]));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.index, 1);
  assert.match(body.error, /missing field 'clickNumber'/);
  res = await post(inproc, '/clicks', '{"page":"a","clickNumber":1}\n{"page":', { 'Content-Type': 'text/plain' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).index, 1);
});

test("what the frontend's sendBeacon sends: NDJSON as text/plain to /clicks, accepted", async () => {
  // web/frontend/app.js sends the clicks still being retried as a Blob of type text/plain, one
  // JSON object a line; Chromium adds no charset to a Blob's type. (frontend.test.mjs sends it from the page.)
  const ndjson = [{ page: 'beacon', clickNumber: 1, sentAt: 1 }, { page: 'beacon', clickNumber: 2, sentAt: 2 }]
    .map((c) => JSON.stringify(c)).join('\n');
  const res = await post(inproc, '/clicks', ndjson, { 'Content-Type': 'text/plain', Origin: inproc.ingest });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.ids.length, 2);
  for (const id of body.ids) assert.match(id, UUID);
});

test('a body over max_body: 413', async () => {
  const res = await post(inproc, '/click', JSON.stringify({ page: 'x'.repeat(70000), clickNumber: 1 }));
  assert.equal(res.status, 413);
  assert.match((await res.json()).error, /larger than 65536 bytes/);
});

test('wrong method 405, unknown path 404, wrong content type 415', async () => {
  let res = await fetch(`${inproc.ingest}/click`);
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
  res = await fetch(`${inproc.ingest}/nope`);
  assert.equal(res.status, 404);
  res = await post(inproc, '/click', '<xml/>', { 'Content-Type': 'application/xml' });
  assert.equal(res.status, 415);
});

test('Origin: a foreign page cannot post, even text/plain without preflight', async () => {
  let res = await post(inproc, '/click', JSON.stringify({ page: 'x', clickNumber: 1 }), { 'Content-Type': 'text/plain', Origin: 'http://evil.example' });
  assert.equal(res.status, 403);
  res = await post(inproc, '/click', JSON.stringify({ page: 'x', clickNumber: 1 }), { 'Content-Type': 'application/json', Origin: 'http://localhost:8000' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:8000');
  res = await fetch(`${inproc.ingest}/click`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8000', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(res.status, 204);
  assert.match(res.headers.get('access-control-allow-methods'), /POST/);
});

test('pages: / leads to the frontend, MIME types, and no path leaves web/', async () => {
  let res = await fetch(`${inproc.ingest}/`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/frontend/');
  res = await fetch(`${inproc.ingest}/dashboard/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  res = await fetch(`${inproc.ingest}/frontend/app.js`);
  assert.match(res.headers.get('content-type'), /^text\/javascript/);
  for (const attack of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/frontend/..%2f..%2fpipelines/click-tracker.yaml', '/..%5c..%5cetc/passwd']) {
    const raw = await rawGet(attack);
    assert.match(raw, /^HTTP\/1\.1 404/, `${attack} must not be served`);
    assert.doesNotMatch(raw, /root:|pipelines:/);
  }
});

test('every click answered 200 is in Kafka, and nothing else (none of the bad input)', async () => {
  const engine = await kafka();
  const json = { 'Content-Type': 'application/json' };
  const good = [
    await post(engine, '/click', JSON.stringify({ page: 'kafka', clickNumber: 1 })),
    await post(engine, '/clicks', JSON.stringify([{ page: 'kafka', clickNumber: 2 }, { page: 'kafka', clickNumber: 3 }])),
    await post(engine, '/clicks', '{"page":"kafka","clickNumber":4}\n', { 'Content-Type': 'text/plain' }),
  ];
  for (const res of good) assert.equal(res.status, 200);
  // Bad input, some of it with good clicks beside the fault: none of it may reach the topic.
  const bad = [
    await post(engine, '/click', '{"page": ', json),
    await post(engine, '/click', JSON.stringify({ page: 'kafka', clickNumber: 'one' }), json),
    await post(engine, '/clicks', JSON.stringify([{ page: 'kafka', clickNumber: 5 }, { page: 'kafka' }]), json),
    await post(engine, '/clicks', '{"page":"kafka","clickNumber":6}\n{"page":', { 'Content-Type': 'text/plain' }),
    await post(engine, '/click', JSON.stringify({ page: 'x'.repeat(70000), clickNumber: 7 }), json),
    await post(engine, '/click', JSON.stringify({ page: 'kafka', clickNumber: 8 }), { 'Content-Type': 'application/xml' }),
    await post(engine, '/click', JSON.stringify({ page: 'kafka', clickNumber: 9 }), { 'Content-Type': 'text/plain', Origin: 'http://evil.example' }),
  ];
  assert.deepEqual(bad.map((r) => r.status), [400, 400, 400, 400, 413, 415, 403]);
  const inKafka = await eventually(async () => {
    const lines = await readTopic(topic);
    return lines.length >= accepted.length ? lines : null;
  }, { what: 'the accepted clicks in Kafka' });
  const ids = inKafka.map((line) => JSON.parse(line).id).sort();
  assert.deepEqual(ids, [...accepted].sort());
});

// fetch() normalises "..": a raw request sends the path as written.
function rawGet(path) {
  return new Promise((resolve, reject) => {
    const s = net.connect(inproc.port(), '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}
