#!/usr/bin/python3
"""The click tracker's metrics end to end, with real parts: the real `sluice run
pipelines/click-tracker.yaml` against the real Kafka broker (127.0.0.1:9092), its admin endpoint,
Debian's prometheus_client parser and a real Prometheus server that scrapes it.

  1. N clicks are posted; each is answered once Kafka has it (ack: delivered).
  2. /metrics, parsed by prometheus_client, shows every counter on the path moved by exactly N:
     http requests (per code), the ingest source, transforms and kafka sink, the broadcast kafka
     source; and the plugins' own series (websocket clients, kafka producer queue, event ages).
  3. Prometheus (started here on a free port, scrape_interval 1s) answers its query API with N for
     sluice_component_received_events_total of the ingest source.
  4. A pipeline whose Kafka sink points at a closed port: /ready is 503 and names the kafka sink;
     /health stays 200.
Every wait polls a condition with a deadline; nothing sleeps a fixed time.

Usage: click_tracker_metrics_test.py SLUICE_BINARY SOURCE_DIR
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from prometheus_client.parser import text_string_to_metric_families

SLUICE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/bin/sluice"
ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.getcwd()
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
N = 25


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(check, timeout=30.0, what="condition"):
    """Polls `check` until it returns something truthy; fails with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, urllib.error.URLError, ValueError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def http(method, url, body=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.headers, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


class Sluice:
    """`sluice run FILE` with its admin endpoint on a free port (read from its log line)."""

    def __init__(self, file, env):
        self.log_path = tempfile.mktemp(prefix="sluice-metrics-test-", suffix=".log")
        self.log_file = open(self.log_path, "w+")
        self.proc = subprocess.Popen([SLUICE, "run", file], cwd=ROOT, env={**os.environ, **env},
                                     stdout=subprocess.DEVNULL, stderr=self.log_file)
        self.admin = None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_admin(self):
        def port():
            if self.proc.poll() is not None:
                raise AssertionError(f"sluice exited with {self.proc.returncode}:\n{self.log()}")
            m = re.search(r"admin endpoint listening on http://127\.0\.0\.1:(\d+)", self.log())
            return m and int(m.group(1))
        self.admin = f"http://127.0.0.1:{eventually(port, what='the admin endpoint log line')}"
        return self.admin

    def metrics(self):
        status, headers, text = http("GET", self.admin + "/metrics")
        assert status == 200, (status, text)
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", headers["Content-Type"]
        return text

    def stop(self):
        """Stops it as Ctrl-C does; returns its exit status and log. A sanitizer build's reports
        (AddressSanitizer, UBSan's "runtime error:") fail the test."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = self.log()
        self.log_file.close()
        os.unlink(self.log_path)
        assert "AddressSanitizer" not in log and "runtime error:" not in log, log
        return self.proc.returncode, log


def samples(text):
    """{(sample name, frozenset(labels)): value}, from prometheus_client's parser (it raises on any
    line that is not valid text format 0.0.4)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(parsed, name, **labels):
    """The value of the one series of `name` whose labels include `labels`; None when there is none."""
    found = [v for (n, ls), v in parsed.items() if n == name and set(labels.items()) <= set(ls)]
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} series"
    return found[0] if found else None


