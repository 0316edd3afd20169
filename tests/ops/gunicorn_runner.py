"""A real gunicorn for tests: started with gunicorn.conf.py, as `make serve` starts it.

Its standard output (the access log) and standard error (its own messages)
are read by threads into queues, so every wait on what it says is bounded by
READ_TIMEOUT, never a blocking read.
"""

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUNICORN_CONF = os.path.join(HERE, "gunicorn.conf.py")
READ_TIMEOUT = 60  # seconds any wait for gunicorn may take; only reached when it is stuck
SERVER_VARIABLES = ("WEB_CONCURRENCY", "THREADS", "BIND", "PORT")  # the test says these, not the caller's shell


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_hosts(port):
    """The IPv4 addresses with a socket listening on `port`, from the kernel's table."""
    hosts = set()
    with open("/proc/net/tcp") as table:
        for row in table.readlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                hosts.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return hosts


class Gunicorn:
    """One gunicorn process on `database_url`; `environ` adds to (or overrides) the settings."""

    def __init__(self, database_url, *args, **environ):
        env = {name: value for name, value in os.environ.items() if name not in SERVER_VARIABLES}
        env.update(DATABASE_URL=database_url, SECRET_KEY="x")
        env.update(environ)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONF, *args],
            cwd=HERE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="backslashreplace",
        )
        self.lines = {"stdout": [], "stderr": []}
        self.queues = {"stdout": queue.Queue(), "stderr": queue.Queue()}
        self.readers = [
            threading.Thread(target=self.read, args=(getattr(self.process, name), self.queues[name]), daemon=True)
            for name in self.queues
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def read(pipe, lines):
        for line in pipe:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # the pipe closed

    def wait_until(self, stream, done, what):
        """Read `stream` until `done(lines so far)`; fail after READ_TIMEOUT or if it ends first."""
        deadline = time.monotonic() + READ_TIMEOUT
        while not done(self.lines[stream]):
            try:
                line = self.queues[stream].get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                pytest.fail(f"gunicorn did not show {what} within {READ_TIMEOUT} s: {self.said()}")
            if line is None:
                pytest.fail(f"gunicorn's {stream} ended before it showed {what}: {self.said()}")
            self.lines[stream].append(line)
        return self.lines[stream]

    def wait_for(self, stream, pattern, count=1):
        """Every line of `stream` so far, once `count` of them match `pattern`."""
        return self.wait_until(
            stream, lambda lines: sum(bool(re.search(pattern, line)) for line in lines) >= count, repr(pattern)
        )

    def said(self):
        """Everything read so far, on both streams, the lines not yet waited for included."""
        for stream, lines in self.queues.items():
            while not lines.empty():
                line = lines.get_nowait()
                if line is not None:
                    self.lines[stream].append(line)
        return self.lines

    def booted(self, workers, port):
        """Wait until `workers` workers have booted and `port` takes connections; returns (address, worker pids).

        The address is where the listening sockets on `port` really are (the
        kernel's table), whether the master listens for its workers or each
        worker on a socket of its own (reuse_port).
        """
        lines = self.wait_for("stderr", "Booting worker", count=workers)
        pids = [int(re.search(r"Booting worker with pid: (\d+)", line).group(1)) for line in lines if "Booting" in line]
        deadline = time.monotonic() + READ_TIMEOUT
        while not (hosts := listening_hosts(port)) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a condition, with a deadline: workers bind as they start
        assert len(hosts) == 1, f"listening on {hosts or 'nothing'}: {self.said()}"
        return f"{hosts.pop()}:{port}", pids

    def listening_port(self):
        """The port gunicorn says it listens on (for BIND=127.0.0.1:0, the one the kernel chose)."""
        pattern = r"Listening at: http://[\d.]+:(\d+)"
        for line in self.wait_for("stderr", pattern):
            if found := re.search(pattern, line):
                return int(found[1])

    def workers(self):
        """The master's child processes: its workers."""
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
            return [int(pid) for pid in f.read().split()]

    def stop(self):
        """SIGTERM, as systemd sends; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.exited()

    def exited(self):
        """Wait (bounded) until it ends; its exit status, everything it said read."""
        try:
            status = self.process.wait(timeout=READ_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=READ_TIMEOUT)
            pytest.fail(f"gunicorn did not end within {READ_TIMEOUT} s: {self.lines}")
        for reader in self.readers:
            reader.join(READ_TIMEOUT)  # ends when every process holding the pipe has exited
        self.process.stdout.close()
        self.process.stderr.close()
        self.said()
        return status
