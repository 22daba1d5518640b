// The hostile client's tools: start the real sluice executable on the click tracker with ports it
// picked itself, talk to it byte by byte over raw sockets (or with `ws`), and check after every
// attack that the engine is alive, answers a normal click and has not grown. Every wait is on a
// condition with a deadline.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const sluiceBinary = process.env.SLUICE_BINARY ? path.resolve(process.env.SLUICE_BINARY) : path.join(root, 'build/bin/sluice');

const MiB = 1024 * 1024;

// Polls `check` until it returns truthy or the deadline passes.
export async function eventually(check, { timeout = 10000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
}

// `promise`, or an error naming `what` once `ms` have passed.
export function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// `n` distinct ports nobody listens on now: all n are bound to port 0 at once (so the kernel cannot
// hand out the same one twice, as it did when each was bound and closed in turn), read, and closed
// just before the engine takes them.
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

export async function freePort() {
  return (await freePorts(1))[0];
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// The folder the http source serves, and a secret beside it that must never be served: a page, a
// file in a subfolder, dotfiles (a .gitignore, an .env, one in a subfolder) and a symlink that
// points out of the folder.
export const SECRET = 'SECRET-OUTSIDE-THE-STATIC-FOLDER';
export const DOTFILE = 'SECRET-IN-A-DOTFILE';
function makeStaticDir() {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-security-'));
  const www = path.join(top, 'www');
  fs.mkdirSync(path.join(www, 'frontend'), { recursive: true });
  fs.mkdirSync(path.join(www, 'sub'));
  fs.writeFileSync(path.join(top, 'secret.txt'), SECRET);
  fs.writeFileSync(path.join(www, 'frontend', 'index.html'), '<!doctype html><title>frontend</title>\n');
  fs.writeFileSync(path.join(www, 'app.js'), `// ${'x'.repeat(3000)}\nconsole.log('app');\n`);
  fs.writeFileSync(path.join(www, 'sub', 'page.html'), '<p>sub</p>\n');
  fs.writeFileSync(path.join(www, '.gitignore'), `${DOTFILE}\nnode_modules/\n`);
  fs.writeFileSync(path.join(www, '.env'), `TOKEN=${DOTFILE}\n`);
  fs.mkdirSync(path.join(www, '.git'));
  fs.writeFileSync(path.join(www, '.git', 'config'), `[remote] ${DOTFILE}\n`);
  fs.writeFileSync(path.join(www, 'sub', '.hidden'), DOTFILE);
  fs.symlinkSync(path.join(top, 'secret.txt'), path.join(www, 'outside.txt'));
  fs.symlinkSync(top, path.join(www, 'up'));
  return { top, www };
}

// VmRSS of a process in MiB.
export function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)[1]);
  return kb / 1024;
}

// A running `sluice run tests/security/pipelines/FILE` on its own free ports. `env` sets the
// pipeline's variables (READ_TIMEOUT, SLOW_CLIENT, ...).
export class Engine {
  // `nofile`: the engine's file descriptor limit, soft and hard (through prlimit), for the tests
  // that make it run out.
  static async start({ pipeline = 'click-tracker.yaml', env = {}, nofile } = {}) {
    const engine = new Engine(pipeline, env);
    engine.nofile = nofile;
    // Another process may take a probed port between the probe and the engine's bind: then the
    // engine exits at start saying so, and a new pair of ports is tried.
    for (let attempt = 1; ; attempt++) {
      try {
        await engine.spawn();
        return engine;
      } catch (e) {
        if (attempt === 3 || !/Address already in use/.test(e.message)) throw e;
      }
    }
  }

  constructor(pipeline, env) {
    this.pipeline = path.join(here, 'pipelines', pipeline);
    this.extraEnv = env;
    this.static = makeStaticDir();
  }

