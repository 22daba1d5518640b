"""Does --lingers reach every tool's producer? Starts each tool's ingest (Sluice, Benthos, the seed)
at linger 0 and at a long linger, and times lone clicks: each is answered only once Kafka has it,
and a lone click never fills a batch, so a client that lingers on it answers after about that
long, and at linger 0 at once. A setting that does not arrive shows as the same time at both.

Benthos answers at once at both: its kafka_franz output calls franz-go's ProduceSync, which stops
the linger of the partitions it produced to as soon as the records are queued (franz-go v1.22,
producer.go). That the setting reaches franz-go shows otherwise: a linger over franz-go's ceiling of
one minute makes its client refuse to start, naming the linger.

    scripts/kafka start
    ~/.cache/sluice-bench/venv/bin/python bench/harness/linger_check.py [--long-ms 400]

Exits 1 when Sluice's or the seed's lone click at the long linger came back sooner than the
linger, or at linger 0 not clearly sooner than that, or Benthos's client did not refuse a linger
over a minute. (A check of the benchmark's plumbing, run by hand; not a
test of Sluice, and not part of bench/run.)"""
import argparse
import json
import sys
import tempfile
import time
import urllib.request

import kafka_topics
import systems
from cases import BASELINES

TOOLS = ("sluice",) + BASELINES
WAITS = {"sluice": True, "seed": True, "benthos": False}  # does a lone click wait out the linger?
FRANZ_MAX_MS = 60_000


def lone_click_ms(http, seq):
    """The time to an answer of one click sent alone (nothing else in flight)."""
    body = json.dumps({"page": "/linger-check", "clickNumber": seq}).encode()
    req = urllib.request.Request(f"http://{http}/click", data=body, headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        if r.status // 100 != 2:
            raise RuntimeError(f"{http} answered {r.status}")
    return (time.monotonic() - t0) * 1000


def measure(tool, linger, log_dir, prefix):
    topic = f"{prefix}-{tool}-{linger}"
    kafka_topics.create([topic])
    if tool == "sluice":
        s = systems.sluice("ingest", topic, log_dir, systems.Build("sluice", systems.ROOT), linger=linger)
    else:
        s = systems.STARTERS[tool]("ingest", topic, log_dir, linger=linger)
    try:
        lone_click_ms(s.http, 0)  # the first one also pays for connections and metadata
        return min(lone_click_ms(s.http, i) for i in range(1, 4)), topic
    finally:
        s.system.stop()


def franz_refuses(log_dir, prefix, seconds=30):
    """Benthos at a linger over franz-go's ceiling: its log must name the linger as too large."""
    s = systems.STARTERS["benthos"]("ingest", f"{prefix}-benthos-refused", log_dir, linger=FRANZ_MAX_MS + 1000)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any("larger than allowed" in p.tail(50) and "linger" in p.tail(50) for p in s.system.procs):
                return True
            time.sleep(0.2)
        return False
    finally:
        s.system.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--long-ms", type=int, default=400, help="the long linger (ms)")
    args = p.parse_args()
    log_dir = tempfile.mkdtemp(prefix="sluice-linger-check-")
    prefix = "linger-check-" + time.strftime("%H%M%S")
    topics, failed = [], []
    print(f"lone click, fastest of 3 (ms); logs in {log_dir}")
    print(f"{'tool':10} {'linger 0':>10} {f'linger {args.long_ms}':>12}")
    try:
        for tool in TOOLS:
            zero, t0 = measure(tool, 0, log_dir, prefix)
            long, t1 = measure(tool, args.long_ms, log_dir, prefix)
            topics += [t0, t1]
            if WAITS[tool]:
                ok = long >= 0.9 * args.long_ms and zero < 0.5 * args.long_ms
                why = "" if ok else "   <- the linger does not reach this tool"
            else:
                ok = franz_refuses(log_dir, prefix)
                why = (f"   (ProduceSync drains at once; franz-go refused linger {FRANZ_MAX_MS + 1000} ms: it reaches the client)"
                       if ok else f"   <- franz-go did not refuse linger {FRANZ_MAX_MS + 1000} ms: the linger does not reach it")
            print(f"{tool:10} {zero:10.1f} {long:12.1f}{why}", flush=True)
            if not ok:
                failed.append(tool)
    finally:
        if topics:
            kafka_topics.delete(topics)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
