"""bench/run --soak DURATION [--rate N]: the click tracker (ingest and broadcast in one process) under
a steady open-loop load for a long time, with a dashboard client reading the whole time, sampled
every 10 s, to see whether anything grows that should not: memory, descriptors, threads, request
latency, the broadcast consumer's lag. Writes bench/results/<date>-soak-<duration>.md and .json.

The short benchmark cases start a fresh process per repetition, so a slow leak never shows there.
"""
import argparse
import datetime
import json
import math
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import kafka_topics
import loads
import systems
from main import machine, output
from procs import ROOT
from trend import trend, verdict

SAMPLE_S = 10
CONNECTIONS = 64  # as case 1's open-loop run: enough that one slow answer does not hold up the schedule
# (key in a sample, name, unit, format of its slopes and fractional values): the series the report
# fits a trend to.
SERIES = [
    ("rss_mib", "RSS", "MiB", "{:,.2f}"),
    ("fds", "Open fds", "fds", "{:,.1f}"),
    ("threads", "Threads", "threads", "{:,.1f}"),
    ("p99_ms", "Request p99", "ms", "{:,.2f}"),
    ("lag", "Broadcast consumer lag", "messages", "{:,.0f}"),
    ("rate", "Clicks answered 2xx", "clicks/s", "{:,.1f}"),
    ("non2xx_rate", "Non-2xx answers", "answers/s", "{:,.2f}"),
]
LAG = "sluice_kafka_consumer_lag_messages"


def seconds_of(text):
    """'90s', '10m', '1.5h' or a bare number of seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not m:
        raise ValueError(f"a duration is like 90s, 10m or 2h, not {text!r}")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def warmup_of(duration):
    return max(60.0, 0.1 * duration)


def admin_address(proc, timeout=30):
    """Where the admin endpoint listens: read from the log, since 9600 may be taken and then the
    engine picks a free port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(r"admin endpoint listening on http://(\S+)", proc.log_path.read_text(errors="replace"))
        if m:
            return m.group(1)
        time.sleep(0.2)
    raise RuntimeError(f"sluice logged no admin endpoint within {timeout}s; its log ends:\n{proc.tail()}")


def lag(admin, topic):
    """Broadcast's consumer lag on the run's topic, summed over its partitions; None when the scrape fails."""
    try:
        text = urllib.request.urlopen(f"http://{admin}/metrics", timeout=5).read().decode()
    except OSError:
        return None
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(LAG + "{") and f'topic="{topic}"' in line)


def sample(proc, window, admin, topic):
    """The process's state at the end of one http_load interval, beside that interval's requests."""
    pid = proc.popen.pid
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    lat = window["latency"]
    return {"t_s": round(window["t_s"], 1), "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
            "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())), "threads": int(status["Threads"]),
            "scheduled": window["scheduled"], "answered": window["answered"], "ok": window["ok"],
            "non2xx": window["non2xx"], "errors": window["errors"], "backlog": window["backlog"],
            "rate": window["ok"] / window["seconds"], "non2xx_rate": window["non2xx"] / window["seconds"],
            "p50_ms": lat.get("p50_us", 0) / 1000 if lat["count"] else None,
            "p99_ms": lat.get("p99_us", 0) / 1000 if lat["count"] else None,
            "max_ms": lat.get("max_us", 0) / 1000 if lat["count"] else None,
            "lag": lag(admin, topic)}


def run(args, build, topic, log_dir):
    """Starts Sluice, the dashboard client and the load; returns what they reported and the samples."""
    expect = math.ceil(args.rate * args.duration)  # http_load schedules request k while k / rate < duration
    first = 1_000_000
    kafka_topics.create([topic])
    s = systems.sluice("e2e", topic, log_dir, build)
    proc = s.system.procs[0]
    samples, windows, total, error, dashboard, peak = [], [], None, None, None, None
    ws = load = None
    try:
        admin = admin_address(proc)
        # One dashboard client the whole run: it also checks that every click reached it exactly
        # once. No latency samples (timed 0): a day-long soak would hold a day of them.
        ws = loads.WsClients(f"{s.ws}/", 1, expect, first, timeout=args.duration + 60, idle=0, timed=0)
        load = subprocess.Popen([loads.TOOLS / "http_load", "--target", f"{s.http}/click", "--rate", str(args.rate),
                                 "--duration", str(args.duration), "--connections", str(CONNECTIONS),
                                 "--first-seq", str(first), "--warmup", "0", "--drain", "10", "--pad", "60",
                                 "--interval", str(SAMPLE_S)], stdout=subprocess.PIPE, text=True)
        print(f"soak: sluice pid {proc.popen.pid}, admin http://{admin}, topic {topic}; a sample every {SAMPLE_S} s",
              flush=True)
        for line in load.stdout:
            d = json.loads(line)
            if "interval" not in d:
                total = d
            elif d["seconds"] < SAMPLE_S - 0.5:  # the drain after the schedule ended
                windows.append(d)
            elif not proc.alive():
                error = f"sluice exited ({proc.popen.returncode}) before t={d['t_s']:.0f} s; its log ends:\n{proc.tail()}"
                load.terminate()
            else:
                windows.append(d)
                samples.append(sample(proc, d, admin, topic))
                print("  " + progress(samples[-1]), flush=True)
        load.wait()
        if not error:
            dashboard = ws.result()
            peak = proc.memory_kib("VmHWM") / 1024
    finally:
        for tool in (load, ws and ws.popen):  # still running only when the run failed
            if tool and tool.poll() is None:
                tool.kill()
                tool.wait()
        s.system.stop()
        try:
            kafka_topics.delete([topic])
        except Exception as e:  # the results matter more than the clean-up
            print(f"soak: could not delete topic {topic}: {e}", file=sys.stderr)
    return {"samples": samples, "windows": windows, "http_load": total, "dashboard": dashboard,
            "peak_rss_mib": peak, "error": error, "expect": expect}


