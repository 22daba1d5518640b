// The fault tests' clients: numbered clicks POSTed to ingest at a fixed rate, open loop (a click
// is due every 1/rate s whatever the answers), each on a kept-alive connection, with what every
// click was answered and how long it took. A real client has a limit too: at most `maxOpen`
// clicks wait at once; a click due beyond it is not sent and is counted (`heldBack`).
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from '../browser/harness.mjs';

export class ClickLoad {
  constructor(url, { rate = 1000, pages = 12, maxOpen = 1000 } = {}) {
    const { hostname, port } = new URL(url);
    Object.assign(this, { hostname, port, rate, pages, maxOpen });
    this.agent = new http.Agent({ keepAlive: true, maxSockets: maxOpen });
    this.next = 0;
    this.open = 0;
    this.heldBack = 0;
    this.ok = [];           // { n, id, ms, at }: answered 2xx, with the id ingest gave the click
    this.unavailable = [];  // { n, ms, at }: 503 with Retry-After
    this.broken = [];       // { n, what, at }: anything else (another status, a reset, no answer)
    this.pending = new Set();
  }

  start() {
    // How late this process ran its own callbacks: an answer it read late looks slow, so the
    // summary gives this beside the latencies (two busy cores, three brokers, the engine).
    this.loopDelay = monitorEventLoopDelay({ resolution: 20 });
    this.loopDelay.enable();
    const began = performance.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - began) / 1000) * this.rate);
      for (; sent < due; sent++) {
        if (this.open >= this.maxOpen) { this.heldBack++; continue; }
        const p = this.post(this.next++);
        this.pending.add(p);
        p.finally(() => this.pending.delete(p));
      }
    }, 5);
  }

  async stop() {
    clearInterval(this.timer);
    this.loopDelay?.disable();
    await Promise.all([...this.pending]);
    this.agent.destroy();
  }

  post(n) {
    const body = JSON.stringify({ page: `/chaos/${n % this.pages}`, clickNumber: n });
    const sent = performance.now();
    this.open++;
    return new Promise((resolve) => {
      const done = (record) => {
        this.open--;
        const at = performance.now();
        record(at - sent, at);
        resolve();
      };
      const req = http.request({
        host: this.hostname, port: this.port, path: '/click', method: 'POST', agent: this.agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('error', (e) => done((ms, at) => this.broken.push({ n, what: `answer cut: ${e.code ?? e.message}`, ms, at })));
        res.on('end', () => done((ms, at) => {
          if (res.statusCode >= 200 && res.statusCode < 300) this.ok.push({ n, id: JSON.parse(text).ids[0], ms, at });
          else if (res.statusCode === 503 && res.headers['retry-after']) this.unavailable.push({ n, ms, at });
          else this.broken.push({ n, what: `answered ${res.statusCode} ${text.slice(0, 200)}`, ms, at });
        }));
      });
      // Far beyond ack_timeout: a click that waits this long is a hang, and is reported as one.
      req.setTimeout(60000, () => req.destroy(new Error('no answer within 60 s')));
      req.on('error', (e) => done((ms, at) => this.broken.push({ n, what: e.code ?? e.message, ms, at })));
      req.end(body);
    });
  }
}

// A dashboard: a WebSocket client of broadcast that keeps every click it is sent and the latest
// state (the aggregate's totals), and notes when it was closed.
export class Dashboard {
  constructor(url) {
    this.clicks = [];
    this.state = null;
    this.closed = null;
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data);
      if (frame.state) this.state = frame.state;
      for (const e of frame.events ?? []) if (typeof e.data?.clickNumber === 'number') this.clicks.push(e.data);
    });
    this.ws.on('error', () => {});
    this.ws.on('close', (code) => { this.closed = code; });
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', resolve); this.ws.once('error', reject); });
  }

  close() { this.ws.terminate(); }
}
