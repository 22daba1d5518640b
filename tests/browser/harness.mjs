// Starts the real sluice executable on a pipeline file and waits (on conditions, with deadlines)
// for its ports to answer. Used by every test in this folder.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sluiceBinary = process.env.SLUICE_BINARY ? path.resolve(process.env.SLUICE_BINARY) : path.join(root, 'build/bin/sluice');
export const fixturePlugins = process.env.SLUICE_FIXTURE_PLUGINS ? path.resolve(process.env.SLUICE_FIXTURE_PLUGINS) : path.join(root, 'build/tests/fixture-plugins');
export const INGEST = 'http://127.0.0.1:5000';
export const WS = 'ws://127.0.0.1:8765/';

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
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// A running `sluice run FILE [args]`; `stderr` accumulates its log.
export class Sluice {
  constructor(file, args = [], env = {}) {
    this.log = '';
    this.proc = spawn(sluiceBinary, ['run', path.resolve(root, file), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGTERM' ? 15 : 9))));
    this.proc.stderr.on('data', (d) => { this.log += d; });
  }

  async ready(ports) {
    for (const port of ports) await eventually(() => portOpen(port), { what: `port ${port} (log: ${this.log})` });
    await eventually(() => this.log.includes('running'), { what: 'the engine to run' });
  }

  async stop() {
    this.proc.kill('SIGTERM');
    return this.exited;
  }
}
