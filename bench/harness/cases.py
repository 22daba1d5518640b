"""The benchmark's cases. Each starts every tool it compares, warms each up once, then runs the
repetitions interleaved (A, B, C, A, B, C, ...) so a slow minute of the machine hits every tool
alike. A repetition whose events did not all arrive is recorded as void, with the reason.

Linger: the cases whose figures hang on the producer (1, 2 and 4: every event goes through a Kafka
producer and its answer or its delivery waits for it) run each tool once per linger of --lingers,
interleaved with the others. A tool at TARGET_LINGER keeps its plain name (the targets are judged
there); at any other linger it is "sluice · linger 0" and so on. Case 3 only consumes: no linger."""
import time

import kafka_topics
import loads
import systems

C1 = "1. HTTP ingest → Kafka, single events (wrk, 64 conns)"
C1L = "1. HTTP ingest → Kafka, request latency at a fixed open-loop rate"
C2 = "2. HTTP batch ingest → Kafka (NDJSON, 100 events/request)"
C3 = "3. Kafka → WebSocket, 1 client"
C3F = "3. Kafka → WebSocket, fan-out to 1,000 clients + 1 slow"
C4 = "4. Click → dashboard, end to end"
C5 = "5. Memory (RSS)"
C6 = "6. Engine CPU"

SHORT = {C1: "1. single-event ingest (wrk)", C1L: "1. single-event requests, open loop", C2: "2. batch ingest", C3: "3. Kafka → 1 WebSocket client",
         C3F: "3. fan-out to 1,000 clients", C4: "4. click → dashboard"}

TARGET_LINGER = 1  # ms: the targets hold every tool to the same acks=all, idempotence, linger 1 ms
BASELINES = ("benthos", "seed")
PRODUCER_PERF = "kafka ProducerPerformance"
VOL, INVOL, SWITCHES = "voluntary context switches", "involuntary context switches", "per event"


def kafka_props(linger=TARGET_LINGER):
    return ["bootstrap.servers=127.0.0.1:9092", "acks=all", "enable.idempotence=true", f"linger.ms={linger}"]


def label(tool, linger):
    """The name a tool's figures go under at this linger: the plain name at the targets' linger."""
    return tool if linger == TARGET_LINGER else f"{tool} · linger {linger}"


class Window:
    """A system's CPU time and context switches over one measured run (load and drain only)."""

    def __init__(self, system):
        self.system = system
        self.cpu0 = system.cpu_seconds()
        self.vol0, self.invol0, self.threads0 = system.switches()

    def end(self):
        self.cpu = self.system.cpu_seconds() - self.cpu0
        vol, invol, threads = self.system.switches()
        self.vol, self.invol = vol - self.vol0, invol - self.invol0
        # Threads that ended in the window took their switches with them (see Proc.switches).
        self.threads_ended, self.threads_started = len(self.threads0 - threads), len(threads - self.threads0)
        return self


