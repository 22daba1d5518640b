"""Does --lingers reach every tool's producer? Starts each tool's ingest (Sluice, Benthos, the seed)
at linger 0 and at a long linger, and times lone clicks: each is answered only once Kafka has it,
and a lone click never fills a batch, so a client that honours its linger answers after about that
long, and at linger 0 at once. A setting that does not arrive shows as the same time at both.

    scripts/kafka start
    ~/.cache/sluice-bench/venv/bin/python bench/harness/linger_check.py [--long-ms 400]

Exits 1 when a tool's lone click at the long linger came back sooner than the linger, or at
linger 0 not clearly sooner than that. (A check of the benchmark's plumbing, run by hand; not a
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
            ok = long >= 0.9 * args.long_ms and zero < 0.5 * args.long_ms
            print(f"{tool:10} {zero:10.1f} {long:12.1f}{'' if ok else '   <- the linger does not reach this tool'}", flush=True)
            if not ok:
                failed.append(tool)
    finally:
        if topics:
            kafka_topics.delete(topics)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
