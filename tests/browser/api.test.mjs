// The ingest API over real sockets: every bad input gets its answer and harms nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { Sluice, INGEST, unique, eventually } from './harness.mjs';

let sluice;
const topic = unique('api-clicks');

before(async () => {
  sluice = new Sluice('pipelines/click-tracker.yaml', ['--only', 'ingest'], { CLICKS_TOPIC: topic });
  await sluice.ready([5000]);
});
after(async () => { assert.equal(await sluice.stop(), 0, sluice.log); });

// Every id a 200 answer named: at the end, exactly these clicks must be in Kafka.
const accepted = [];
async function post(path, body, headers = { 'Content-Type': 'application/json' }) {
  const res = await fetch(INGEST + path, { method: 'POST', headers, body });
  if (res.status === 200) accepted.push(...(await res.clone().json()).ids);
  return res;
}

test('POST /click as in the seed: 200 with the id once Kafka has it', async () => {
  const res = await post('/click', JSON.stringify({ page: 'frontend', clickNumber: 1 }));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.ok, true);
  assert.match(body.ids[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('GET /health says live and whether Kafka can take clicks', async () => {
  const body = await (await fetch(`${INGEST}/health`)).json();
  assert.equal(body.live, true);
  assert.equal(body.pipeline, 'ingest');
  assert.equal(typeof body.ready, 'boolean');
  await eventually(async () => (await (await fetch(`${INGEST}/health`)).json()).ready, { what: 'ready' });
});

test('malformed JSON: 400 with the parser reason', async () => {
  const res = await post('/click', '{"page": ');
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /^invalid JSON: parse error at line 1, column 10/);
});

test('failed validation: 400 naming the field', async () => {
  const res = await post('/click', JSON.stringify({ page: 'frontend', clickNumber: 'one' }));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.match(body.error, /json_validate: field 'clickNumber' must be a number, got a string/);
  assert.equal(body.index, 0);
});

test('batch: JSON array and NDJSON, and the element at fault', async () => {
  let res = await post('/clicks', JSON.stringify([{ page: 'a', clickNumber: 1 }, { page: 'b', clickNumber: 2 }]));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ids.length, 2);
  res = await post('/clicks', '{"page":"a","clickNumber":1}\n{"page":"b","clickNumber":2}\n', { 'Content-Type': 'application/x-ndjson' });
  assert.equal(res.status, 200);
  res = await post('/clicks', JSON.stringify([{ page: 'a', clickNumber: 1 }, { page: 'b' }, { page: 'c', clickNumber: 3 }]));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.index, 1);
  assert.match(body.error, /missing field 'clickNumber'/);
  res = await post('/clicks', '{"page":"a","clickNumber":1}\n{"page":', { 'Content-Type': 'text/plain' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).index, 1);
});

test('sendBeacon sends text/plain: accepted', async () => {
  const res = await post('/click', JSON.stringify({ page: 'beacon', clickNumber: 1 }), { 'Content-Type': 'text/plain;charset=UTF-8' });
  assert.equal(res.status, 200);
});

test('a body over max_body: 413', async () => {
  const res = await post('/click', JSON.stringify({ page: 'x'.repeat(70000), clickNumber: 1 }));
  assert.equal(res.status, 413);
  assert.match((await res.json()).error, /larger than 65536 bytes/);
});

test('wrong method 405, unknown path 404, wrong content type 415', async () => {
  let res = await fetch(`${INGEST}/click`);
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
  res = await fetch(`${INGEST}/nope`);
  assert.equal(res.status, 404);
  res = await post('/click', '<xml/>', { 'Content-Type': 'application/xml' });
  assert.equal(res.status, 415);
});

test('Origin: a foreign page cannot post, even text/plain without preflight', async () => {
  let res = await post('/click', JSON.stringify({ page: 'x', clickNumber: 1 }), { 'Content-Type': 'text/plain', Origin: 'http://evil.example' });
  assert.equal(res.status, 403);
  res = await post('/click', JSON.stringify({ page: 'x', clickNumber: 1 }), { 'Content-Type': 'application/json', Origin: 'http://localhost:8000' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:8000');
  res = await fetch(`${INGEST}/click`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8000', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(res.status, 204);
  assert.match(res.headers.get('access-control-allow-methods'), /POST/);
});

test('pages: / leads to the frontend, MIME types, and no path leaves web/', async () => {
  let res = await fetch(`${INGEST}/`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/frontend/');
  res = await fetch(`${INGEST}/dashboard/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  res = await fetch(`${INGEST}/frontend/app.js`);
  assert.match(res.headers.get('content-type'), /^text\/javascript/);
  for (const attack of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/frontend/..%2f..%2fpipelines/click-tracker.yaml', '/..%5c..%5cetc/passwd']) {
    const raw = await rawGet(attack);
    assert.match(raw, /^HTTP\/1\.1 404/, `${attack} must not be served`);
    assert.doesNotMatch(raw, /root:|pipelines:/);
  }
});

test('after all that bad input: every click answered 200 is in Kafka, and nothing else', async () => {
  const read = () => new Promise((resolve, reject) => {
    execFile('kcat', ['-b', '127.0.0.1:9092', '-C', '-t', topic, '-e', '-q'], (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const inKafka = await eventually(async () => {
    const lines = (await read()).split('\n').filter(Boolean);
    return lines.length >= accepted.length ? lines : null;
  }, { what: 'the accepted clicks in Kafka' });
  const ids = inKafka.map((line) => JSON.parse(line).id).sort();
  assert.deepEqual(ids, [...accepted].sort());
});

// fetch() normalises "..": a raw request sends the path as written.
function rawGet(path) {
  return new Promise((resolve, reject) => {
    const s = net.connect(5000, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}
