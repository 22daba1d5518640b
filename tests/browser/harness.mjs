// Starts the real sluice executable on a pipeline file, on ports probed just before the start, and
// waits (on conditions, with deadlines) for them to answer. Used by every test in this folder.
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

// For the fault tests (tests/chaos/), which have no node_modules of their own.
export { WebSocket };

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sluiceBinary = process.env.SLUICE_BINARY ? path.resolve(process.env.SLUICE_BINARY) : path.join(root, 'build/bin/sluice');
export const fixturePlugins = process.env.SLUICE_FIXTURE_PLUGINS ? path.resolve(process.env.SLUICE_FIXTURE_PLUGINS) : path.join(root, 'build/tests/fixture-plugins');

export function unique(prefix) {
  return `${prefix}-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

// Polls `check` until it returns truthy or the deadline passes.
export async function eventually(check, { timeout = 15000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
}

// Every message of `topic`, as text, one string each, read by an independent consumer (kcat) from
// the topic's start to the end it has now.
export function readTopic(topic, brokers = '127.0.0.1:9092') {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-b', brokers, '-C', '-t', topic, '-e', '-q', '-f', '%s\n'], { maxBuffer: 256 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout.split('\n').filter(Boolean))));
  });
}

// `n` distinct ports nobody listens on now. All n are bound to port 0 at once, so the kernel cannot
// hand out one port twice (it did in CI when each was bound and closed in turn: see
// tests/security/harness.mjs), then closed just before the engine takes them.
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// A running `sluice run FILE [args]` whose listen addresses come from environment variables the
// pipeline file reads (`listen: ${INGEST_LISTEN}`). `log` accumulates its log.
export class Sluice {
  // `listen`: the names of those variables; each gets 127.0.0.1 and a free port, unless `ports`
  // names one (a port a page already knows). Another process may take a probed port between the
  // probe and the engine's bind: the engine then exits at start saying so, and new ports are tried.
  static async start(file, { args = [], env = {}, listen = ['INGEST_LISTEN'], ports: fixed = {} } = {}) {
    const probe = listen.filter((name) => !(name in fixed));
    for (let attempt = 1; ; attempt++) {
      const probed = await freePorts(probe.length);
      const ports = { ...fixed, ...Object.fromEntries(probe.map((name, i) => [name, probed[i]])) };
      const engine = new Sluice(file, args, env, ports);
      try {
        await engine.running();
        return engine;
      } catch (e) {
        if (attempt === 3 || probe.length === 0 || !/Address already in use/.test(e.message)) throw e;
      }
    }
  }

  constructor(file, args, env, ports) {
    Object.assign(this, { file, args, env, ports });
    const listenEnv = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `127.0.0.1:${port}`]));
    this.log = '';
    this.exitCode = null;
    this.proc = spawn(sluiceBinary, ['run', path.resolve(root, file), ...args], {
      cwd: root,
      env: { ...process.env, ...listenEnv, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => {
      this.exitCode = code ?? 128 + (signal === 'SIGTERM' ? 15 : 9);
      resolve(this.exitCode);
    }));
    this.proc.stderr.on('data', (d) => { this.log += d; });
  }

  // Waits until every port answers and the engine says it runs; throws with the log if it exits.
  async running() {
    for (const port of Object.values(this.ports)) {
      await eventually(() => this.exitCode !== null || portOpen(port), { what: `port ${port} (log: ${this.log})` });
    }
    await eventually(() => this.exitCode !== null || this.log.includes('running'), { what: `the engine to run (log: ${this.log})` });
    if (this.exitCode !== null) throw new Error(`sluice exited with ${this.exitCode} at start:\n${this.log}`);
  }

  port(name = 'INGEST_LISTEN') { return this.ports[name]; }
  get ingest() { return `http://127.0.0.1:${this.port('INGEST_LISTEN')}`; }
  get ws() { return `ws://127.0.0.1:${this.port('WS_LISTEN')}/`; }

  // The same engine again on the same ports (a page or a client that knows them reconnects), after
  // `stop()`. A port another process took meanwhile would fail the start, naming it.
  async restart() {
    const again = new Sluice(this.file, this.args, this.env, this.ports);
    await again.running();
    return again;
  }

  async stop() {
    if (this.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }

  // The second signal a user sends to skip the drain: for a test that is not about shutdown, with a
  // sink that would wait out its deadlines (a Kafka sink whose broker is unreachable).
  async stopAtOnce() {
    if (this.exitCode === null) this.proc.kill('SIGTERM');
    await eventually(() => this.exitCode !== null || this.log.includes('draining'), { what: 'the drain to start' });
    if (this.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }
}

// Debian's headless Chromium, with the flags the machine's notes give for running as root in a
// closed network.
export const launchChromium = () => chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

// Exact text: playwright's `hasText` matches substrings ("7" would match "17").
export const exactly = (text) => new RegExp(`^\\s*${String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);

// A dashboard-like client of a websocket sink that keeps every click it is sent (from snapshots,
// catch-ups and live frames alike).
export function watchClicks(url) {
  const ws = new WebSocket(url);
  const clicks = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data);
    for (const e of frame.events ?? []) if (typeof e.data?.clickNumber === 'number') clicks.push(e.data);
  });
  ws.on('error', () => {});
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, clicks, opened, close: () => ws.terminate() };
}
