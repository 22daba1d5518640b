// The live dashboard: one WebSocket to Sluice's websocket sink. The first frame is a snapshot
// (the aggregate's totals and the latest clicks), then frames of new clicks and fresh totals.
// When the connection drops it reconnects by itself, naming the last event it saw, and gets what
// it missed from the sink's replay buffer.
(() => {
  // The websocket sink listens on 8765 of the page's host; `?ws_port=N` names another port (when
  // the broadcast pipeline listens elsewhere, as in the tests, which pick free ports). Only the
  // port: a link cannot point the dashboard at another host's data.
  const requestedPort = new URLSearchParams(location.search).get('ws_port') ?? '';
  const wsPort = /^[0-9]{1,5}$/.test(requestedPort) ? requestedPort : '8765';
  const WS_URL = `ws://${location.hostname || 'localhost'}:${wsPort}/`;
  const $ = (id) => document.getElementById(id);
  let epoch = null;
  let lastSeq = 0;
  let retryMs = 500;
  const latencies = [];
  const latest = [];

  // The chart library is served from web/node_modules; without it the totals and the latest
  // clicks still work, and the chart's place says what is missing.
  const chart = typeof uPlot === 'function' ? new uPlot({
    width: $('chart').clientWidth || 800,
    height: 220,
    scales: { x: { time: true } },
    axes: [{ stroke: '#8ea0b8', grid: { stroke: '#24314a' } }, { stroke: '#8ea0b8', grid: { stroke: '#24314a' } }],
    series: [{}, { label: 'clicks/s', stroke: '#38bdf8', width: 2, fill: 'rgba(56,189,248,.12)' }],
  }, [[], []], $('chart')) : null;
  if (chart) {
    addEventListener('resize', () => chart.setSize({ width: $('chart').clientWidth, height: 220 }));
  } else {
    $('chart').textContent = 'The chart library (uPlot) was not found: run npm ci --prefix web. Totals and clicks still update.';
    $('chart').className += ' notice';
  }
  // The aggregate tracks up to its max_keys pages; the page shows the busiest and sums the rest.
  const PAGES_SHOWN = 20;

  function connection(state, text) {
    const badge = $('connection');
    badge.className = `badge ${state}`;
    badge.textContent = text;
  }

  function showState(s) {
    if (!s || typeof s.total !== 'number') return;
    $('total').textContent = s.total.toLocaleString();
    $('rate').textContent = s.perSecond.toFixed(1);
    $('window').textContent = `over ${s.windowSeconds} s`;
    const sorted = Object.entries(s.perKey || {}).sort((a, b) => b[1] - a[1]);
    const pages = sorted.slice(0, PAGES_SHOWN);
    const rest = sorted.slice(PAGES_SHOWN).reduce((sum, [, n]) => sum + n, 0) + (Number(s.other) || 0);
    if (rest > 0) pages.push(['(other pages)', rest]);
    const max = pages.length ? Math.max(...pages.map((p) => p[1])) : 1;
    $('pages').innerHTML = pages.map(([page, n]) =>
      `<li><span>${escape(page)}</span><span class="bar" style="width:${(100 * n / max).toFixed(1)}%"></span><span class="n">${n}</span></li>`).join('');
    if (chart && Array.isArray(s.series)) chart.setData([s.series.map((p) => p[0] / 1000), s.series.map((p) => p[1])]);
  }

  // A live frame's events were just ingested; a snapshot's or a catch-up's ("replay": true) were
  // received long ago and would make ingest → broadcast look like seconds.
  const isLive = (frame) => frame.type === 'events' && !frame.replay;

  function showEvents(events, sentAt, live) {
    for (const { seq, data } of events) {
      lastSeq = Math.max(lastSeq, seq);
      if (live && data && typeof data.receivedAt === 'number') latencies.push(sentAt - data.receivedAt);
      latest.unshift(data !== null && typeof data === 'object' ? data : {});  // any JSON can arrive
    }
    latest.splice(30);
    latencies.splice(0, Math.max(0, latencies.length - 100));
    if (latencies.length) {
      const sorted = [...latencies].sort((a, b) => a - b);
      $('latency').textContent = `${sorted[Math.floor(sorted.length / 2)]} ms`;
    }
    $('latest').innerHTML = latest.map((c) =>
      `<li><span>#${escape(String(c.clickNumber ?? ''))} · ${escape(String(c.page ?? '?'))}</span><span>${c.receivedAt ? new Date(c.receivedAt).toLocaleTimeString() : ''}</span></li>`).join('');
  }

  function escape(s) {
    return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  function connect() {
    const since = epoch ? `?since=${epoch}:${lastSeq}` : '';
    const ws = new WebSocket(WS_URL + since);
    ws.onopen = () => { retryMs = 500; connection('live', 'live'); };
    ws.onmessage = (msg) => {
      const frame = JSON.parse(msg.data);
      if (frame.type === 'snapshot' || frame.epoch !== epoch) {
        latest.length = 0;
        lastSeq = 0;
      }
      epoch = frame.epoch;
      showState(frame.state);
      showEvents(frame.events, frame.sentAt, isLive(frame));
    };
    ws.onclose = () => {
      connection('down', `reconnecting in ${Math.round(retryMs / 1000)} s`);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }
  connect();
})();
