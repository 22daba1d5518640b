"""bench/results/<date>.md (the table people read) and <date>.json (every raw number)."""
import json

from cases import C1, C1L, C2, C4, C5, C6, SWITCHES, TARGET_LINGER
from instructions import C7, CLICK_RATE

TARGETS = [
    # (what, how to get the figure from the results, comparison, bound, unit shown)
    ("Single-event ingest ≥ 2× Benthos", lambda r: ratio(r, C1, "events/s", "benthos"), ">=", 2.0, "×"),
    ("Single-event ingest ≥ 30× the seed (Flask)", lambda r: ratio(r, C1, "events/s", "seed"), ">=", 30.0, "×"),
    ("Single-event ingest ≥ 50% of nginx-204 req/s", lambda r: ratio(r, C1, "events/s", "nginx-204"), ">=", 0.5, "×"),
    ("Batch ingest ≥ 250k events/s", lambda r: r.get(C2, "sluice", "events/s"), ">=", 250_000, " events/s"),
    ("Batch ingest ≥ 90% of Kafka's ProducerPerformance", lambda r: ratio(r, C2, "events/s", "kafka ProducerPerformance"), ">=", 0.9, "×"),
    ("Single-event ingest ≥ 2× Benthos in events per engine CPU-second",
     lambda r: ratio(r, C6, "1. single-event ingest (wrk)", "benthos"), ">=", 2.0, "×"),
    ("Single-event request p99 at 10k/s below Benthos's (Sluice ÷ Benthos)", lambda r: ratio(r, C1L, "p99 @10k/s", "benthos"), "<", 1.0, "×"),
    ("Click → dashboard p99 ≤ 25 ms at 10k events/s", lambda r: r.get(C4, "sluice", "p99 @10k/s"), "<=", 25.0, " ms"),
    ("Click → dashboard p99 at 10k/s below Benthos's (Sluice ÷ Benthos)", lambda r: ratio(r, C4, "p99 @10k/s", "benthos"), "<", 1.0, "×"),
    ("Click → dashboard p50 at 1k/s at or below Benthos's (Sluice ÷ Benthos)", lambda r: ratio(r, C4, "p50 @1k/s", "benthos"), "<=", 1.0, "×"),
    ("Click → dashboard ≥ 40,000 events per engine CPU-second at 10k/s",
     lambda r: r.get(C6, "sluice", "4. click → dashboard @10k/s"), ">=", 40_000, " events/CPU-s"),
    ("Transforms alone ≤ 5k instructions per event (callgrind)", lambda r: transforms(r), "<=", 5_000, " instructions"),
    (f"One click end to end in one process ≤ 30k instructions (callgrind, {CLICK_RATE}/s)",
     lambda r: r.get(C7, "sluice", f"one click, in process @{CLICK_RATE}/s"), "<=", 30_000, " instructions"),
    ("Idle RSS ≤ 20 MB (both click-tracker pipelines)", lambda r: r.get(C5, "sluice", "idle, ingest + broadcast running"), "<=", 20 * 1000**2 / 1024**2, " MiB"),
    ("RSS ≤ 150 MB under the fan-out case", lambda r: r.get(C5, "sluice", "peak in case 3, fan-out"), "<=", 150 * 1000**2 / 1024**2, " MiB"),
]


def transforms(results):
    """The highest count of the transform-only pipelines measured (one unless --pipeline named more)."""
    counts = [f.median() for f in results.all() if f.case == C7 and f.tool == "sluice" and f.metric.startswith("transforms") and f.values]
    return max(counts, default=None)


def ratio(results, case, metric, other):
    mine, theirs = results.get(case, "sluice", metric), results.get(case, other, metric)
    return mine / theirs if mine and theirs else None


def fmt(v, unit):
    if v is None:
        return "—"
    if unit in ("ms",):
        return f"{v:.2f}"
    if unit == "MiB":
        return f"{v:.1f}"
    if unit == SWITCHES:
        return f"{v:.2f}"
    return f"{v:,.0f}"


TOOLS = ["sluice", "benthos", "seed", "nginx-204", "kafka ProducerPerformance", "kafka ConsumerPerformance"]
LINGER = " · linger "  # "sluice · linger 0": a tool at a linger other than the targets' (cases.label)


def split(tool):
    """("sluice", " · linger 0") or ("sluice", "") at the targets' linger."""
    base, sep, ms = tool.partition(LINGER)
    return base, sep + ms


def tool_order(tool):
    """Each tool's other lingers right after it (sluice, sluice · linger 0, benthos, ...)."""
    base, suffix = split(tool)
    return (TOOLS.index(base) if base in TOOLS else 99, base, int(suffix[len(LINGER):]) if suffix else -1)


