"""Processes under test: start, wait until they answer, read their CPU time and memory from /proc,
stop. A system (Sluice, or the seed's Flask app plus its WebSocket server) is one or more of these;
its CPU and memory are the sum over its processes, never the broker's or the load generator's."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


class Proc:
    def __init__(self, name, argv, env=None, log_dir=None):
        self.name, self.argv = name, [str(a) for a in argv]
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(log_dir or "/tmp") / f"{name}.log"
        self.popen = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=self.log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def cpu_seconds(self):
        """User plus system time of every thread of the process so far."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def memory_kib(self, field):
        """VmRSS (now) or VmHWM (peak) from /proc/PID/status."""
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def switches(self):
        """(voluntary, involuntary) context switches of the process's live threads so far.
        /proc/PID/status counts the main thread only, so this sums /proc/PID/task/*/status. A thread
        that exits takes its counts with it: tools that start a thread per connection (the seed's
        Flask) are undercounted by what their finished threads did; `threads()` shows the churn."""
        vol = invol = 0
        for status in Path(f"/proc/{self.popen.pid}/task").glob("*/status"):
            try:
                text = status.read_text()
            except OSError:  # the thread ended while we listed them
                continue
            for line in text.splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    vol += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    invol += int(line.split()[1])
        return vol, invol

    def threads(self):
        return {t.name for t in Path(f"/proc/{self.popen.pid}/task").iterdir()}

    def stop(self, timeout=20):
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class System:
    """The processes that together are one tool under test."""

    def __init__(self, tool, procs):
        self.tool, self.procs = tool, procs

    def start(self):
        for p in self.procs:
            p.start()
        return self

    def stop(self):
        for p in reversed(self.procs):
            p.stop()

    def check_alive(self):
        for p in self.procs:
            if not p.alive():
                raise RuntimeError(f"{p.name} exited ({p.popen.returncode}); its log ends:\n{p.tail()}")

    def cpu_seconds(self):
        return sum(p.cpu_seconds() for p in self.procs)

    def rss_mib(self):
        return sum(p.memory_kib("VmRSS") for p in self.procs) / 1024

    def switches(self):
        """(voluntary, involuntary, threads) summed over the processes: see Proc.switches."""
        vol = invol = 0
        threads = set()
        for p in self.procs:
            v, i = p.switches()
            vol, invol = vol + v, invol + i
            threads |= {(p.name, t) for t in p.threads()}
        return vol, invol, threads

    def peak_rss_mib(self):
        return sum(p.memory_kib("VmHWM") for p in self.procs) / 1024


def wait_port(host, port, timeout, system=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if system:
            system.check_alive()
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on {host}:{port} within {timeout}s")
