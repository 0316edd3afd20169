"""Serving in production: the health check, gunicorn's settings, the batched view counter."""

import os
import queue
import re
import runpy
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from types import SimpleNamespace

import pytest

from ainews.db import database
from ainews.view_counter import ViewCounter
from app import create_app
from conftest import sqlite_only
from models import Article

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUNICORN_CONF = os.path.join(HERE, "gunicorn.conf.py")
ARTICLE = "/en/articles/open-models-reach-the-classroom"


def stored_views(article_id):
    with database().connection_context():
        return Article.get_by_id(article_id).views


# Health ------------------------------------------------------------------------


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'gone' / 'news.db'}",  # a folder that does not exist
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


@pytest.fixture
def batched_app(app):
    """The `app` fixture's database, with views waiting in memory for an hour unless flushed."""
    return create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"], "VIEW_FLUSH_SECONDS": 3600}
    )


# A real gunicorn -------------------------------------------------------------------

READ_TIMEOUT = 60  # seconds any wait for gunicorn may take; only reached when it is stuck
SERVER_VARIABLES = ("WEB_CONCURRENCY", "THREADS", "BIND", "PORT")


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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn started with gunicorn.conf.py, as `make serve` starts it.

    Its standard output and error are read by threads into queues, so every
    wait on what it says is bounded by READ_TIMEOUT, never a blocking read.
    """

    def __init__(self, database_url, *args, **environ):
        env = {name: value for name, value in os.environ.items() if name not in SERVER_VARIABLES}
        env.update(DATABASE_URL=database_url, SECRET_KEY="x", **environ)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONF, *args],
            cwd=HERE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
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
        lines = self.wait_until(
            "stderr", lambda lines: sum("Booting worker" in line for line in lines) >= workers, f"{workers} workers"
        )
        pids = [int(re.search(r"Booting worker with pid: (\d+)", line).group(1)) for line in lines if "Booting" in line]
        deadline = time.monotonic() + READ_TIMEOUT
        while not (hosts := listening_hosts(port)) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a condition, with a deadline: workers bind as they start
        assert len(hosts) == 1, f"listening on {hosts or 'nothing'}: {self.said()}"
        return f"{hosts.pop()}:{port}", pids

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
            reader.join(READ_TIMEOUT)
        self.process.stdout.close()
        self.process.stderr.close()
        self.said()
        return status


@pytest.fixture
def gunicorn(app):
    """Start gunicorn on the `app` fixture's database; each one started is stopped after the test."""
    started = []

    def start(*args, **environ):
        server = Gunicorn(app.config["DATABASE_URL"], *args, **environ)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def children(pid):
    """The processes whose parent is `pid`."""
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:  # not a process, or one that has just ended
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.add(int(entry))
    return found


def get(address, path):
    with urllib.request.urlopen(f"http://{address}{path}", timeout=READ_TIMEOUT) as response:
        return response.status, response.read().decode()


def test_by_default_gunicorn_serves_on_localhost_with_two_threaded_workers(gunicorn):
    port = free_port()
    server = gunicorn(PORT=str(port))

    address, pids = server.booted(workers=2, port=port)

    assert address == f"127.0.0.1:{port}"  # never on a public address unless BIND says so
    assert children(server.process.pid) == set(pids) and len(pids) == 2
    assert any("Using worker: gthread" in line for line in server.lines["stderr"])
    assert get(address, "/healthz") == (200, '{"status":"ok"}\n')


def test_gunicorn_takes_workers_and_address_from_the_environment(gunicorn):
    port, other = free_port(), free_port()
    server = gunicorn(WEB_CONCURRENCY="3", BIND=f"127.0.0.1:{port}", PORT=str(other))

    address, pids = server.booted(workers=3, port=port)

    assert address == f"127.0.0.1:{port}"  # BIND wins over PORT
    assert children(server.process.pid) == set(pids) and len(pids) == 3
    assert get(address, "/healthz")[0] == 200


@pytest.mark.parametrize("environ, threads", [({}, 4), ({"THREADS": "8"}, 8)])
def test_gunicorn_runs_the_threads_per_worker_the_readme_states(gunicorn, environ, threads):
    """The thread count as gunicorn itself resolves the configuration (it cannot be seen from outside)."""
    server = gunicorn("--print-config", PORT=str(free_port()), **environ)
    assert server.exited() == 0
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", "\n".join(server.lines["stdout"]), re.MULTILINE))
    assert (settings["worker_class"], settings["threads"]) == ("gthread", str(threads))