def ordered(results):
    """By case, then figure, then tool (Sluice first), whatever order they were measured in."""
    cases = []
    for f in results.all():
        if f.case not in cases:
            cases.append(f.case)
    cases.sort(key=lambda c: c.split(".")[0])  # stable: a case's parts keep their measured order
    metrics = []
    for f in results.all():
        if (f.case, f.metric) not in metrics:
            metrics.append((f.case, f.metric))
    return sorted(results.all(), key=lambda f: (cases.index(f.case), metrics.index((f.case, f.metric)), tool_order(f.tool)))


def headline(results):
    """One row per figure, one column per tool: the table the README quotes."""
    tools = sorted({f.tool for f in results.all()}, key=tool_order)
    rows = ["| Case | Figure | " + " | ".join(tools) + " |", "|---|---|" + "---:|" * len(tools)]
    seen = []
    for f in ordered(results):
        if (f.case, f.metric) in seen:
            continue
        seen.append((f.case, f.metric))
        cells = []
        for t in tools:
            g = results.figures.get((f.case, t, f.metric))
            if g is None:
                cells.append("")
            elif g.values:
                cells.append(fmt(g.median(), g.unit))
            else:
                cells.append("void" if g.void else "n/a")
        rows.append(f"| {f.case} | {f.metric} ({f.unit}) | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def table(results):
    rows = ["| Case | Tool | Figure | Median | Min – max | Reps | Ratio to Sluice |", "|---|---|---|---:|---:|---:|---:|"]
    for f in ordered(results):
        sluice = results.get(f.case, "sluice" + split(f.tool)[1], f.metric)  # Sluice at the same linger
        med = f.median()
        if f.values:
            figure = fmt(med, f.unit)
            span = f"{fmt(min(f.values), f.unit)} – {fmt(max(f.values), f.unit)}"
        else:
            figure = "**void**" if f.void else "n/a"
            span = ""
        rep_count = f"{len(f.values)}" + (f" (+{len(f.void)} void)" if f.void else "")
        own = split(f.tool)[0] == "sluice"
        r = f"{med / sluice:.2f}×" if med and sluice and not own else ("1.00×" if own and med else "")
        rows.append(f"| {f.case} | {f.tool} | {f.metric} ({f.unit}) | {figure} | {span} | {rep_count} | {r} |")
    return "\n".join(rows)


def lingers(results):
    """Each figure measured at another linger beside the same tool's at the targets' linger."""
    rows = [f"| Case | Tool | Figure | linger {TARGET_LINGER} ms | other linger | other ÷ {TARGET_LINGER} ms |",
            "|---|---|---|---:|---:|---:|"]
    for f in ordered(results):
        base, suffix = split(f.tool)
        g = results.figures.get((f.case, base, f.metric))
        if not suffix or g is None or not (f.values or f.void or g.values or g.void):  # not a note (n/a) only
            continue
        a, b = g.median(), f.median()
        shown = lambda x, fig: fmt(x, fig.unit) if x is not None else ("void" if fig.void else "n/a")
        r = f"{b / a:.2f}×" if a and b is not None else ""
        rows.append(f"| {f.case} | {base} | {f.metric} ({f.unit}) | {shown(a, g)} | {shown(b, f)} ({suffix[len(LINGER):]} ms) | {r} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def comparison(results, new, old):
    """Each figure both builds have, as new ÷ old. The spread is the min – max of the ratios of the
    repetitions (measured back to back, A B A B ...) when every repetition of both counted, else the
    widest ratio the two ranges allow. Instructions per event repeat exactly: one count, no spread."""
    rows = [f"| Case | Figure | {new} (new) | {old} (old) | new ÷ old | Spread | Better |",
            "|---|---|---:|---:|---:|---:|:---:|"]
    out = []
    for f in ordered(results):
        base, suffix = split(f.tool)
        if base != new:
            continue
        g = results.figures.get((f.case, old + suffix, f.metric))  # the old build at the same linger
        if not g or not f.values or not g.values or not all(g.values):
            continue
        r = f.median() / g.median()
        if len(f.values) == len(g.values) and not f.void and not g.void:
            per_rep = [a / b for a, b in zip(f.values, g.values)]
            lo, hi = min(per_rep), max(per_rep)
        else:
            lo, hi = min(f.values) / max(g.values), max(f.values) / min(g.values)
        if f.case == C7:
            spread = "exact (callgrind)"
        else:
            spread = "one repetition" if len(f.values) == 1 and len(g.values) == 1 else f"{lo:.3f} – {hi:.3f}"
        if f.case != C7 and len(f.values) == 1 and len(g.values) == 1:
            better = "—"  # one measurement each says nothing about noise
        elif r == 1 or (f.case != C7 and lo <= 1 <= hi):
            better = "neither (within the spread)" if r != 1 else "="
        else:
            better = "new" if (r < 1) == (f.better == "lower") else "old"
        rows.append(f"| {f.case} | {f.metric}{suffix} ({f.unit}) | {fmt(f.median(), f.unit)} | {fmt(g.median(), g.unit)} | "
                    f"{r:.3f} | {spread} | {better} |")
        out.append({"case": f.case, "metric": f.metric + suffix, "unit": f.unit, "new": f.median(), "old": g.median(),
                    "ratio": r, "ratio_min": lo, "ratio_max": hi, "better": f.better})
    return "\n".join(rows), out


def target_lines(results):
    out = ["| Target | Measured | Met |", "|---|---:|:---:|"]
    verdicts = []
    for what, compute, op, bound, unit in TARGETS:
        v = compute(results)
        if v is None:
            met = "no figure"
            shown = "—"
        else:
            ok = {">=": v >= bound, "<=": v <= bound, "<": v < bound}[op]
            met = "yes" if ok else "**no**"
            shown = f"{v:,.3f}{unit}" if unit == "×" else f"{v:,.2f}{unit}" if unit.strip() in ("ms", "MiB") else f"{v:,.0f}{unit}"
        out.append(f"| {what} | {shown} | {met} |")
        verdicts.append({"target": what, "value": v, "bound": bound, "op": op, "met": met == "yes"})
    return "\n".join(out), verdicts


def voids(results):
    lines = []
    for f in ordered(results):
        for reason in f.void:
            lines.append(f"- {f.case} / {f.tool} / {f.metric}: {reason}")
        if f.note:
            lines.append(f"- {f.case} / {f.tool}: {f.note}")
    return "\n".join(lines) or "- none"


def load(json_path):
    """The Results and meta of an earlier run, to render its file again."""
    from results import Results
    data = json.loads(json_path.read_text())
    results = Results()
    for d in data["figures"]:
        f = results.figure(d["case"], d["tool"], d["metric"], d["unit"], d["better"])
        f.values, f.void, f.note, f.details = d["values"], d["void"], d["note"], d["details"]
    return results, data["meta"]


def write(results, meta, md_path, json_path):
    targets_md, verdicts = target_lines(results)
    # A comparison runs only Sluice's builds: the targets, set against the baselines, do not apply.
    judged = f"Judged at linger {TARGET_LINGER} ms, the setting every tool shares.\n\n" if meta.get("lingers") else ""
    targets_md = "" if meta.get("compare") else f"## Targets\n{judged}{targets_md}\n"
    data = {"meta": meta, "targets": verdicts, "figures": [f.as_dict() for f in results.all()]}
    compare_md = ""
    if meta.get("compare"):
        c = meta["compare"]
        table_md, data["comparison"] = comparison(results, c["new"], c["old"])
        compare_md = f"""
## This build against {c['ref']} ({c['old_version']})
Both builds ran in this one run, alternating repetition by repetition. A ratio below 1 is less
of the figure in the new build (better for latency, memory, switches and instructions; worse for
throughput). The last column names the build ahead only when every repetition's ratio agrees;
instructions per event are exact, so any difference there is real.

{table_md}
"""
    json_path.write_text(json.dumps(data, indent=1))
    # Why targets were missed is written by a person, after profiling, beside the results.
    notes = md_path.with_name(md_path.stem + ".notes.md")
    analysis = notes.read_text().strip() if notes.exists() else (
        f"(bench/run measures; it does not explain. Whoever commits this result writes what profiling found for each "
        f"missed target in `{notes.name}`; `bench/run --render bench/results/{json_path.name}` puts it here.)")
    linger_md = lingers(results)
    if linger_md:
        linger_md = f"""
## Linger {TARGET_LINGER} ms and the others, tool by tool
The targets are judged at linger {TARGET_LINGER} ms (every tool's plain name). The same tools ran at
the other linger in the same run, interleaved with them; a ratio below 1 is less of the figure
there (lower latency, or lower throughput).

{linger_md}
"""
    other_reps = meta.get("other_linger_reps")
    reps_note = f" ({other_reps} at the other lingers)" if other_reps and other_reps != meta["reps"] else ""
    settings = "\n".join(f"- {k}: {v}" for k, v in meta["settings"].items())
    versions = "\n".join(f"- {k}: {v}" for k, v in meta["versions"].items())
    md_path.write_text(f"""# Sluice benchmark, {meta['date']}{' (quick)' if meta['quick'] else ''}

Written by `bench/run{' --quick' if meta['quick'] else ''}`; raw numbers in `{json_path.name}`.
Machine: {meta['machine']}. Everything (broker, engines, load generators) shares those cores.
Each figure is the median of {meta['reps']} repetitions{reps_note} run interleaved across tools after a warm-up,
with the min – max beside it. Ratio to Sluice = the tool's median ÷ Sluice's (for latency and
memory, above 1 means worse than Sluice).
{compare_md}
## Settings every tool runs with
{settings}

## Versions
{versions}

{targets_md}
## Headline (medians)
{headline(results)}

## Results
{table(results)}
{linger_md}
## Void runs and cases a tool cannot run
{voids(results)}

## Where targets are missed, and why
{analysis}
""")