  async spawn() {
    [this.httpPort, this.wsPort] = await freePorts(2);
    this.logTail = '';
    const env = {
      ...process.env,
      // jemalloc (the release build's allocator) would keep freed pages for seconds: RSS then
      // says what the engine holds, not what the allocator caches. ASan keeps freed memory in
      // quarantine to catch use after free; a small one keeps RSS meaningful there too.
      MALLOC_CONF: process.env.MALLOC_CONF ?? 'dirty_decay_ms:0,muzzy_decay_ms:0',
      ASAN_OPTIONS: process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:quarantine_size_mb=16` : 'quarantine_size_mb=16',
      HTTP_PORT: String(this.httpPort),
      WS_PORT: String(this.wsPort),
      STATIC_DIR: this.static.www,
      ...this.extraEnv,
    };
    // prlimit execs the engine, so the pid is the engine's.
    const [command, args] = this.nofile
      ? ['prlimit', [`--nofile=${this.nofile}:${this.nofile}`, sluiceBinary, 'run', this.pipeline]]
      : [sluiceBinary, ['run', this.pipeline]];
    this.proc = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.exitCode = null;
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => {
      this.exitCode = code ?? `signal ${signal}`;
      resolve(this.exitCode);
    }));
    // Only the tail of the log is kept: an engine that logs in a loop must not fill this process.
    this.proc.stderr.on('data', (d) => { this.logTail = (this.logTail + d).slice(-64 * 1024); });
    await eventually(() => this.exitCode !== null || portOpen(this.httpPort), { what: `http port (log: ${this.logTail})` });
    await eventually(() => this.exitCode !== null || portOpen(this.wsPort), { what: `websocket port (log: ${this.logTail})` });
    await eventually(() => this.exitCode !== null || this.logTail.includes('running'), { what: 'the engine to run' });
    if (this.exitCode !== null) throw new Error(`sluice exited with ${this.exitCode} at start:\n${this.logTail}`);
    this.startRss = this.rss();
  }

  get alive() { return this.exitCode === null; }

  // For a failure message: "running", or how the engine ended and the end of its log (where a
  // sanitizer's report is).
  state() {
    return this.alive ? 'the engine is running' : `the engine exited (${this.exitCode}); its log ends:\n${this.logTail.slice(-8000)}`;
  }

  rss() { return rssMiB(this.proc.pid); }
  // CPU seconds the engine has used (user + system), from /proc/PID/stat.
  cpuSeconds() {
    const stat = fs.readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ)
  }
  openFds() { return fs.readdirSync(`/proc/${this.proc.pid}/fd`).length; }
  asan() { return fs.readFileSync(`/proc/${this.proc.pid}/maps`, 'utf8').includes('libasan'); }

  // The most RSS any engine of this suite may have after an attack. The release build starts
  // at about 11 MiB; the largest load a test leaves behind is a replay buffer of about 8 MiB of
  // events. 200 MiB is far above that and catches what grows with the attack's traffic (a leak
  // per request, a log that floods, buffers kept per connection); the attacks that once grew it
  // by tens of MiB are judged more tightly by their own tests, as growth over a baseline. ASan's
  // shadow memory and quarantine add a few hundred MiB, so its build gets 1 GiB.
  // SLUICE_RSS_LIMIT_MIB overrides both.
  rssLimit() {
    if (process.env.SLUICE_RSS_LIMIT_MIB) return Number(process.env.SLUICE_RSS_LIMIT_MIB);
    return this.asan() ? 1024 : 200;
  }

  // After an attack: alive, a normal click answered 200, RSS under the limit. An engine that died
  // is started again (on new ports) so the next test meets a running one, and the test fails.
  async checkAfterAttack() {
    if (!this.alive) {
      const message = `the engine died (exit ${this.exitCode}); its log ends:\n${this.logTail.slice(-8000)}`;
      // Also printed: node's runner shows only the first error of a test that already failed.
      console.error(message);
      await this.spawn();
      throw new Error(message);
    }
    const res = await postClick(this, { page: 'after-attack', clickNumber: 1 });
    assert200(res, 'a normal click after the attack');
    const rss = this.rss();
    if (rss > this.rssLimit()) throw new Error(`RSS ${rss.toFixed(1)} MiB is over ${this.rssLimit()} MiB`);
    return rss;
  }

  async stop() {
    if (this.alive) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.static.top, { recursive: true, force: true });
    return this.exitCode;
  }
}

function assert200(res, what) {
  if (!res || res.status !== 200) {
    throw new Error(`${what}: expected 200, got ${res ? `${res.status} ${res.body}` : 'no answer'}`);
  }
}

// Opens a connection (from `localAddress`, any 127.x.y.z, to look like another client), writes
// `bytes`, and collects what comes back until the server closes, `until(data)` is true, or the
// deadline passes. Never throws on a reset: a closed connection is an answer too.
export function exchange(port, bytes, { timeout = 5000, until, localAddress } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let settled = false;
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const finish = (how) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed: how === 'closed', timedOut: how === 'timeout' });
    };
    const timer = setTimeout(() => finish('timeout'), timeout);
    socket.on('connect', () => { if (bytes !== undefined && bytes.length) socket.write(bytes); });
    socket.on('data', (d) => {
      chunks.push(d);
      if (until && until(Buffer.concat(chunks))) finish('until');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
  });
}

// Splits bytes into HTTP/1.1 responses (Content-Length or chunked framing). `head` says which of
// them answer a HEAD request and so have no body whatever their Content-Length says.
export function parseResponses(buf, { head = [] } = {}) {
  const out = [];
  let rest = buf;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) break;
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = end + 4;
    let body;
    if (head[out.length]) {
      body = Buffer.alloc(0);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', bodyStart);
        if (lineEnd < 0) return { responses: out, complete: false };
        const size = parseInt(rest.subarray(bodyStart, lineEnd).toString('latin1'), 16);
        if (size === 0) { bodyStart = lineEnd + 4; break; }
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        bodyStart = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length < bodyStart + length) return { responses: out, complete: false };
      body = rest.subarray(bodyStart, bodyStart + length);
      bodyStart += length;
    } else {
      body = rest.subarray(bodyStart);
      bodyStart = rest.length;
    }
    out.push({ status: Number(m[1]), headers, body, text: body.toString('latin1') });
    rest = rest.subarray(bodyStart);
  }
  return { responses: out, complete: rest.length === 0 };
}

// One complete response is in `data`.
export const oneResponse = (data) => parseResponses(data).responses.length >= 1;

// A request over its own connection, `Connection: close`. Resolves to the first response
// ({status, headers, body, text}) or null when the server closed without answering.
export async function request(port, { method = 'GET', path: target = '/', headers = {}, body, localAddress, timeout = 10000 } = {}) {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const all = { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers };
  if (body !== undefined) all['Content-Length'] = String(payload.length);
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(all)) if (v !== null) head += `${k}: ${v}\r\n`;
  const bytes = Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), payload]);
  const head1 = { head: [method === 'HEAD'] };
  const { data } = await exchange(port, bytes, { timeout, localAddress, until: (d) => parseResponses(d, head1).responses.length >= 1 });
  return parseResponses(data, head1).responses[0] ?? null;
}

export function postClick(engine, click, { path: target = '/click', headers = {}, localAddress } = {}) {
  return request(engine.httpPort, {
    method: 'POST', path: target, localAddress,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof click === 'string' || Buffer.isBuffer(click) ? click : JSON.stringify(click),
  });
}

// The body as JSON, failing when it is not UTF-8 or not JSON.
export function jsonOf(res) {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(res.body);
  return JSON.parse(text);
}

// A dashboard that records every frame: its parsed JSON and size, or, for frames that do not parse, why.
export function dashboard(engine, { query = '', origin = `http://127.0.0.1:${engine.httpPort}` } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${engine.wsPort}/${query}`, { origin, maxPayload: 64 * MiB });
  const d = { ws, frames: [], sizes: [], badFrames: [], closeCode: null };
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch (err) {
      d.badFrames.push({ error: err.message, size: data.length, start: data.subarray(0, 200).toString('utf8') });
      return;
    }
    d.frames.push(frame);
    d.sizes.push(data.length);  // sizes[i] is the size of frames[i]
  });
  d.opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
  d.closed = new Promise((resolve) => ws.once('close', (code) => { d.closeCode = code; resolve(code); }));
  ws.on('error', () => {});
  d.events = () => d.frames.flatMap((f) => f.events ?? []);
  d.close = () => { ws.terminate(); return d.closed; };
  return d;
}

