"""A real gunicorn: a clean restart after its master is killed, and an access log that cannot be forged."""

import os
import signal
import socket
import time
import urllib.request

import pytest

from ainews.db import database
from conftest import database_url
from gunicorn_runner import Gunicorn, free_port
from models import Article

DEADLINE = 10  # seconds: the bound for serving again after a killed master


@pytest.fixture
def port():
    return free_port()


def start(tmp_path, port, **environ):
    return Gunicorn(database_url(tmp_path), BIND=f"127.0.0.1:{port}", **environ)


def serves(port, path):
    """Whether the server answers 200 on `path` before the deadline (its workers may still be binding)."""
    until = time.monotonic() + DEADLINE
    while time.monotonic() < until:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=DEADLINE) as response:
                return response.status == 200
        except (ConnectionRefusedError, urllib.error.URLError):
            time.sleep(0.05)  # polling a condition, with a deadline
    return False


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def stored_views(slug):
    with database().connection_context():
        return Article.get(Article.slug == slug).views


def test_a_new_server_serves_at_once_after_the_master_is_killed(tmp_path, port, make_article):
    make_article(slug="counted", views=0)
    old = start(tmp_path, port, WEB_CONCURRENCY="2", THREADS="2", VIEW_FLUSH_SECONDS="3600")
    workers, in_flight = [], []
    try:
        old.wait_for("stderr", "Booting worker", count=2)
        workers = old.workers()
        assert len(workers) == 2
        for _ in range(6):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/articles/counted", timeout=DEADLINE) as page:
                assert page.status == 200
        assert stored_views("counted") == 0  # still in the workers' memory
        # Under load: requests in flight, which a gracefully stopping worker would wait for.
        in_flight = [socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) for _ in range(4)]
        for connection in in_flight:
            connection.sendall(b"POST /editor/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nname=")
        old.process.kill()  # kill -9: the master cannot tell its workers
        old.process.wait(timeout=DEADLINE)
        started = time.monotonic()
        new = start(tmp_path, port, WEB_CONCURRENCY="1", THREADS="2")
        try:
            new.wait_for("stderr", "Booting worker")
            assert serves(port, "/healthz"), "the new server did not answer in time"
            assert time.monotonic() - started < DEADLINE
            until = time.monotonic() + DEADLINE
            while any(alive(pid) for pid in workers) and time.monotonic() < until:
                time.sleep(0.05)  # polling a condition, with a deadline
            assert not any(alive(pid) for pid in workers), "orphaned workers still running"
            assert stored_views("counted") == 6  # the orphans wrote what they counted
        finally:
            new.stop()
    finally:
        for connection in in_flight:
            connection.close()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        old.stop()


def test_the_access_log_escapes_control_characters(tmp_path, port, make_article):
    server = start(tmp_path, port, WEB_CONCURRENCY="1", THREADS="1")
    try:
        server.wait_for("stderr", "Booting worker")
        assert serves(port, "/healthz")
        logged_before = len(server.wait_for("stdout", r'"GET /healthz"'))
        forged = '/en/x%0a203.0.113.9%20"POST%20/editor/login"%20303%00'
        for path in (forged, "/robots.txt"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=DEADLINE).close()
            except urllib.error.HTTPError as error:
                assert error.code == 404
        lines = server.wait_for("stdout", r'"GET /robots.txt"')[logged_before:]
    finally:
        server.stop()
    access = [line for line in lines if '"GET ' in line or "POST /editor/login" in line]
    assert len(access) == 2, access  # one line per request: nothing forged a third
    assert r'"GET /en/x\n203.0.113.9 \"POST /editor/login\" 303\x00"' in access[0]
