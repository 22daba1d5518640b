// The network the fault tests run on: Sluice in a network namespace of its own, linked to this
// host by a veth pair, so that the link between Sluice and the brokers can be cut for real.
//
//   host (root namespace)                       namespace `sluice-chaos-…`
//   HOST_IP (10.77.X.1): the three brokers,     ENGINE_IP (10.77.X.2): sluice (ingest :5000,
//   the test's HTTP and WebSocket clients  <--veth-->  WebSocket :8765, admin :9600)
//
// A cut is nftables rules inside the namespace that drop, silently, every packet to or from the
// chosen brokers' ports, as a pulled cable or a dead switch would: no reset, no ICMP, so librdkafka
// learns of it only from its own timeouts. The clients' traffic to ingest crosses the same veth and
// is never dropped. Needs root (ip netns, nft); the test command runs as root.
import { execFileSync } from 'node:child_process';

const run = (cmd, args, input) => execFileSync(cmd, args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

export class Network {
  constructor() {
    // A subnet and names of this run's own, so that a crashed earlier run's leftovers (the
    // namespace goes with its veth) cannot clash.
    const tag = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
    const x = 1 + Math.floor(Math.random() * 250);
    Object.assign(this, {
      ns: `sluice-chaos-${tag}`,
      hostIf: `sch${tag}`,
      nsIf: `scn${tag}`,
      hostIp: `10.77.${x}.1`,
      engineIp: `10.77.${x}.2`,
      cut: new Set(),
    });
  }

  up() {
    try {
      run('ip', ['netns', 'add', this.ns]);
    } catch (e) {
      throw new Error(`cannot make a network namespace (the fault tests need root: ip netns add): ${e.stderr ?? e.message}`);
    }
    run('ip', ['link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.nsIf, 'netns', this.ns]);
    run('ip', ['addr', 'add', `${this.hostIp}/24`, 'dev', this.hostIf]);
    run('ip', ['link', 'set', this.hostIf, 'up']);
    this.exec(['ip', 'addr', 'add', `${this.engineIp}/24`, 'dev', this.nsIf]);
    this.exec(['ip', 'link', 'set', this.nsIf, 'up']);
    this.exec(['ip', 'link', 'set', 'lo', 'up']);
  }

  // Removing the namespace removes its end of the veth, and with it the host's end.
  down() {
    try { run('ip', ['netns', 'del', this.ns]); } catch { /* already gone */ }
  }

  exec(args) { return run('ip', ['netns', 'exec', this.ns, ...args]); }

  // The command line that runs `args` inside the namespace.
  inside(args) { return ['ip', ['netns', 'exec', this.ns, ...args]]; }

  // Drops everything between Sluice and the brokers listening on these ports of the host, from now
  // on (added to what is cut already).
  cutPorts(ports) {
    for (const p of ports) this.cut.add(p);
    this.applyCuts();
  }

  restore() {
    this.cut.clear();
    this.applyCuts();
  }

  // One nft transaction replaces the whole table: the rules never hold half a change.
  applyCuts() {
    const ports = [...this.cut].join(', ');
    const rules = this.cut.size === 0 ? '' : `
      chain out { type filter hook output priority 0; ip daddr ${this.hostIp} tcp dport { ${ports} } drop; }
      chain in { type filter hook input priority 0; ip saddr ${this.hostIp} tcp sport { ${ports} } drop; }`;
    // `table … {}` then `delete table` clears whatever an earlier call left, even on the first call.
    run('ip', ['netns', 'exec', this.ns, 'nft', '-f', '-'],
      `table inet sluice_chaos {}\ndelete table inet sluice_chaos\ntable inet sluice_chaos {${rules}\n}\n`);
  }
}
