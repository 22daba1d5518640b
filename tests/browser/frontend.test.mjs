// The frontend's promises (web/frontend/app.js), in Chromium against real engines: a click the
// ingest could not take (503, or the engine down) is retried until it is delivered, once; clicks
// still being retried when the page closes go out in one sendBeacon. The page's clock is paused
// (playwright's page.clock), so its retries fire only when a test says: the network, the engines
// and their answers are real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sluice, fixturePlugins, launchChromium, exactly, eventually, watchClicks } from './harness.mjs';

let browser;
const running = new Set();  // engines a failed test left behind are stopped at the end
before(async () => { browser = await launchChromium(); });
after(async () => {
  await browser?.close();
  for (const engine of running) await engine.stop();
});

async function start(file, options) {
  const engine = await Sluice.start(file, options);
  running.add(engine);
  return engine;
}
async function stop(engine) {
  await engine.stop();
  running.delete(engine);
}
const tracker = (ports) => start('pipelines/click-tracker-inproc.yaml', { listen: ['INGEST_LISTEN', 'WS_LISTEN'], ports });

// The frontend from `engine`, with its timers stopped once it has loaded.
async function frontendFrom(engine) {
  const page = await (await browser.newContext()).newPage();
  await page.clock.install();
  await page.goto(`${engine.ingest}/frontend/`);
  await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));
  return page;
}
const shows = (page, selector, text) => page.locator(selector).filter({ hasText: exactly(text) }).waitFor({ timeout: 10000 });
const counts = async (page) => Object.fromEntries(await Promise.all(
  ['sent', 'acked', 'pending', 'failed'].map(async (id) => [id, Number(await page.locator(`#${id}`).textContent())])));
const names = (clicks) => clicks.map((c) => `${c.clickNumber}:${c.page}`).sort();

test('clicks answered 503, or posted while the ingest is down, are retried and delivered once it is back', async () => {
  // An ingest whose sink never confirms answers every click 503.
  const stalled = await start('tests/browser/pipelines/stalled.yaml', { args: ['--plugin-dir', fixturePlugins] });
  const page = await frontendFrom(stalled);
  await page.click('#click-me');
  await page.click('button[data-page="pricing"]');
  await shows(page, '#pending', 2);
  assert.match(await page.locator('#status').textContent(), /not delivered yet \((no confirmation of delivery in time|the pipeline is full)/);
  await stop(stalled);
  await page.click('button[data-page="docs"]');  // nobody listens now
  await shows(page, '#pending', 3);
  assert.deepEqual(await counts(page), { sent: 3, acked: 0, pending: 3, failed: 0 });

  // The click tracker on the port the page knows.
  const back = await tracker({ INGEST_LISTEN: stalled.port() });
  const watcher = watchClicks(back.ws);
  await watcher.opened;
  await page.clock.runFor(1000);  // each click failed once: its retry is due 500 ms later
  await shows(page, '#acked', 3);
  assert.deepEqual(await counts(page), { sent: 3, acked: 3, pending: 0, failed: 0 });
  await eventually(() => watcher.clicks.length >= 3, { what: 'the three clicks at the dashboard' });
  assert.deepEqual(names(watcher.clicks), ['1:frontend', '2:pricing', '3:docs'], 'each click once');
  watcher.close();
  await page.context().close();
});

test('clicks still being retried when the page closes go out in a sendBeacon and arrive', async () => {
  const first = await tracker();
  const page = await frontendFrom(first);
  await page.click('#click-me');
  await shows(page, '#acked', 1);  // delivered: not the beacon's to send
  await stop(first);
  await page.click('button[data-page="pricing"]');
  await page.click('button[data-page="signup"]');
  await shows(page, '#pending', 2);
  const again = await first.restart();
  running.add(again);
  const watcher = watchClicks(again.ws);
  await watcher.opened;
  // The retries' timers cannot fire (the clock is paused): what arrives came from the beacon.
  await page.close({ runBeforeUnload: true });
  await eventually(() => watcher.clicks.length >= 2, { what: 'the beacon\'s clicks at the dashboard' });
  assert.deepEqual(names(watcher.clicks), ['2:pricing', '3:signup']);
  watcher.close();
});
