"""Case 7: instructions per event, counted by valgrind's callgrind.

The count is exact for the same binary and input, whatever else the machine is doing, so it is the
figure to compare builds with (bench/run --compare) where timings drown in a shared machine's noise.
Each workload runs twice, with n and 2n events, and the figure is the difference of the two totals
divided by n: start-up, shutdown and the one-off costs cancel out.

- Transforms alone: each bench/pipelines/transforms*.yaml (or, where there is none, the issue's
  generator -> json_validate -> enrich -> drop), its generator's count set to n. Any pipeline whose
  source is a generator works: `bench/run --instructions --pipeline FILE`.
- One click end to end in one process: pipelines/click-tracker-inproc.yaml, HTTP clicks from
  http_load at 200/s (no dashboard connected). The rate is fixed and modest, as a person's clicks
  would be, so the figure counts one click's own work, not the batching a saturated engine gets;
  timers and idle wake-ups in the extra seconds of the longer run count against the clicks.
"""
import subprocess
from pathlib import Path

import yaml

import loads
from procs import ROOT, Proc, System, wait_port
import systems

C7 = "7. Instructions per event (callgrind)"
UNIT = "instructions/event"
CLICK_RATE = 200

# The transform workload when no bench/pipelines/transforms*.yaml is there; clicks of about
# 150 bytes like the other cases'. The generator's count is set per run.
TRANSFORMS = """pipelines:
  transforms:
    source:
      type: generator
      rate: 0
      payload: '{"page":"/bench/3","clickNumber":{{seq}},"bseq":{{seq}},"bts":{{timestamp_ms}},"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
    transforms:
      - type: json_validate
        required: { page: string, clickNumber: number }
      - type: enrich
    sinks:
      - type: drop
"""


def callgrind_argv(binary, out_file):
    return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", str(binary)]


def total_instructions(out_file):
    """The Ir total of a callgrind output file (all threads: --separate-threads is off)."""
    for line in Path(out_file).read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {out_file}")


def with_count(pipeline, events, out_path):
    """A copy of `pipeline` whose generator sources stop after `events` events."""
    doc = yaml.safe_load(Path(pipeline).read_text())
    generators = [p["source"] for p in doc.get("pipelines", {}).values() if p.get("source", {}).get("type") == "generator"]
    if not generators:
        raise RuntimeError(f"{pipeline}: no pipeline with a generator source, nothing to count")
    for source in generators:
        source["count"] = events
    Path(out_path).write_text(yaml.safe_dump(doc, sort_keys=False))
    return out_path


def transform_run(build, pipeline, events, log_dir, tag):
    """Instructions of one `sluice run` of the pipeline with `events` generated events, to its exit."""
    config = with_count(pipeline, events, Path(log_dir) / f"callgrind-{tag}-{events}.yaml")
    out = Path(log_dir) / f"callgrind.out.{tag}-{events}"
    log = Path(log_dir) / f"callgrind-{tag}-{events}.log"
    with open(log, "wb") as f:
        done = subprocess.run([*callgrind_argv(build.binary, out), "run", str(config)], cwd=ROOT, stdout=f,
                              stderr=subprocess.STDOUT, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"sluice under callgrind exited {done.returncode}; see {log}")
    return total_instructions(out)


def click_run(build, clicks, log_dir, tag, first_seq, pipeline="pipelines/click-tracker-inproc.yaml", env=None):
    """Instructions of a click tracker (by default the in-process one) from start to exit, `clicks`
    clicks posted at CLICK_RATE in between; `env` adds to its environment (a topic, the brokers).
    Every click must be answered 2xx, or the count means nothing."""
    out = Path(log_dir) / f"callgrind.out.{tag}-{clicks}"
    http, ws = f"127.0.0.1:{next(systems._ports)}", f"127.0.0.1:{next(systems._ports)}"
    env = {"INGEST_LISTEN": http, "WS_LISTEN": ws, "WEB_DIR": str(ROOT / "web"), "INGEST_RATE_LIMIT": "0", **(env or {})}
    proc = Proc(f"callgrind-{tag}-{clicks}", [*callgrind_argv(build.binary, out), "run", build.file(pipeline)], env, log_dir)
    system = System(build.tool, [proc]).start()
    try:
        for address in (http, ws):
            host, port = address.rsplit(":", 1)
            wait_port(host, int(port), 180, system)  # valgrind starts slowly
        h = loads.http_load(f"{http}/click", CLICK_RATE, clicks / CLICK_RATE, 8, first_seq, warmup=0, drain=30)
        if h["ok"] != clicks:
            raise RuntimeError(f"{h['ok']} of {clicks} clicks answered 2xx (statuses {h['statuses']})")
    finally:
        proc.stop(timeout=300)  # callgrind writes its file as the engine exits
    if proc.popen.returncode != 0:
        raise RuntimeError(f"sluice under callgrind exited {proc.popen.returncode}; its log ends:\n{proc.tail()}")
    return total_instructions(out)


def per_event(b, metric, tool, run, n):
    """Runs n and 2n events and records (I(2n) - I(n)) / n."""
    try:
        small, large = run(n), run(2 * n)
    except Exception as e:
        b.r.void(C7, tool, metric, UNIT, str(e), better="lower")
        return
    value = (large - small) / n
    b.r.add(C7, tool, metric, UNIT, value, better="lower",
            detail={"events": [n, 2 * n], "instructions": [small, large]})
    print(f"  {tool}: {metric}: {value:,.0f} instructions/event ({small:,} for {n}, {large:,} for {2 * n})", flush=True)


def transform_pipelines(b):
    if b.pipelines:
        return [(f"transforms: {Path(p).name}", Path(p)) for p in b.pipelines]
    files = sorted((ROOT / "bench" / "pipelines").glob("transforms*.yaml"))
    if files:
        return [(f"transforms: {p.name}", p) for p in files]
    builtin = Path(b.log_dir) / "transforms-builtin.yaml"
    builtin.write_text(TRANSFORMS)
    return [("transforms: generator → json_validate → enrich → drop", builtin)]


def case7(b):
    """One count per build and workload: it repeats exactly, so repetitions would add nothing. With
    --compare the builds alternate workload by workload, the same input for both."""
    print(f"== {C7}", flush=True)
    events = 10_000 if b.quick else 50_000
    clicks = 600 if b.quick else 3_000
    for i, (metric, pipeline) in enumerate(transform_pipelines(b)):
        for tool, build in b.builds.items():
            tag = f"t{i}-{tool}".replace("@", "-").replace("~", "-").replace("/", "-")
            per_event(b, metric, tool, lambda n: transform_run(build, pipeline, n, b.log_dir, tag), events)
    if b.pipelines:
        return
    for tool, build in b.builds.items():
        tag = f"click-{tool}".replace("@", "-").replace("~", "-").replace("/", "-")
        per_event(b, f"one click, in process @{CLICK_RATE}/s", tool,
                  lambda n: click_run(build, n, b.log_dir, tag, b.seqs(n)), clicks)
