// Who may post clicks and open the dashboard's WebSocket: foreign Origins are refused (passed
// before issue 9), and so is a foreign Host that makes a DNS-rebinding page look same-origin.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, postClick, upgradeStatus, jsonOf } from './harness.mjs';

let engine;
before(async () => { engine = await Engine.start(); });
afterEach(async () => { await engine.checkAfterAttack(); });
after(async () => { assert.equal(await engine.stop(), 0, engine.logTail); });

const click = { page: 'origin-test', clickNumber: 1 };

// Passed before issue 9; kept so that it stays so.
test('a POST from a foreign Origin is refused with 403, whatever its content type', async () => {
  const p = engine.httpPort;
  const foreign = ['http://evil.example', 'null', 'https://evil.example', 'http://localhost:8000.evil.example',
    'http://localhost:8000@evil.example', `http://127.0.0.1:${p}.evil.example`, `http://evil.example/http://127.0.0.1:${p}`,
    'http://localhost:8001', 'file://', 'http://127.0.0.1'];
  for (const origin of foreign) {
    for (const [target, type] of [['/click', 'application/json'], ['/click', 'text/plain'], ['/clicks', 'application/x-ndjson']]) {
      const res = await postClick(engine, click, { path: target, headers: { Origin: origin, 'Content-Type': type } });
      assert.equal(res?.status, 403, `${origin} ${target} ${type}`);
      assert.equal(jsonOf(res).ok, false);
    }
  }
  // The controls: the allowed origins, this server's own pages, and no Origin at all.
  for (const origin of ['http://localhost:8000', `http://127.0.0.1:${p}`, undefined]) {
    const res = await postClick(engine, click, { headers: origin ? { Origin: origin } : {} });
    assert.equal(res?.status, 200, `${origin}`);
  }
});

test('a WebSocket upgrade from a foreign Origin is refused with 403', async () => {
  const w = engine.wsPort;
  for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${engine.httpPort}.evil.example`, 'http://localhost:8001']) {
    assert.equal(await upgradeStatus(w, { origin }), 403, origin);
  }
  assert.equal(await upgradeStatus(w, { origin: `http://127.0.0.1:${engine.httpPort}` }), 101, 'the dashboard page');
  assert.equal(await upgradeStatus(w, { origin: 'http://localhost:8000' }), 101, 'an allowed origin');
});

// Defect 10: "same origin" was judged from Host alone, so a page on evil.example, rebound to
// 127.0.0.1, looked same-origin: 200 for its POST, 101 for its WebSocket.
test('DNS rebinding: a foreign Host with an Origin to match is refused on the HTTP port', async () => {
  const p = engine.httpPort;
  for (const host of [`evil.example:${p}`, 'evil.example', `127.0.0.1.evil.example:${p}`, `localhost.evil.example:${p}`]) {
    const res = await postClick(engine, click, { headers: { Host: host, Origin: `http://${host}` } });
    assert.ok(res, `${host}: answered`);
    assert.ok([421, 403].includes(res.status), `Host ${host}: ${res.status} ${res.text}`);
    assert.equal(jsonOf(res).ok, false);
  }
  // The controls: the listen address and the localhost names are this server.
  for (const host of [`127.0.0.1:${p}`, `localhost:${p}`]) {
    const res = await postClick(engine, click, { headers: { Host: host, Origin: `http://${host}` } });
    assert.equal(res?.status, 200, `Host ${host}`);
  }
});

test('DNS rebinding: a foreign Host with an Origin to match is refused on the WebSocket port', async () => {
  const w = engine.wsPort;
  for (const host of [`evil.example:${w}`, 'evil.example', `localhost.evil.example:${w}`]) {
    const status = await upgradeStatus(w, { host, origin: `http://${host}` });
    assert.ok([421, 403].includes(status), `Host ${host}: ${status}`);
  }
  // The controls: a dashboard served by the http port, connecting by either localhost name.
  for (const name of ['127.0.0.1', 'localhost']) {
    assert.equal(await upgradeStatus(w, { host: `${name}:${w}`, origin: `http://${name}:${engine.httpPort}` }), 101, name);
  }
});