class Bench:
    """`builds`: the Sluice builds to measure ({tool name: systems.Build}); with two (--compare), only
    those run, interleaved, and the baselines (Benthos, the seed, nginx, Kafka's tools) are left out."""

    def __init__(self, results, quick, reps, log_dir, prefix, builds=None, pipelines=(), lingers=(TARGET_LINGER,),
                 other_linger_reps=None):
        self.r, self.quick, self.reps, self.log_dir, self.prefix = results, quick, reps, log_dir, prefix
        self.pipelines = pipelines  # case 7: measure these pipelines' transforms only
        self.builds = builds or {"sluice": systems.Build("sluice", systems.ROOT)}
        self.baselines = len(self.builds) == 1
        self.tools = tuple(self.builds) + (BASELINES if self.baselines else ())
        # Cases 1, 2 and 4: every tool at every linger, {label: (tool, linger)}, all tools at one linger
        # before the next, so the interleaving puts sluice and sluice · linger 0 a few runs apart.
        self.lingers = tuple(lingers)
        self.variants = {label(t, l): (t, l) for l in self.lingers for t in self.tools}
        # A linger other than the targets' may run fewer repetitions, to keep a full run in budget.
        self.other_linger_reps = min(reps, other_linger_reps if other_linger_reps is not None else reps)
        self.seconds = 2 if quick else 10
        self.warmup = 1 if quick else 3
        self.topics = []
        self.next_seq = 1_000_000

    def topic(self, name):
        # Kafka takes ASCII letters, digits, '.', '_' and '-' only (a compared build is sluice@HEAD~1).
        t = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in f"{self.prefix}-{name}")
        kafka_topics.create([t])
        self.topics.append(t)
        return t

    def reps_of(self, variant):
        """Repetitions of a label of `variants` (or of a plain tool, or of a linger in ms)."""
        linger = variant if isinstance(variant, int) else self.variants.get(variant, (variant, TARGET_LINGER))[1]
        return self.reps if linger == TARGET_LINGER else self.other_linger_reps

    def seqs(self, n):
        first = self.next_seq
        self.next_seq += n + 1000
        return first

    def start(self, variant, role, name, **kw):
        """`variant`: a tool, or a label of `variants` (that tool at that linger)."""
        print(f"  starting {variant} ({role})", flush=True)
        if variant == "nginx-204":
            return systems.nginx(self.log_dir)
        tool, linger = self.variants.get(variant, (variant, TARGET_LINGER))
        if tool in self.builds:
            return systems.sluice(role, self.topic(name), self.log_dir, self.builds[tool], linger=linger)
        return systems.STARTERS[tool](role, self.topic(name), self.log_dir, linger=linger, **kw)

    def tool_of(self, variant):
        return self.variants.get(variant, (variant, None))[0]

    def per_event(self, case, tool, events, window, suffix=""):
        """Engine CPU and context switches per event of one measured run. Not for nginx: its
        workers are child processes, which /proc/PID of the master does not cover."""
        if tool == "nginx-204" or events <= 0:
            return
        if window.cpu > 0:
            self.r.add(C6, tool, SHORT[case] + suffix, "events/CPU-s", events / window.cpu)
        detail = {"events": events, "voluntary": window.vol, "involuntary": window.invol,
                  "threads_ended": window.threads_ended, "threads_started": window.threads_started}
        self.r.add(case, tool, VOL + suffix, SWITCHES, window.vol / events, better="lower", detail=detail)
        self.r.add(case, tool, INVOL + suffix, SWITCHES, window.invol / events, better="lower")
        if window.threads_ended:
            self.r.note(case, tool, VOL + suffix, SWITCHES, f"switches undercounted: {window.threads_ended} threads ended during "
                        f"a measured run and took their counts along ({window.threads_started} started)", better="lower")

    def peak(self, label, started):
        for tool, s in started.items():
            if s.system.procs:
                self.r.add(C5, tool, f"peak in {label}", "MiB", s.system.peak_rss_mib(), better="lower")


def stop_all(started):
    for s in started.values():
        s.system.stop()