def test_gunicorn_logs_each_request_without_its_query_and_its_own_messages_apart(gunicorn, make_article):
    make_article()
    port = free_port()
    server = gunicorn(PORT=str(port))
    address, _pids = server.booted(workers=2, port=port)

    assert get(address, "/en/search?q=secret+words")[0] == 200
    assert get(address, ARTICLE)[0] == 200
    server.wait_until("stdout", lambda lines: len(lines) >= 2, "two access lines")

    access = server.lines["stdout"]
    assert re.fullmatch(r'127\.0\.0\.1 "GET /en/search" 200 \d+ \d+ms', access[0]), access
    assert re.fullmatch(rf'127\.0\.0\.1 "GET {ARTICLE}" 200 \d+ \d+ms', access[1]), access
    assert server.stop() == 0
    assert not any("secret" in line for stream in server.lines.values() for line in stream)
    assert all("[INFO]" in line for line in server.lines["stderr"]), server.lines["stderr"]
    assert not any("GET" in line for line in server.lines["stderr"])


def test_gunicorn_worker_exit_writes_pending_views(batched_app, make_article):
    article = make_article(views=5)
    for _ in range(3):
        assert batched_app.test_client().get(ARTICLE).status_code == 200
    assert stored_views(article.id) == 5

    runpy.run_path(GUNICORN_CONF)["worker_exit"](None, SimpleNamespace(wsgi=batched_app))

    assert stored_views(article.id) == 8


# The view counter ------------------------------------------------------------------


def test_views_wait_in_memory_until_flushed(batched_app, make_article):
    article = make_article(views=10)
    client = batched_app.test_client()

    pages = [client.get(ARTICLE).get_data(as_text=True) for _ in range(3)]
    client.get(ARTICLE, headers={"HX-Request": "true"})  # an htmx swap is not a view

    assert "11 views" in pages[0]
    assert stored_views(article.id) == 10
    assert batched_app.extensions["view_counter"].flush() == 3
    assert stored_views(article.id) == 13
    assert batched_app.extensions["view_counter"].flush() == 0


@sqlite_only("it holds SQLite's write lock to make the write fail")
def test_views_are_kept_when_their_write_fails(app, make_article):
    article = make_article()
    db = app.config["DATABASE"]
    counter = ViewCounter(db, interval=3600)
    counter.add(article.id)
    counter.add(article.id)
    other = sqlite3.connect(db.database)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with db.connection_context():
            db.execute_sql("PRAGMA busy_timeout = 0")
            with pytest.raises(Exception, match="locked"):
                counter.flush()
    finally:
        other.rollback()
        other.close()
    counter.add(article.id)

    assert counter.flush() == 3
    assert stored_views(article.id) == 3


def test_views_counted_from_many_threads_are_all_written(app, make_article):
    article = make_article()
    counter = ViewCounter(app.config["DATABASE"], interval=3600)
    done = threading.Event()

    def flush_meanwhile():
        while not done.is_set():
            counter.flush()

    def view(times):
        for _ in range(times):
            counter.add(article.id)

    flusher = threading.Thread(target=flush_meanwhile)
    flusher.start()
    viewers = [threading.Thread(target=view, args=(500,)) for _ in range(4)]
    for thread in viewers:
        thread.start()
    for thread in viewers:
        thread.join()
    done.set()
    flusher.join()
    counter.flush()

    assert stored_views(article.id) == 2000


def test_gunicorn_counts_every_view_across_workers_and_a_graceful_stop(gunicorn, make_article):
    """Views still in the workers' memory are written when gunicorn stops on SIGTERM."""
    article = make_article(views=0)
    port = free_port()
    server = gunicorn("--access-logfile", "/dev/null", VIEW_FLUSH_SECONDS="3600", PORT=str(port), THREADS="2")
    address, _pids = server.booted(workers=2, port=port)
    for _ in range(40):
        assert get(address, ARTICLE)[0] == 200
    assert stored_views(article.id) == 0  # all of them still in memory

    assert server.stop() == 0
    assert stored_views(article.id) == 40