def progress(x):
    ms = lambda v: "-" if v is None else f"{v:.1f}"
    lag_text = "?" if x["lag"] is None else f"{x['lag']:,.0f}"
    return (f"t={x['t_s']:5.0f} s  RSS {x['rss_mib']:6.1f} MiB  fds {x['fds']:3}  threads {x['threads']:3}  "
            f"{x['rate']:7,.0f} clicks/s  p99 {ms(x['p99_ms'])} ms  non-2xx {x['non2xx']}  lag {lag_text}")


def summarise(samples, warmup):
    """trend() of each series over the samples after the warm-up (a window that began in it is out)."""
    kept = [x for x in samples if x["t_s"] - SAMPLE_S >= warmup - 0.5]
    out = {}
    for key, name, unit, fmt in SERIES:
        points = [(x["t_s"], x[key]) for x in kept if x[key] is not None]
        if len(points) < 3:
            out[key] = {"name": name, "unit": unit, "verdict": f"{name}: too few samples after the warm-up for a trend."}
            continue
        t = trend([p[0] for p in points], [p[1] for p in points])
        out[key] = {"name": name, "unit": unit, **t, "verdict": verdict(name, unit, t, fmt)}
    return out, len(kept)


def markdown(meta, r, trends, kept):
    rate, label = meta["rate"], meta["duration_text"]
    total, dash = r["http_load"] or {}, r["dashboard"] or {}
    elapsed = total.get("elapsed_s") or 0  # the schedule's length and the few ms its last answers took
    lines = [
        f"# Soak, {meta['date']}: the click tracker at {rate:,.0f} clicks/s for {label}",
        "",
        f"Written by `bench/run --soak {label}{'' if rate == 5000 else f' --rate {rate:g}'}` (`bench/harness/soak.py`); "
        f"every sample in `{meta['stem']}.json`. Tree {meta['version']}, binary built {meta['binary_built']}; "
        f"{meta['machine']}.",
        "",
        f"`pipelines/click-tracker.yaml`, ingest and broadcast in one process, on the shared broker (topic "
        f"`{meta['topic']}`, 3 partitions, linger 1 ms, `INGEST_RATE_LIMIT=0`). Load: `bench/tools/http_load`, open loop, "
        f"{CONNECTIONS} keep-alive connections, one click of about 150 bytes per request, latency counted from when each "
        "click was due. One WebSocket client (`bench/tools/ws_fanout`) stayed connected to broadcast and read every frame. "
        f"Every {SAMPLE_S} s: sluice's VmRSS, open fds and threads (/proc), the p99 and count of the requests answered in "
        f"those {SAMPLE_S} s, and broadcast's `{LAG}` summed over the partitions (admin endpoint `/metrics`).",
        "",
        f"Trends are least-squares lines over the {kept} samples after a warm-up of {meta['warmup_s']:.0f} s (60 s or "
        "10% of the run, whichever is longer), which is left out. A series is said to rise or fall only when its slope "
        "is more than 3 standard errors from zero and moves it by more than twice its scatter around the line; "
        "otherwise it is flat within noise.",
        "",
    ]
    if r["error"]:
        lines += [f"**The run stopped early:** {r['error'].splitlines()[0]}", ""]
    lines += ["## Verdicts", ""] + [f"- {t['verdict']}" for t in trends.values()] + [""]
    lines += ["| Series | First | Last | Min | Max | Slope per hour (± s.e.) | Change over the measured run | "
              "Smallest slope it could call | Trend |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for key, name, unit, fmt in SERIES:
        t = trends[key]
        if "slope_per_h" not in t:
            lines.append(f"| {name} ({unit}) | | | | | | | | too few samples |")
            continue
        f = lambda v: f"{v:,}" if isinstance(v, int) else fmt.format(v)
        signed = lambda v: ("+" if v >= 0 else "−") + fmt.format(abs(v))
        lines.append(f"| {name} ({unit}) | {f(t['first'])} | {f(t['last'])} | {f(t['min'])} | {f(t['max'])} | "
                     f"{signed(t['slope_per_h'])} ± {fmt.format(t['slope_se_per_h'])} | {signed(t['change'])} | "
                     f"{fmt.format(t['smallest_per_h'])} | {t['direction']} |")
    slow = [x for x in r["samples"] if x["rate"] < 0.95 * rate]
    lines += [
        "",
        "## Load and dashboard",
        "",
        f"- Requests: {total.get('scheduled', 0):,} scheduled, {total.get('ok', 0):,} answered 2xx "
        f"({total.get('ok', 0) / elapsed if elapsed > 0 else 0:,.0f} clicks/s over {elapsed:,.0f} s; target {rate:,.0f}), "
        f"statuses {total.get('statuses', {})}, {total.get('errors', 0)} connection errors, {total.get('unsent', 0)} never sent. "
        f"{len(slow)} of {len(r['samples'])} windows fell below 95% of the target rate.",
        f"- Dashboard client: {dash.get('outcome', 'no result')}; it got {dash.get('min_distinct', 0):,} of {r['expect']:,} "
        f"clicks, {dash.get('duplicates', 0)} duplicates, {dash.get('frames', 0):,} frames"
        + (", closed by the server" if dash.get("closed_by_server") else "") + ".",
        f"- Peak RSS (VmHWM) at the end: {r['peak_rss_mib']:.1f} MiB." if r["peak_rss_mib"] else "- Peak RSS: not read.",
        "",
        "## Samples",
        "",
        "| t (s) | RSS (MiB) | fds | threads | clicks/s 2xx | non-2xx | p50 (ms) | p99 (ms) | max (ms) | lag |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ms = lambda v: "" if v is None else f"{v:.2f}"
    count = lambda v: "" if v is None else f"{v:,.0f}"
    for x in r["samples"]:
        lines.append(f"| {x['t_s']:.0f}{' (warm-up)' if x['t_s'] - SAMPLE_S < meta['warmup_s'] - 0.5 else ''} | "
                     f"{x['rss_mib']:.2f} | {x['fds']} | {x['threads']} | {x['rate']:,.0f} | {x['non2xx']} | "
                     f"{ms(x['p50_ms'])} | {ms(x['p99_ms'])} | {ms(x['max_ms'])} | "
                     f"{count(x['lag'])} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(prog="bench/run --soak", description=__doc__)
    p.add_argument("duration", help="how long the load runs: 90s, 10m, 30m, 2h (at least 90s)")
    p.add_argument("--rate", type=float, default=5000, help="clicks per second, open loop (default 5000)")
    p.add_argument("--sluice", metavar="TREE", default=str(ROOT),
                   help="the source tree whose build/ to soak (default this one; bench/run then builds nothing there)")
    p.add_argument("--out", help="results file stem (default bench/results/<date>-soak-<duration>)")
    args = p.parse_args()
    label = args.duration
    try:
        args.duration = seconds_of(label)
    except ValueError as e:
        p.error(str(e))
    if args.duration < 90:
        p.error("the duration must be at least 90s: 60 s of warm-up, then enough samples for a trend")
    if args.rate <= 0:
        p.error("--rate must be positive")
    date = datetime.date.today().isoformat()
    stem = Path(args.out) if args.out else ROOT / "bench" / "results" / f"{date}-soak-{label}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    build = systems.Build("sluice", Path(args.sluice).resolve())
    for binary in (build.binary, loads.TOOLS / "http_load", loads.TOOLS / "ws_fanout"):
        if not binary.exists():
            p.error(f"{binary} is missing: bench/run --soak builds it")
    log_dir = tempfile.mkdtemp(prefix="sluice-soak-logs-")
    topic = "soak-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    warmup = warmup_of(args.duration)
    print(f"soak: {args.rate:,.0f} clicks/s for {label} ({args.duration:.0f} s, the first {warmup:.0f} s a warm-up); "
          f"process logs in {log_dir}", flush=True)

    r = run(args, build, topic, log_dir)
    trends, kept = summarise(r["samples"], warmup)
    meta = {"date": date, "duration_text": label, "duration_s": args.duration, "rate": args.rate, "topic": topic,
            "warmup_s": warmup, "sample_s": SAMPLE_S, "connections": CONNECTIONS, "stem": stem.name,
            "machine": machine(), "version": output(["git", "-C", str(build.root), "describe", "--always", "--dirty"]),
            # With --sluice the tree may have moved on since its binary was built: say when that was.
            "binary_built": datetime.datetime.fromtimestamp(build.binary.stat().st_mtime, datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC")}
    # Not with_suffix: a duration like 1.5h puts a dot in the stem.
    md, js = Path(f"{stem}.md"), Path(f"{stem}.json")
    js.write_text(json.dumps({**meta, "trends": trends, **r}, indent=1) + "\n")
    md.write_text(markdown(meta, r, trends, kept))
    print("\n".join(t["verdict"] for t in trends.values()))
    print(f"soak: wrote {md} and {js}", flush=True)
    if r["error"]:
        print(f"soak: {r['error']}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