def closed_loop_ingest(b, case, started, path, batch, content_type, also=None):
    """wrk against each tool in turn; the topic must grow by at least what was answered 2xx.
    `also(rep)`, when given, runs in each repetition after the tools (a ceiling measured alike)."""
    body = loads.body_file(f"{b.log_dir}/body-{batch}.txt", batch)
    for tool, s in started.items():
        loads.wrk(f"http://{s.http}{path}", b.warmup, 64, body, content_type)
    for rep in range(b.reps):
        for tool, s in started.items():
            if rep >= b.reps_of(tool):
                continue
            s.system.check_alive()
            before = kafka_topics.count(s.topic) if s.topic else 0
            window = Window(s.system)
            w = loads.wrk(f"http://{s.http}{path}", b.seconds, 64, body, content_type)
            window.end()
            events = w["ok"] * batch
            detail = {"rep": rep, **w}
            if s.topic:
                stored = kafka_topics.count(s.topic) - before
                detail["stored"] = stored
                slack = (2 * 64 + w["non2xx"] + w["socket_errors"]) * batch
                if stored < events:
                    b.r.void(case, tool, "events/s", "events/s", f"rep {rep}: {events} answered 2xx but {stored} in Kafka", detail=detail)
                    continue
                if stored > events + slack:
                    b.r.void(case, tool, "events/s", "events/s", f"rep {rep}: {stored} in Kafka, more than the {events} answered + {slack} in flight", detail=detail)
                    continue
            elif w["non2xx"]:
                b.r.void(case, tool, "events/s", "events/s", f"rep {rep}: {w['non2xx']} non-2xx answers", detail=detail)
                continue
            b.r.add(case, tool, "events/s", "events/s", events / w["elapsed_s"], detail=detail)
            b.per_event(case, tool, events, window)
            print(f"  {tool} rep {rep}: {events / w['elapsed_s']:,.0f} events/s "
                  f"({w['non2xx']} non-2xx, {w['socket_errors']} socket errors)", flush=True)
        if also:
            also(rep)


def open_loop_latency(b, case, started, rate):
    """http_load at a fixed rate: every request must be answered 2xx and be in Kafka."""
    for tool, s in started.items():
        loads.http_load(f"{s.http}/click", min(rate, 1000), b.warmup, 64, b.seqs(rate * b.warmup))
    metric = f"@{rate // 1000}k/s"
    for rep in range(b.reps):
        for tool, s in started.items():
            if rep >= b.reps_of(tool):
                continue
            s.system.check_alive()
            before = kafka_topics.count(s.topic) if s.topic else 0
            window = Window(s.system)
            h = loads.http_load(f"{s.http}/click", rate, b.seconds, 64, b.seqs(rate * b.seconds), drain=5)
            window.end()
            detail = {"rep": rep, **h}
            stored = kafka_topics.count(s.topic) - before if s.topic else h["ok"]
            detail["stored"] = stored
            if h["ok"] != h["scheduled"]:
                b.r.void(case, tool, f"p50 {metric}", "ms", f"rep {rep}: could not keep up, {h['ok']} of {h['scheduled']} answered 2xx "
                         f"in time (statuses {h['statuses']})", better="lower", detail=detail)
                continue
            if stored < h["ok"]:
                b.r.void(case, tool, f"p50 {metric}", "ms", f"rep {rep}: {h['ok']} answered but {stored} in Kafka", better="lower", detail=detail)
                continue
            lat = h["latency"]
            b.r.add(case, tool, f"p50 {metric}", "ms", lat["p50_us"] / 1000, better="lower", detail=detail)
            b.r.add(case, tool, f"p99 {metric}", "ms", lat["p99_us"] / 1000, better="lower")
            b.per_event(case, tool, h["ok"], window, suffix=f" {metric}")
            print(f"  {tool} rep {rep}: p50 {lat['p50_us'] / 1000:.2f} ms, p99 {lat['p99_us'] / 1000:.2f} ms", flush=True)


def case1(b):
    print(f"== {C1}", flush=True)
    started = {}  # filled inside the try: a tool that fails to start must not leave the others running
    try:
        for t in b.variants:
            started[t] = b.start(t, "ingest", f"c1-{t}")
        if b.baselines:
            started["nginx-204"] = b.start("nginx-204", "ingest", "")
        closed_loop_ingest(b, C1, started, "/click", 1, "application/json")
        rate = 10000
        print(f"== {C1L} ({rate}/s)", flush=True)
        open_loop_latency(b, C1L, started, rate)
        b.peak("case 1", {t: s for t, s in started.items() if t != "nginx-204"})
    finally:
        stop_all(started)


