"""bench/run's driver: runs the cases, then writes bench/results/<date>[-quick].md and .json."""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import cases
import instructions
import kafka_topics
import report
import systems
from procs import ROOT
from results import Results

CASES = {**cases.CASES, "7": instructions.case7}


def output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, shell=isinstance(cmd, str)).stdout.strip()
    except Exception as e:  # a missing tool must not lose the run's results
        return f"unknown ({e})"


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({model}), {mem / 1024**2:.0f} GiB RAM, {platform.system()} {platform.release()}"


def linger_setting(lingers, other_reps, reps):
    others = [l for l in lingers if l != cases.TARGET_LINGER]
    if not others:
        return f"{cases.TARGET_LINGER} ms for every tool"
    names = ", ".join(f"“{cases.label('sluice', l)}”" for l in others)
    return (f"cases 1, 2 and 4 ran every tool's producer (and ProducerPerformance) at linger {', '.join(map(str, lingers))} ms, "
            f"interleaved; the plain tool names are {cases.TARGET_LINGER} ms, where the targets are judged, the others are "
            f"named like {names}"
            + (f" and have {other_reps} repetitions, not {reps}" if other_reps < reps else "")
            + ". The same linger is not the same behaviour in every client (librdkafka, franz-go in Benthos, kafka-python "
              "in the seed, the Java client), hence both. Case 3 has no producer under test")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="1 repetition, short runs: a smoke test of the whole benchmark")
    p.add_argument("--cases", default="1,2,3,4,7", help="which cases, comma-separated (memory and CPU come from 1-4)")
    p.add_argument("--instructions", action="store_true", help="case 7 only (the same as --cases 7)")
    p.add_argument("--pipeline", action="append", default=[], metavar="FILE",
                   help="case 7 counts this pipeline's instructions per event (repeatable; a generator source)")
    p.add_argument("--compare", metavar="GITREF", help="measure GITREF's build beside this one (bench/run builds it)")
    p.add_argument("--compare-tree", help=argparse.SUPPRESS)
    p.add_argument("--reps", type=int, help="repetitions (default 5, or 1 with --quick)")
    p.add_argument("--lingers", metavar="MS,MS",
                   help=f"every tool's producer linger in cases 1, 2 and 4, in ms (default 1,0; 1 with --compare); "
                        f"the targets are judged at {cases.TARGET_LINGER}, the others are reported beside it")
    p.add_argument("--other-linger-reps", type=int, metavar="N",
                   help=f"repetitions at a linger other than {cases.TARGET_LINGER} ms (default 3, at most --reps): "
                        "keeps a full run near 40 minutes")
    p.add_argument("--out", help="results file stem (default bench/results/<date>[-quick])")
    p.add_argument("--render", metavar="JSON", help="measure nothing: write the .md of an earlier run's .json again")
    args = p.parse_args()
    if args.render:
        json_path = Path(args.render).resolve()
        results, meta = report.load(json_path)
        report.write(results, meta, json_path.with_suffix(".md"), json_path)
        print(f"bench: wrote {json_path.with_suffix('.md')}")
        return

    if args.instructions or args.pipeline:
        args.cases = "7"
    builds = {"sluice": systems.Build("sluice", ROOT)}
    if args.compare:
        if not args.compare_tree:
            p.error("--compare needs bench/run, which builds GITREF")
        old = f"sluice@{args.compare}"
        builds[old] = systems.Build(old, args.compare_tree)
    reps = args.reps or (1 if args.quick else 5)
    try:
        lingers = list(dict.fromkeys(int(x) for x in (args.lingers or ("1" if args.compare else "1,0")).split(",")))
    except ValueError:
        p.error(f"--lingers takes whole milliseconds, e.g. 1,0 (got {args.lingers})")
    if any(l < 0 or l > 900_000 for l in lingers):
        p.error("--lingers: each linger is 0 to 900000 ms")
    other_reps = min(reps, args.other_linger_reps if args.other_linger_reps is not None else 3)
    if other_reps < 1:
        p.error("--other-linger-reps must be at least 1")
    date = datetime.date.today().isoformat()
    tag = "-compare-" + "".join(c if c.isalnum() else "-" for c in args.compare) if args.compare else ""
    tag += "-quick" if args.quick else ""  # last, so .gitignore's *-quick.* keeps smoke tests out of git
    stem = Path(args.out) if args.out else ROOT / "bench" / "results" / (date + tag)
    stem.parent.mkdir(parents=True, exist_ok=True)
    log_dir = tempfile.mkdtemp(prefix="sluice-bench-logs-")
    prefix = "bench-" + datetime.datetime.now().strftime("%H%M%S")
    others = [l for l in lingers if l != cases.TARGET_LINGER]
    print(f"bench: {reps} repetition(s), cases {args.cases}; linger {', '.join(map(str, lingers))} ms in cases 1, 2, 4"
          + (f" ({other_reps} repetition(s) at linger {', '.join(map(str, others))})" if others else "")
          + f"; process logs in {log_dir}", flush=True)

    results = Results()
    bench = cases.Bench(results, args.quick, reps, log_dir, prefix, builds, [Path(f).resolve() for f in args.pipeline],
                        lingers=lingers, other_linger_reps=other_reps)
    failed = []
    for c in args.cases.split(","):
        try:
            CASES[c.strip()](bench)
        except Exception:
            traceback.print_exc()
            failed.append(c)
    try:
        if bench.topics:
            kafka_topics.delete(bench.topics)
    except Exception as e:
        print(f"bench: could not delete the run's topics: {e}", file=sys.stderr)

    meta = {
        "date": date,
        "quick": args.quick,
        "reps": reps,
        "machine": machine(),
        "settings": {
            "Kafka": "one broker (Apache Kafka 4.1.1, KRaft, scripts/kafka), topics with 3 partitions, replication 1",
            "Producer": "acks=all, idempotence on, key = page, linger as below; each tool's client keeps its own default batch size",
            "Linger": linger_setting(lingers, other_reps, reps),
            "Acknowledgement": "HTTP 2xx only after Kafka acknowledged the event (Sluice `ack: delivered`, Benthos http_server "
                               "waits for the output, the Flask app waits on the send future)",
            "HTTP load": "wrk -t2 -c64 keep-alive (closed loop); bench/tools/http_load, 64 connections (open loop, latency "
                         "counted from when each request was due)",
            "Events": "JSON clicks of about 150 bytes; Sluice also validates and enriches each one (click-tracker.yaml)",
            "WebSocket clients": "bench/tools/ws_fanout, one thread; every client checks it got every event exactly once",
            "Context switches": "voluntary and involuntary per event: what /proc/PID/task/*/status counts over the measured run "
                                "(load and drain), summed over the tool's processes and threads; a thread that ends during "
                                "the run takes its count with it (the seed's per-connection threads)",
            "Instructions": "valgrind --tool=callgrind, all threads; (I(2n) − I(n)) / n so start-up and shutdown cancel out: "
                            "transforms with a generator of n events, and the in-process click tracker with n clicks at 200/s",
        },
        "versions": {
            "sluice": output(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
            "benthos": "v4.60.0 core + franz-go v1.22.3 kafka_franz (bench/baselines/benthos)",
            "seed": "Flask 3.1.3 (threaded dev server, as the seed), kafka-python 3.0.12, websockets 17.4, " + platform.python_version(),
            "nginx": output("nginx -v 2>&1"),
            "wrk": output("wrk -v 2>&1 | head -1"),
            "kafka tools": "org.apache.kafka:kafka-tools 4.1.1",
        },
        "failed_cases": failed,
        "lingers": lingers,
        "other_linger_reps": other_reps if others else None,
    }
    if args.compare:
        meta["compare"] = {"new": "sluice", "old": old, "ref": args.compare,
                           "old_version": output(["git", "-C", args.compare_tree, "describe", "--always", "--dirty"])}
        meta["versions"][old] = meta["compare"]["old_version"]
    report.write(results, meta, stem.with_suffix(".md"), stem.with_suffix(".json"))
    print(f"bench: wrote {stem.with_suffix('.md')} and {stem.with_suffix('.json')}", flush=True)
    if failed:
        print(f"bench: cases {','.join(failed)} failed (traceback above)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
