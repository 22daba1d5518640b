// The click tracker in a real browser (Debian's headless Chromium, driven by playwright-core),
// against the real pipelines and the real Kafka broker: ingest and broadcast run as two engines,
// as they would when scaled apart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Sluice, INGEST, root, unique } from './harness.mjs';

const env = { CLICKS_TOPIC: unique('browser-clicks'), BROADCAST_GROUP: unique('browser-broadcast') };
const CLICKS = 7;
let ingest, broadcast, browser, frontend, dashboard;

// The flags the machine's notes give for Chromium as root in a closed network.
const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

before(async () => {
  ingest = new Sluice('pipelines/click-tracker.yaml', ['--only', 'ingest'], env);
  broadcast = new Sluice('pipelines/click-tracker.yaml', ['--only', 'broadcast'], env);
  await Promise.all([ingest.ready([5000]), broadcast.ready([8765])]);
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  frontend = await context.newPage();
  dashboard = await context.newPage();
});

after(async () => {
  await browser?.close();
  assert.equal(await ingest.stop(), 0, ingest.log);
  assert.equal(await broadcast.stop(), 0, broadcast.log);
});

const total = () => dashboard.locator('#total');

test(`clicking ${CLICKS} times shows ${CLICKS} on the dashboard`, async () => {
  await dashboard.goto(`${INGEST}/dashboard/`);
  await dashboard.locator('#connection.live').waitFor({ timeout: 10000 });
  await frontend.goto(`${INGEST}/`);
  assert.equal(new URL(frontend.url()).pathname, '/frontend/');
  for (let i = 0; i < CLICKS - 2; i++) await frontend.click('#click-me');
  await frontend.click('button[data-page="pricing"]');
  await frontend.click('button[data-page="docs"]');
  await frontend.locator('#acked', { hasText: String(CLICKS) }).waitFor({ timeout: 10000 });
  assert.equal(await frontend.locator('#failed').textContent(), '0');
  await total().filter({ hasText: String(CLICKS) }).waitFor({ timeout: 10000 });
  await dashboard.locator('#pages li').filter({ hasText: 'frontend' }).filter({ hasText: String(CLICKS - 2) }).waitFor();
  await dashboard.locator('#latest li').nth(CLICKS - 1).waitFor();
  await dashboard.locator('#latency').filter({ hasText: 'ms' }).waitFor();
  // The README's pictures change only on request; a plain test run leaves the checkout clean.
  const shots = process.env.SLUICE_UPDATE_SCREENSHOTS ? path.join(root, 'docs') : os.tmpdir();
  await frontend.screenshot({ path: path.join(shots, 'frontend.png') });
  await dashboard.screenshot({ path: path.join(shots, 'dashboard.png') });
});

test('a reloaded dashboard still shows the totals', async () => {
  await dashboard.reload();
  await total().filter({ hasText: String(CLICKS) }).waitFor({ timeout: 10000 });
  await dashboard.locator('#latest li').nth(CLICKS - 1).waitFor();
  // The snapshot's clicks were received before the reload: they are not ingest → broadcast latency.
  assert.equal(await dashboard.locator('#latency').textContent(), '–', 'only live events count');
});

test('when broadcast restarts, the dashboard reconnects by itself and keeps its totals', async () => {
  assert.equal(await broadcast.stop(), 0, broadcast.log);
  await dashboard.locator('#connection.down').waitFor({ timeout: 10000 });
  broadcast = new Sluice('pipelines/click-tracker.yaml', ['--only', 'broadcast'], env);
  await broadcast.ready([8765]);
  await dashboard.locator('#connection.live').waitFor({ timeout: 15000 });
  await total().filter({ hasText: String(CLICKS) }).waitFor({ timeout: 15000 });  // rebuilt from Kafka
  await frontend.click('#click-me');
  await total().filter({ hasText: String(CLICKS + 1) }).waitFor({ timeout: 10000 });
  await dashboard.locator('#latency').filter({ hasText: 'ms' }).waitFor();  // a live event counts
});