def case2(b):
    print(f"== {C2}", flush=True)
    if b.baselines:
        for linger in b.lingers:
            b.r.note(C2, label("seed", linger), "events/s", "events/s", "n/a: the seed's API has no batch endpoint")
    records = 500_000 if b.quick else 3_000_000

    def producer_performance(rep):
        for linger in b.lingers:
            if rep >= b.reps_of(linger):
                continue
            tool = label(PRODUCER_PERF, linger)
            p = loads.producer_performance(b.topic(f"c2-producer-perf-{linger}-{rep}"), records, 150, kafka_props(linger))
            b.r.add(C2, tool, "events/s", "events/s", p["events_per_s"], detail=p)
            print(f"  {tool} rep {rep}: {p['events_per_s']:,.0f} events/s", flush=True)

    started = {}
    try:
        for t in b.variants:
            if b.tool_of(t) != "seed":
                started[t] = b.start(t, "ingest", f"c2-{t}", **({"batch": True} if b.tool_of(t) == "benthos" else {}))
        closed_loop_ingest(b, C2, started, "/clicks", 100, "application/x-ndjson",
                           also=producer_performance if b.baselines else None)
        b.peak("case 2", started)
    finally:
        stop_all(started)


def click_lines(first, n):
    return [loads.click(first + i) for i in range(n)]


def broadcast_run(b, case, tool, s, clients, slow, n, rep, warm=0):
    """`warm` events first (they must arrive, but are not timed), then `n` timed ones."""
    first = b.seqs(warm + n)
    ws = loads.WsClients(f"{s.ws}/", clients, warm + n, first, slow=slow, timeout=60 if b.quick else 180, timed_from=first + warm)
    window = Window(s.system)
    if warm:
        kafka_topics.produce_lines(s.topic, click_lines(first, warm))
    kafka_topics.produce_lines(s.topic, click_lines(first + warm, n))
    w = ws.result()
    window.end()
    metric = "events/s" if clients == 1 else "deliveries/s"
    detail = {"rep": rep, **w}
    if w["outcome"] != "complete" or w["min_distinct"] != warm + n:
        b.r.void(case, tool, metric, metric, f"rep {rep}: {w['outcome']}, {w['complete']} of {clients} clients got all {warm + n} "
                 f"(fewest {w['min_distinct']})", detail=detail)
        return
    timed = w["deliveries"] * n // (warm + n)  # deliveries of the timed events only
    b.r.add(case, tool, metric, metric, timed / w["elapsed_s"], detail=detail)
    b.per_event(case, tool, warm + n, window)
    slow_state = "; slow client: " + ", ".join(f"got {c['distinct']}, {'disconnected by server' if c['closed_by_server'] else 'still connected'}"
                                               for c in w["slow"]) if w["slow"] else ""
    print(f"  {tool} rep {rep}: {timed / w['elapsed_s']:,.0f} {metric}, {w['duplicates']} duplicates{slow_state}", flush=True)


