// A private three-node Kafka cluster for the fault tests: `scripts/kafka start --brokers 3` on
// ports of its own, in a temporary folder, serving clients on the host's end of the veth pair. The
// tests crash, pause and restart its nodes through their real JVM processes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTopic, root } from '../browser/harness.mjs';

const execFileAsync = promisify(execFile);
const kafkaScript = path.join(root, 'scripts/kafka');

// Whether `port` can be bound on `host` now.
function free(host, port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export class Cluster {
  constructor(host) {
    this.host = host;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-chaos-kafka-'));
  }

  // Node N's broker port is base + 2(N-1), its controller's the next one (cluster.sh): six ports in
  // a row, brokers on `host`, controllers on 127.0.0.1.
  async pickPorts() {
    for (;;) {
      const base = 20000 + 2 * Math.floor(Math.random() * 10000);
      let ok = true;
      for (let i = 0; i < 6 && ok; i++) ok = await free(i % 2 === 0 ? this.host : '127.0.0.1', base + i);
      if (ok) return base;
    }
  }

  env() {
    return {
      ...process.env,
      SLUICE_KAFKA_CACHE: this.dir,
      SLUICE_KAFKA_PORT: String(this.base),
      SLUICE_KAFKA_HOST: this.host,
      SLUICE_KAFKA_HEAP: '256m',
      // The nodes stop when this test process ends, however it ends.
      SLUICE_KAFKA_STOP_WITH: String(process.pid),
    };
  }

  async kafka(...args) {
    try {
      const { stderr } = await execFileAsync(kafkaScript, args, { env: this.env(), maxBuffer: 16 << 20 });
      return stderr;
    } catch (e) {
      throw new Error(`scripts/kafka ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  }

  // Another process may take a probed port before the nodes bind it: a start that fails is tried
  // again on new ports.
  async start() {
    for (let attempt = 1; ; attempt++) {
      this.base = await this.pickPorts();
      try {
        await this.kafka('start', '--brokers', '3');
        return;
      } catch (e) {
        await this.kafka('stop', '--brokers', '3').catch(() => {});
        if (attempt === 3) throw e;
      }
    }
  }

  async stop() {
    await this.kafka('stop', '--brokers', '3').catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  port(n) { return this.base + 2 * (n - 1); }
  ports() { return [1, 2, 3].map((n) => this.port(n)); }
  get brokers() { return this.ports().map((p) => `${this.host}:${p}`).join(','); }

  // Node N's JVM, as the script recorded it.
  pid(n) { return Number(fs.readFileSync(path.join(this.dir, `node-${n}`, 'kafka.pid'), 'utf8')); }
  signal(n, sig) { process.kill(this.pid(n), sig); }
  startNode(n) { return this.kafka('start', '--node', String(n)); }
  stopNode(n) { return this.kafka('stop', '--node', String(n)); }
  // After a kill -9 the pid file names a dead process: wait until it is gone for sure.
  async killNode(n) {
    const pid = this.pid(n);
    process.kill(pid, 'SIGKILL');
    while (fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // The topic's partitions as a live broker's metadata says: [{ partition, leader, replicas, isr }].
  // Asks each node in turn (one may be down or paused); null when none answers. Asynchronous, so
  // that the clients' answers are read meanwhile: a paused node takes the whole timeout.
  async partitions(topic) {
    for (const p of this.ports()) {
      try {
        const { stdout: out } = await execFileAsync('kcat', ['-b', `${this.host}:${p}`, '-L', '-t', topic, '-J', '-m', '3'],
          { timeout: 5000 });
        const t = JSON.parse(out).topics?.find((x) => x.topic === topic);
        if (!t || t.err) continue;
        return t.partitions.map((x) => ({
          partition: x.partition, leader: x.leader, replicas: x.replicas.map((r) => r.id), isr: x.isrs.map((r) => r.id),
        }));
      } catch { /* that node does not answer: ask the next */ }
    }
    return null;
  }

  // Every partition's replicas all in sync, each with a leader: the state before the next fault.
  async healthy(topic) {
    const parts = await this.partitions(topic);
    return parts !== null && parts.length > 0 && parts.every((p) => p.leader > 0 && p.isr.length === p.replicas.length);
  }

  // Every message of the topic, as text, read by an independent consumer (kcat), from the start to
  // the end it has now.
  read(topic) { return readTopic(topic, this.brokers); }
}
