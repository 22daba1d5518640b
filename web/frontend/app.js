// Sends each click to Sluice's http source and counts what the server confirmed. A click the
// server could not take (network down, 503) is retried with back-off; one it refused (400) is
// not. Clicks still unsent when the page closes go out with navigator.sendBeacon.
(() => {
  // Served by Sluice itself the API is on the same origin; served elsewhere (the seed's static
  // server on :8000) it is on port 5000 of the same host.
  const API = location.port === '8000' ? `${location.protocol}//${location.hostname}:5000` : '';
  const counts = { sent: 0, acked: 0, failed: 0 };
  const retrying = new Map();  // clickNumber -> click
  let clickNumber = 0;

  const $ = (id) => document.getElementById(id);
  const render = () => {
    $('sent').textContent = counts.sent;
    $('acked').textContent = counts.acked;
    $('failed').textContent = counts.failed;
    $('pending').textContent = retrying.size;
  };
  const status = (text) => { $('status').textContent = text; };

  async function send(click, attempt = 0) {
    try {
      const res = await fetch(`${API}/click`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(click),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        retrying.delete(click.clickNumber);
        counts.acked++;
        status(`Click ${click.clickNumber} on "${click.page}" delivered.`);
      } else if (res.status >= 400 && res.status < 500) {
        retrying.delete(click.clickNumber);
        counts.failed++;
        status(`Click ${click.clickNumber} refused: ${body.error || res.status}`);
      } else {
        throw new Error(body.error || `HTTP ${res.status}`);
      }
    } catch (err) {
      retrying.set(click.clickNumber, click);
      const delay = Math.min(30000, 500 * 2 ** attempt);
      status(`Click ${click.clickNumber} not delivered yet (${err.message}); retrying in ${Math.round(delay / 1000)} s.`);
      setTimeout(() => send(click, attempt + 1), delay);
    }
    render();
  }

  function track(page) {
    const click = { page, clickNumber: ++clickNumber, sentAt: Date.now() };
    counts.sent++;
    render();
    send(click);
  }

  document.querySelectorAll('button[data-page]').forEach((b) => {
    b.addEventListener('click', () => track(b.dataset.page));
  });

  // Last chance for clicks that are still being retried: a beacon survives the page.
  addEventListener('pagehide', () => {
    if (retrying.size === 0) return;
    const ndjson = [...retrying.values()].map((c) => JSON.stringify(c)).join('\n');
    navigator.sendBeacon(`${API}/clicks`, new Blob([ndjson], { type: 'text/plain' }));
  });

  render();
})();