def case3(b):
    """Every repetition starts each tool afresh with its clients connected through a warm-up and the
    measured run (see case4 for why a client must not leave in between)."""
    print(f"== {C3}", flush=True)
    n = 20_000 if b.quick else 200_000
    warm = n // 10
    if b.baselines:
        ceiling = b.topic("c3-consumer-perf")
        loads.producer_performance(ceiling, n, 150, kafka_props())
    for rep in range(b.reps):
        for tool in b.tools:
            s = b.start(tool, "broadcast", f"c3-{tool}-{rep}")
            try:
                broadcast_run(b, C3, tool, s, 1, 0, n, rep, warm=warm)
            finally:
                s.system.stop()
        if not b.baselines:
            continue
        c = loads.consumer_performance(ceiling, n)
        b.r.add(C3, "kafka ConsumerPerformance", "events/s", "events/s", c["events_per_s"], detail=c)
        print(f"  ConsumerPerformance rep {rep}: {c['events_per_s']:,.0f} events/s", flush=True)

    print(f"== {C3F}", flush=True)
    if b.baselines:
        b.r.note(C3F, "benthos", "deliveries/s", "deliveries/s",
                 "n/a: Benthos's http_server output gives each message to one connected client, it does not broadcast")
    n = 500 if b.quick else 2_000
    for rep in range(b.reps):
        for tool in (t for t in b.tools if t != "benthos"):
            s = b.start(tool, "broadcast", f"c3f-{tool}-{rep}")
            try:
                broadcast_run(b, C3F, tool, s, 1000, 1, n, rep, warm=n // 4)
                if rep == b.reps - 1:
                    b.peak("case 3, fan-out", {tool: s})
            finally:
                s.system.stop()


def case4(b):
    """Each repetition starts every tool afresh on a new topic with one dashboard client, which stays
    connected through a warm-up and the measured run: Benthos's WebSocket output keeps handing
    messages to clients that have gone (they are lost), so a client that leaves would void the next run."""
    print(f"== {C4}", flush=True)
    for i, rate in enumerate((1000, 10000)):
        for rep in range(b.reps):
            for tool in b.variants:
                if rep >= b.reps_of(tool):
                    continue
                s = b.start(tool, "e2e", f"c4-{tool}-{rate}-{rep}")
                try:
                    if i == 0 and rep == 0:
                        samples = []
                        for _ in range(10):
                            samples.append(s.system.rss_mib())
                            time.sleep(0.2)
                        b.r.add(C5, tool, "idle, ingest + broadcast running", "MiB", max(samples), better="lower")
                    e2e_run(b, C4, tool, s, rate, rep)
                    if rep == b.reps - 1:
                        b.r.add(C5, tool, f"peak in case 4 @{rate // 1000}k/s", "MiB", s.system.peak_rss_mib(), better="lower")
                finally:
                    s.system.stop()


def e2e_run(b, case, tool, s, rate, rep):
    warm, n = rate * b.warmup, rate * b.seconds
    first = b.seqs(warm + n)
    ws = loads.WsClients(f"{s.ws}/", 1, warm + n, first, timeout=b.seconds + b.warmup + 60, timed_from=first + warm)
    window = Window(s.system)
    h = loads.http_load(f"{s.http}/click", rate, b.warmup + b.seconds, 64, first, warmup=b.warmup, drain=10)
    w = ws.result()
    window.end()
    metric = f"@{rate // 1000}k/s"
    detail = {"rep": rep, "http_load": h, "ws": w}
    if h["ok"] != h["scheduled"]:
        b.r.void(case, tool, f"p50 {metric}", "ms", f"rep {rep}: could not keep up, {h['ok']} of {h['scheduled']} clicks answered 2xx "
                 f"(statuses {h['statuses']})", better="lower", detail=detail)
        return
    if w["outcome"] != "complete" or w["min_distinct"] != warm + n:
        b.r.void(case, tool, f"p50 {metric}", "ms", f"rep {rep}: the dashboard client got {w['min_distinct']} of {warm + n} clicks "
                 f"({w['outcome']})", better="lower", detail=detail)
        return
    lat = w["latency"]
    b.r.add(case, tool, f"p50 {metric}", "ms", lat["p50_us"] / 1000, better="lower", detail=detail)
    b.r.add(case, tool, f"p99 {metric}", "ms", lat["p99_us"] / 1000, better="lower")
    b.r.add(case, tool, f"p99.9 {metric}", "ms", lat["p999_us"] / 1000, better="lower")
    b.per_event(case, tool, warm + n, window, suffix=f" {metric}")
    print(f"  {tool} rep {rep} {metric}: p50 {lat['p50_us'] / 1000:.2f} ms, p99 {lat['p99_us'] / 1000:.2f} ms, "
          f"p99.9 {lat['p999_us'] / 1000:.2f} ms", flush=True)


CASES = {"1": case1, "2": case2, "3": case3, "4": case4}
