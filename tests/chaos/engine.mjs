// The real `sluice run pipelines/click-tracker.yaml`, inside the fault tests' network namespace,
// on the private cluster. Each engine gets topics and a group of its own. Its fixed ports (5000,
// 8765, 9600) are free there: the namespace is new.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, root, sluiceBinary } from '../browser/harness.mjs';

export const ACK_TIMEOUT_MS = 5000;

export class Engine {
  // `network`: a Network; `cluster`: a Cluster; `topic`: this test's clicks topic (and group).
  constructor(network, cluster, topic) {
    Object.assign(this, { network, cluster, topic });
    // The click tracker as shipped, with the admin endpoint on the namespace's address (its
    // default, 127.0.0.1, is not reachable from the host).
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-chaos-engine-'));
    this.file = path.join(this.dir, 'click-tracker.yaml');
    const shipped = fs.readFileSync(path.join(root, 'pipelines/click-tracker.yaml'), 'utf8');
    fs.writeFileSync(this.file, `engine:\n  admin:\n    listen: ${network.engineIp}:9600\n${shipped}`);
    this.log = '';
  }

  get ingest() { return `http://${this.network.engineIp}:5000`; }
  get ws() { return `ws://${this.network.engineIp}:8765/`; }
  get admin() { return `http://${this.network.engineIp}:9600`; }

  // Starts the process and waits until /ready answers 200 (ingest's sink has its topic) and
  // broadcast's consumer has its partitions, which /ready does not tell: after a crash the group
  // gives them to the new consumer only once the old one's session expired (10 s).
  async start() {
    const assignedBefore = this.assignments();
    const ip = this.network.engineIp;
    const [cmd, args] = this.network.inside([sluiceBinary, 'run', this.file]);
    this.exitCode = null;
    this.proc = spawn(cmd, args, {
      cwd: root,
      env: {
        ...process.env,
        INGEST_LISTEN: `${ip}:5000`,
        WS_LISTEN: `${ip}:8765`,
        DASHBOARD_ORIGIN: `http://${ip}:5000`,
        KAFKA_BROKERS: this.cluster.brokers,
        KAFKA_REPLICATION: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
        INGEST_ACK_TIMEOUT: `${ACK_TIMEOUT_MS}ms`,
        INGEST_RATE_LIMIT: '0', // all the load comes from one address
        CLICKS_TOPIC: this.topic,
        CLICKS_DLQ_TOPIC: `${this.topic}-dlq`,
        BROADCAST_GROUP: this.topic,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => {
      this.exitCode = code ?? `signal ${signal}`;
      resolve(this.exitCode);
    }));
    this.proc.stderr.on('data', (d) => { this.log += d; });
    await eventually(async () => {
      if (this.exitCode !== null) throw new Error(`sluice exited with ${this.exitCode}:\n${this.log}`);
      return (await this.ready()).status === 200;
    }, { timeout: 90000, what: `/ready (log: ${this.log.slice(-2000)})` });
    await eventually(() => this.assignments() > assignedBefore,
      { timeout: 60000, what: `broadcast's consumer to get its partitions (log: ${this.log.slice(-2000)})` });
  }

  // How often broadcast's consumer was given partitions, by this engine's runs so far.
  assignments() { return (this.log.match(/\[broadcast\/source kafka\] assigned \d+ partitions/g) ?? []).length; }

  // GET /ready: { status, body }; a refused connection is { status: 0 }.
  async ready() {
    try {
      const res = await fetch(`${this.admin}/ready`, { signal: AbortSignal.timeout(3000) });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      return { status: 0, body: e.message };
    }
  }

  async metrics() {
    return (await fetch(`${this.admin}/metrics`)).text();
  }

  // A crash: SIGKILL to the sluice process itself (`ip netns exec` execs it, keeping the pid).
  async kill() {
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  async stop() {
    if (this.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }

  remove() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}