class ClickTrackerMetrics(unittest.TestCase):
    def test_counters_move_by_exactly_n_and_prometheus_scrapes_them(self):
        run = uuid.uuid4().hex[:12]
        ingest = free_port()
        env = {
            "INGEST_LISTEN": f"127.0.0.1:{ingest}",
            "WS_LISTEN": f"127.0.0.1:{free_port()}",
            "INGEST_RATE_LIMIT": "0",
            "CLICKS_TOPIC": f"metrics-test-{run}",
            "CLICKS_DLQ_TOPIC": f"metrics-test-dlq-{run}",
            "BROADCAST_GROUP": f"metrics-test-{run}",
        }
        sluice = Sluice("pipelines/click-tracker.yaml", env)
        prometheus = None
        storage = tempfile.mkdtemp(prefix="sluice-prometheus-")
        try:
            admin = sluice.wait_admin()
            # Ready once both pipelines run and the Kafka sink has its topic.
            eventually(lambda: http("GET", admin + "/ready")[0] == 200, what="/ready 200")

            codes = []
            for i in range(N):
                status, _, body = http("POST", f"http://127.0.0.1:{ingest}/click",
                                       json.dumps({"page": "/metrics-test", "clickNumber": i}).encode(),
                                       {"Content-Type": "application/json"})
                self.assertLess(status, 300, body)
                codes.append(status)
            self.assertEqual(len(set(codes)), 1, codes)
            code = str(codes[0])

            # The broadcast pipeline reads them back from Kafka; wait until it has all N.
            def broadcast_has_all():
                p = samples(sluice.metrics())
                got = value(p, "sluice_component_received_events_total", pipeline="broadcast",
                            component="source kafka")
                return p if got == N else None
            p = eventually(broadcast_has_all, what=f"the broadcast source to receive {N}")

            def counter(name, **labels):
                v = value(p, name, **labels)
                self.assertIsNotNone(v, f"no series {name}{labels}")
                return v
            received = "sluice_component_received_events_total"
            sent = "sluice_component_sent_events_total"
            self.assertEqual(counter("sluice_http_requests_total", pipeline="ingest", code=code), N)
            self.assertEqual(counter("sluice_http_request_duration_seconds_count", pipeline="ingest"), N)
            self.assertEqual(counter(received, pipeline="ingest", component="source http"), N)
            self.assertEqual(counter(received, pipeline="ingest", component="transforms[0] json_validate"), N)
            self.assertEqual(counter(received, pipeline="ingest", component="transforms[1] enrich"), N)
            self.assertEqual(counter(received, pipeline="ingest", component="sinks[0] kafka"), N)
            self.assertEqual(counter(sent, pipeline="ingest", component="sinks[0] kafka"), N)
            self.assertEqual(counter(received, pipeline="broadcast", component="source kafka"), N)
            self.assertEqual(counter(received, pipeline="broadcast", component="transforms[0] json_validate"), N)
            self.assertEqual(counter("sluice_kafka_delivery_errors_total", pipeline="ingest"), 0)
            # The plugins' gauges and histograms are there (no dashboard is connected).
            self.assertEqual(counter("sluice_websocket_clients", pipeline="broadcast"), 0)
            self.assertIsNotNone(value(p, "sluice_kafka_producer_queue_messages", pipeline="ingest"))
            # Each click reached the websocket sink with its receivedAt: one age each.
            self.assertEqual(counter("sluice_websocket_event_age_seconds_count", pipeline="broadcast"), N)

            # The consumer has read everything: a lag series per partition of the topic (3), each 0
            # once refreshed (once a second).
            def caught_up():
                lags = [v for (n, ls), v in samples(sluice.metrics()).items()
                        if n == "sluice_kafka_consumer_lag_messages" and ("topic", env["CLICKS_TOPIC"]) in ls]
                return len(lags) == 3 and all(v == 0 for v in lags)
            eventually(caught_up, what="a zero consumer lag on each of the topic's 3 partitions")

            # A real Prometheus scrapes the admin endpoint.
            prom_port = free_port()
            config = os.path.join(storage, "prometheus.yml")
            with open(config, "w") as f:
                f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                        "scrape_configs:\n  - job_name: sluice\n"
                        f"    static_configs:\n      - targets: ['{admin[len('http://'):]}']\n")
            prometheus = subprocess.Popen(
                [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={os.path.join(storage, 'data')}",
                 f"--web.listen-address=127.0.0.1:{prom_port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            query = 'sluice_component_received_events_total{pipeline="ingest",component="source http",type="http"}'
            url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": query})

            def prometheus_value():
                if prometheus.poll() is not None:
                    raise AssertionError(f"prometheus exited with {prometheus.returncode}")
                status, _, body = http("GET", url)
                if status != 200:
                    return None
                result = json.loads(body)["data"]["result"]
                return result and result[0]["value"][1]
            self.assertEqual(eventually(prometheus_value, what="Prometheus to scrape the tracker"), str(N))
        finally:
            if prometheus is not None:
                prometheus.terminate()
                prometheus.wait(timeout=30)
            shutil.rmtree(storage, ignore_errors=True)
            code, log = sluice.stop()
        self.assertEqual(code, 0, log)

    def test_ready_names_a_kafka_sink_that_cannot_deliver(self):
        closed = free_port()  # nothing listens there
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(f"""engine:
  admin: {{ listen: "127.0.0.1:0" }}
  shutdown_timeout: 1s
pipelines:
  out:
    source: {{ type: generator, rate: 1 }}
    sinks:
      - type: kafka
        brokers: [ "127.0.0.1:{closed}" ]
        topic: unreachable
""")
            file = f.name
        sluice = Sluice(file, {})
        try:
            admin = sluice.wait_admin()
            status, _, body = eventually(
                lambda: (lambda r: r if r[0] == 503 else None)(http("GET", admin + "/ready")), what="/ready 503")
            answer = json.loads(body)
            self.assertEqual(answer["status"], "not ready")
            self.assertEqual(answer["not_ready"][0]["pipeline"], "out")
            self.assertIn("sinks[0] kafka", answer["not_ready"][0]["sinks"])
            self.assertEqual(http("GET", admin + "/health")[0], 200)
        finally:
            sluice.stop()
            os.unlink(file)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
