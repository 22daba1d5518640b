// The click tracker in a real browser (Debian's headless Chromium, driven by playwright-core),
// against the real pipelines and the real Kafka broker: ingest and broadcast run as two engines,
// as they would when scaled apart. Each test clicks for itself and counts from what the dashboard
// showed before, so each passes alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { Sluice, root, unique, launchChromium, exactly } from './harness.mjs';

const env = { CLICKS_TOPIC: unique('browser-clicks'), BROADCAST_GROUP: unique('browser-broadcast') };
let ingest, broadcast, browser, frontend, dashboard;

before(async () => {
  ingest = await Sluice.start('pipelines/click-tracker.yaml', { args: ['--only', 'ingest'], env });
  // The dashboard's page comes from ingest's port: that origin may open the WebSocket.
  broadcast = await Sluice.start('pipelines/click-tracker.yaml', {
    args: ['--only', 'broadcast'], env: { ...env, DASHBOARD_ORIGIN: ingest.ingest }, listen: ['WS_LISTEN'],
  });
  browser = await launchChromium();
  // Two windows, not two tabs of one: Chromium throttles a background tab, and a click there
  // took seconds.
  const page = async () => (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  [frontend, dashboard] = [await page(), await page()];
  await dashboard.goto(`${ingest.ingest}/dashboard/?ws_port=${broadcast.port('WS_LISTEN')}`);
  await dashboard.locator('#connection.live').waitFor({ timeout: 10000 });
  await frontend.goto(`${ingest.ingest}/`);
  assert.equal(new URL(frontend.url()).pathname, '/frontend/');
});

after(async () => {
  await browser?.close();
  assert.equal(await ingest.stop(), 0, ingest.log);
  assert.equal(await broadcast.stop(), 0, broadcast.log);
});

// Waits until `selector` on `page` shows exactly `text`.
const shows = (page, selector, text, timeout = 10000) =>
  page.locator(selector).filter({ hasText: exactly(text) }).waitFor({ timeout });
const number = async (locator) => ((await locator.count()) ? Number((await locator.textContent()).replace(/[^0-9]/g, '')) : 0);
const total = () => number(dashboard.locator('#total'));
const acked = () => number(frontend.locator('#acked'));
const pageCount = (name) => `#pages li:has(span:text-is("${name}")) .n`;

test('clicking 7 times shows 7 more on the dashboard', async () => {
  const CLICKS = 7;
  const [before, ackedBefore, frontendBefore] = [await total(), await acked(), await number(dashboard.locator(pageCount('frontend')))];
  for (let i = 0; i < CLICKS - 2; i++) await frontend.click('#click-me');
  await frontend.click('button[data-page="pricing"]');
  await frontend.click('button[data-page="docs"]');
  await shows(frontend, '#acked', ackedBefore + CLICKS);
  assert.equal(await frontend.locator('#failed').textContent(), '0');
  await shows(dashboard, '#total', before + CLICKS);
  await shows(dashboard, pageCount('frontend'), frontendBefore + CLICKS - 2);
  await dashboard.locator('#latest li').nth(Math.min(before + CLICKS, 30) - 1).waitFor();
  await dashboard.locator('#latency').filter({ hasText: /^\d+ ms$/ }).waitFor();
  // The README's pictures change only on request; a plain test run leaves the checkout clean.
  const shots = process.env.SLUICE_UPDATE_SCREENSHOTS ? path.join(root, 'docs') : os.tmpdir();
  await frontend.screenshot({ path: path.join(shots, 'frontend.png') });
  await dashboard.screenshot({ path: path.join(shots, 'dashboard.png') });
});

test('a reloaded dashboard still shows the totals', async () => {
  const [before, ackedBefore] = [await total(), await acked()];
  await frontend.click('#click-me');
  await frontend.click('button[data-page="signup"]');
  await shows(frontend, '#acked', ackedBefore + 2);
  await shows(dashboard, '#total', before + 2);
  await dashboard.reload();
  await shows(dashboard, '#total', before + 2);
  await dashboard.locator('#latest li').nth(Math.min(before + 2, 30) - 1).waitFor();
  // The snapshot's clicks were received before the reload: they are not ingest → broadcast latency.
  assert.equal(await dashboard.locator('#latency').textContent(), '–', 'only live events count');
});

test('when broadcast restarts, the dashboard reconnects by itself and keeps its totals', async () => {
  const [before, ackedBefore] = [await total(), await acked()];
  await frontend.click('#click-me');
  await shows(frontend, '#acked', ackedBefore + 1);
  await shows(dashboard, '#total', before + 1);
  assert.equal(await broadcast.stop(), 0, broadcast.log);
  await dashboard.locator('#connection.down').waitFor({ timeout: 10000 });
  broadcast = await broadcast.restart();
  await dashboard.locator('#connection.live').waitFor({ timeout: 15000 });
  await shows(dashboard, '#total', before + 1, 15000);  // rebuilt from Kafka
  await frontend.click('#click-me');
  await shows(dashboard, '#total', before + 2);
  await dashboard.locator('#latency').filter({ hasText: /^\d+ ms$/ }).waitFor();  // a live event counts
});
