"""How each tool under test is started for each role, on the same broker with the same settings.

Roles: `ingest` (HTTP -> Kafka), `broadcast` (Kafka -> WebSocket) and `e2e` (both, click to
dashboard). Every start gets fresh ports and a fresh topic, so runs never see each other's data.
`linger` (ms) reaches every tool's producer as KAFKA_LINGER_MS: pipelines/click-tracker.yaml,
bench/baselines/benthos/ingest*.yaml and the seed's producer_app.py read it."""
import itertools
import os
import shutil
import tempfile
from pathlib import Path

from loads import CACHE
from procs import ROOT, Proc, System, wait_port

BENTHOS = CACHE / "benthos"
PYTHON = CACHE / "venv" / "bin" / "python"
BASELINES = ROOT / "bench" / "baselines"
BROKERS = "127.0.0.1:9092"
_ports = itertools.count(15100)
_names = itertools.count(1)


class Started:
    """A running system and where to reach it."""

    def __init__(self, system, topic, http=None, ws=None):
        self.system, self.topic, self.http, self.ws = system, topic, http, ws


class Build:
    """A Sluice build: the source tree it was built from (its build/ holds the binary and plugins).
    Its own pipelines are used, so an older build runs the configuration it understands; a bench
    file it does not have yet comes from the working tree."""

    def __init__(self, tool, root):
        self.tool, self.root = tool, Path(root)
        self.binary = self.root / "build" / "bin" / "sluice"

    def file(self, relative):
        own = self.root / relative
        return own if own.exists() else ROOT / relative


def _addr():
    return f"127.0.0.1:{next(_ports)}"


def _wait(system, *addrs):
    for a in addrs:
        host, port = a.rsplit(":", 1)
        wait_port(host, int(port), 60, system)


def sluice(role, topic, log_dir, build, linger=1):
    http, ws = _addr(), _addr()
    env = {"INGEST_LISTEN": http, "WS_LISTEN": ws, "CLICKS_TOPIC": topic, "KAFKA_BROKERS": BROKERS,
           "BROADCAST_GROUP": f"{topic}-group", "WEB_DIR": str(ROOT / "web"), "KAFKA_LINGER_MS": str(linger),
           # The load comes from one address: the per-client limit would measure itself.
           "INGEST_RATE_LIMIT": "0"}
    tracker = build.file("pipelines/click-tracker.yaml")
    if role != "broadcast" and linger != 1 and "${KAFKA_LINGER_MS" not in tracker.read_text():
        # An older build (--compare) whose pipeline fixes linger_ms would run at 1 ms under another name.
        raise RuntimeError(f"{tracker} does not take its linger from KAFKA_LINGER_MS: run it with --lingers 1")
    if role == "ingest":
        argv = [build.binary, "run", tracker, "--only", "ingest"]
    elif role == "broadcast":
        argv = [build.binary, "run", build.file("bench/pipelines/kafka-to-websocket.yaml")]
    else:
        argv = [build.binary, "run", tracker]
    name = build.tool.replace("@", "-").replace("~", "-").replace("/", "-")
    system = System(build.tool, [Proc(f"{name}-{role}-{next(_names)}", argv, env, log_dir)]).start()
    _wait(system, *([http] if role == "ingest" else [ws] if role == "broadcast" else [http, ws]))
    return Started(system, topic, http=http if role != "broadcast" else None, ws=ws if role != "ingest" else None)


def benthos(role, topic, log_dir, batch=False, linger=1):
    procs, http, ws = [], None, None
    if role in ("ingest", "e2e"):
        http = _addr()
        config = "ingest-batch.yaml" if batch else "ingest.yaml"
        procs.append(Proc(f"benthos-ingest-{next(_names)}", [BENTHOS, "-c", BASELINES / "benthos" / config],
                          {"LISTEN": http, "CLICKS_TOPIC": topic, "KAFKA_BROKERS": BROKERS, "KAFKA_LINGER_MS": str(linger)},
                          log_dir))
    if role in ("broadcast", "e2e"):
        ws = _addr()
        procs.append(Proc(f"benthos-broadcast-{next(_names)}", [BENTHOS, "-c", BASELINES / "benthos" / "broadcast.yaml"],
                          {"LISTEN": ws, "CLICKS_TOPIC": topic, "KAFKA_BROKERS": BROKERS, "GROUP": f"{topic}-group"}, log_dir))
    system = System("benthos", procs).start()
    _wait(system, *[a for a in (http, ws) if a])
    return Started(system, topic, http=http, ws=ws)


def seed(role, topic, log_dir, linger=1):
    procs, http, ws = [], None, None
    env = {"CLICKS_TOPIC": topic, "KAFKA_BROKERS": BROKERS, "GROUP": f"{topic}-group", "PYTHONUNBUFFERED": "1",
           "KAFKA_LINGER_MS": str(linger)}
    if role in ("ingest", "e2e"):
        http = _addr()
        procs.append(Proc(f"seed-producer-{next(_names)}", [PYTHON, BASELINES / "python" / "producer_app.py"],
                          {**env, "LISTEN": http}, log_dir))
    if role in ("broadcast", "e2e"):
        ws = _addr()
        procs.append(Proc(f"seed-consumer-{next(_names)}", [PYTHON, BASELINES / "python" / "consumer_ws.py"],
                          {**env, "LISTEN": ws}, log_dir))
    system = System("seed", procs).start()
    _wait(system, *[a for a in (http, ws) if a])
    return Started(system, topic, http=http, ws=ws)


def nginx(log_dir):
    """nginx answering 204 to everything: the ceiling for HTTP on this machine and load generator."""
    http = _addr()
    prefix = tempfile.mkdtemp(prefix="bench-nginx-")
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix};
  server {{ listen {http}; location / {{ return 204; }} }}
}}
""")
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    system = System("nginx-204", [Proc(f"nginx-{next(_names)}", [nginx_bin, "-p", prefix, "-c", conf, "-g", "daemon off;"],
                                       None, log_dir)]).start()
    _wait(system, http)
    return Started(system, None, http=http)


STARTERS = {"benthos": benthos, "seed": seed}
