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

import systems
from instructions import CLICK_RATE, click_run

OUT = Path("/tmp/tracker-callgrind")


def run(build, clicks, first_seq):
    topic = f"tracker-callgrind-{clicks}-{time.time_ns()}"
    env = {"CLICKS_TOPIC": topic, "BROADCAST_GROUP": f"{topic}-group", "KAFKA_BROKERS": systems.BROKERS}
    return click_run(build, clicks, OUT, "tracker", first_seq, pipeline="pipelines/click-tracker.yaml", env=env)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    OUT.mkdir(exist_ok=True)
    build = systems.Build("sluice", systems.ROOT)
    small, large = run(build, n, 50_000_000), run(build, 2 * n, 60_000_000)
    print(f"click tracker with the broker @{CLICK_RATE}/s: {(large - small) / n:,.0f} instructions/click "
          f"({small:,} for {n}, {large:,} for {2 * n}); files in {OUT}")


if __name__ == "__main__":
    main()