// The status a WebSocket handshake gets: 101, or the refusal's status.
export function upgradeStatus(port, { path: target = '/', host = `127.0.0.1:${port}`, origin } = {}) {
  let head = `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
             'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  if (origin !== undefined) head += `Origin: ${origin}\r\n`;
  return exchange(port, Buffer.from(`${head}\r\n`, 'latin1'), { until: (d) => d.includes('\r\n\r\n') })
    .then(({ data }) => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data.toString('latin1'));
      return m ? Number(m[1]) : null;
    });
}

// A WebSocket client that completes the handshake, waits for the first bytes of its first frame
// (so the hub has built it), then never reads again. `close()` drops it.
export function idleReader(port, { path: target = '/', origin } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no first frame for an idle reader')); }, 10000);
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                   'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
                   (origin ? `Origin: ${origin}\r\n` : '') + '\r\n');
    });
    const onData = (d) => {
      data = Buffer.concat([data, d]);
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0 && data.length > end + 4) {
        socket.off('data', onData);
        socket.pause();
        clearTimeout(timer);
        if (!/^HTTP\/1\.1 101/.test(data.toString('latin1'))) return reject(new Error(`not upgraded: ${data.subarray(0, 100)}`));
        resolve({ socket, close: () => socket.destroy() });
      }
    };
    socket.on('data', onData);
  });
}
