"""Serving in production: the health check, gunicorn's settings, the batched view counter."""

import os
import re
import runpy
import sqlite3
import threading
import urllib.request
from types import SimpleNamespace

import pytest

from ainews.db import database
from ainews.view_counter import ViewCounter
from app import create_app
from conftest import sqlite_only
from gunicorn_runner import GUNICORN_CONF, READ_TIMEOUT, Gunicorn, free_port
from models import Article

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
