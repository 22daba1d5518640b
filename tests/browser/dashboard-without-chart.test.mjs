// The dashboard served without its chart library (web/ installed without node_modules, or
// `npm ci --prefix web` never run): the README promises it still shows the totals and the latest
// clicks, with a notice where the chart would be, and throws nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sluice, root, freePorts, launchChromium, exactly } from './harness.mjs';

let web, engine, browser;

before(async () => {
  // A copy of the pages without node_modules: uPlot's files answer 404, as on a bare install.
  web = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-web-'));
  fs.cpSync(path.join(root, 'web'), web, { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' });
  assert.ok(!fs.existsSync(path.join(web, 'node_modules')));
  // The page's origin must be known to the WebSocket before the start: both ports probed here.
  const [http, ws] = await freePorts(2);
  engine = await Sluice.start('pipelines/click-tracker-inproc.yaml', {
    listen: ['INGEST_LISTEN', 'WS_LISTEN'],
    ports: { INGEST_LISTEN: http, WS_LISTEN: ws },
    env: { WEB_DIR: web, DASHBOARD_ORIGIN: `http://127.0.0.1:${http}` },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (engine) assert.equal(await engine.stop(), 0, engine.log);
  fs.rmSync(web, { recursive: true, force: true });
});

test('without uPlot the dashboard still shows the totals and the latest clicks, with a notice where the chart would be', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const missing = [];
  page.on('response', (r) => { if (r.url().includes('/node_modules/uplot/')) missing.push(r.status()); });
  await page.goto(`${engine.ingest}/dashboard/?ws_port=${engine.port('WS_LISTEN')}`);
  await page.locator('#connection.live').waitFor({ timeout: 10000 });
  assert.ok(missing.length > 0 && missing.every((s) => s === 404), `uPlot's files must be missing here, got ${missing}`);

  for (let n = 1; n <= 3; n++) {
    const res = await fetch(`${engine.ingest}/click`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ page: 'no-chart', clickNumber: n }),
    });
    assert.equal(res.status, 200, await res.text());
  }
  await page.locator('#total').filter({ hasText: exactly(3) }).waitFor({ timeout: 10000 });
  await page.locator('#latest li').nth(2).waitFor({ timeout: 10000 });
  await page.locator('#chart.notice').filter({ hasText: /uPlot/ }).waitFor({ timeout: 10000 });
  assert.deepEqual(errors, [], 'the page threw');
  await page.close();
});
