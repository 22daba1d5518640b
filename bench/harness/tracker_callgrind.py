"""Instructions per click of the real click tracker (pipelines/click-tracker.yaml: HTTP -> Kafka ->
WebSocket hub, with the broker), counted as case 7 counts the in-process one: callgrind, all
threads (librdkafka's included), n and 2n clicks at 200/s, (I(2n) - I(n)) / n. Not part of
`bench/run`: a profile to explain case 6's events per CPU-second, run by hand with the broker up
(scripts/kafka start) and the build in build/:

    ~/.cache/sluice-bench/venv/bin/python bench/harness/tracker_callgrind.py [N]

It prints the figure and leaves the callgrind files in /tmp/tracker-callgrind for
callgrind_annotate (--inclusive=yes shows the threads' shares).
"""
import sys
import time
from pathlib import Path

import loads
from instructions import CLICK_RATE, callgrind_argv, total_instructions
from procs import ROOT, Proc, System, wait_port

OUT = Path("/tmp/tracker-callgrind")


def run(clicks, port_base, first_seq):
    out = OUT / f"callgrind.out.tracker-{clicks}"
    http, ws = f"127.0.0.1:{port_base}", f"127.0.0.1:{port_base + 1}"
    topic = f"tracker-callgrind-{clicks}-{time.time_ns()}"
    env = {"INGEST_LISTEN": http, "WS_LISTEN": ws, "WEB_DIR": str(ROOT / "web"), "INGEST_RATE_LIMIT": "0",
           "CLICKS_TOPIC": topic, "BROADCAST_GROUP": f"{topic}-group", "KAFKA_BROKERS": "127.0.0.1:9092"}
    proc = Proc(f"tracker-{clicks}", [*callgrind_argv(ROOT / "build" / "bin" / "sluice", out), "run",
                                      ROOT / "pipelines" / "click-tracker.yaml"], env, OUT)
    system = System("sluice", [proc]).start()
    try:
        for address in (http, ws):
            host, port = address.rsplit(":", 1)
            wait_port(host, int(port), 180, system)  # valgrind starts slowly
        h = loads.http_load(f"{http}/click", CLICK_RATE, clicks / CLICK_RATE, 8, first_seq, warmup=0, drain=30)
        if h["ok"] != clicks:
            raise RuntimeError(f"{h['ok']} of {clicks} clicks answered 2xx")
    finally:
        proc.stop(timeout=300)
    return total_instructions(out)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    OUT.mkdir(exist_ok=True)
    small, large = run(n, 16100, 50_000_000), run(2 * n, 16110, 60_000_000)
    print(f"click tracker with the broker @{CLICK_RATE}/s: {(large - small) / n:,.0f} instructions/click "
          f"({small:,} for {n}, {large:,} for {2 * n}); files in {OUT}")


if __name__ == "__main__":
    main()
