"""The load generators and the parsers of what they print: wrk (closed loop), http_load (open
loop, bench/tools), ws_fanout (WebSocket clients, bench/tools), and Kafka's own perf tools."""
import json
import os
import re
import subprocess
from pathlib import Path

from procs import ROOT

TOOLS = ROOT / "build-bench"
CACHE = Path(os.environ.get("SLUICE_BENCH_CACHE", Path.home() / ".cache" / "sluice-bench"))
WRK_SCRIPT = ROOT / "bench" / "wrk" / "post_body.lua"


def click(seq, bts=0, size=150):
    """One click of `size` bytes of JSON, padded; bseq and bts as http_load sends them."""
    line = json.dumps({"page": f"/bench/{seq % 8}", "clickNumber": seq, "bseq": seq, "bts": bts, "pad": ""}, separators=(",", ":"))
    return line[:-2] + "x" * max(0, size - len(line)) + '"}'


def body_file(path, batch):
    """One request body: a single click, or NDJSON of `batch` clicks."""
    lines = [click(i) for i in range(batch)]
    Path(path).write_text("\n".join(lines) + ("\n" if batch > 1 else ""))
    return path


def wrk(url, seconds, connections, body, content_type):
    env = {**os.environ, "BENCH_BODY_FILE": str(body), "BENCH_CONTENT_TYPE": content_type}
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(WRK_SCRIPT), url],
                         env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if not m:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    requests = int(m.group(1))
    elapsed = float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
    non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1)) if "Non-2xx" in out else 0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"requests": requests, "elapsed_s": elapsed, "non2xx": non2xx, "socket_errors": errors,
            "ok": requests - non2xx}


def http_load(url, rate, seconds, connections, first_seq, batch=1, warmup=1, drain=10):
    out = subprocess.run([TOOLS / "http_load", "--target", url, "--rate", str(rate), "--duration", str(seconds),
                          "--connections", str(connections), "--first-seq", str(first_seq), "--batch", str(batch),
                          "--warmup", str(warmup), "--drain", str(drain), "--pad", "60"],
                         capture_output=True, text=True, timeout=seconds + drain + 60)
    if out.returncode != 0:
        raise RuntimeError(f"http_load failed: {out.stderr}")
    return json.loads(out.stdout)


class WsClients:
    """ws_fanout in the background: start it, wait for READY, do the load, then collect."""

    def __init__(self, url, clients, expect, first_seq, slow=0, timeout=120, timed_from=0, idle=10, timed=1):
        self.popen = subprocess.Popen([TOOLS / "ws_fanout", "--url", url, "--clients", str(clients), "--slow", str(slow),
                                       "--expect", str(expect), "--first-seq", str(first_seq), "--timeout", str(timeout),
                                       "--timed-from", str(timed_from), "--idle", str(idle), "--timed", str(timed)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.popen.stdout.readline().strip()
        if line != "READY":
            rest = self.popen.stdout.read()
            raise RuntimeError(f"ws_fanout did not connect: {line} {rest} {self.popen.stderr.read()}")

    def result(self):
        out = self.popen.stdout.read()
        self.popen.wait()
        return json.loads(out)


def kafka_java(main_class, args):
    cp = str(CACHE / "kafka-tools" / "*")
    out = subprocess.run(["java", "-Xmx512m", "-cp", cp, main_class, *args], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{main_class} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def producer_performance(topic, records, size, props):
    out = kafka_java("org.apache.kafka.tools.ProducerPerformance",
                     ["--topic", topic, "--num-records", str(records), "--record-size", str(size), "--throughput", "-1",
                      "--producer-props", *props])
    last = [l for l in out.splitlines() if "records sent" in l][-1]
    return {"records": int(last.split()[0]), "events_per_s": float(re.search(r"([\d.]+) records/sec", last).group(1))}


def consumer_performance(topic, messages):
    out = kafka_java("org.apache.kafka.tools.ConsumerPerformance",
                     ["--bootstrap-server", "127.0.0.1:9092", "--topic", topic, "--messages", str(messages),
                      "--timeout", "60000"])
    header, row = [l for l in out.splitlines() if l.strip()][-2:]
    fields = dict(zip([h.strip() for h in header.split(",")], [v.strip() for v in row.split(",")]))
    return {"messages": int(fields["data.consumed.in.nMsg"]), "events_per_s": float(fields["fetch.nMsg.sec"])}
