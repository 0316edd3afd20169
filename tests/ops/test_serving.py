"""Serving in production: the health check, gunicorn's settings, the batched view counter."""

import os
import re
import runpy
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from types import SimpleNamespace

import pytest

from ainews.db import database
from ainews.view_counter import ViewCounter
from app import create_app
from conftest import database_url, sqlite_only
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


# gunicorn settings ---------------------------------------------------------------


def gunicorn_settings(monkeypatch, **environ):
    for name in ("WEB_CONCURRENCY", "THREADS", "BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(GUNICORN_CONF)


def test_gunicorn_defaults(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    assert (settings["worker_class"], settings["workers"], settings["threads"]) == ("gthread", 2, 4)
    assert settings["bind"] == "127.0.0.1:5000"
    assert settings["wsgi_app"] == "app:create_app()"
    assert settings["accesslog"] == "-"


def test_gunicorn_reads_the_environment(monkeypatch):
    settings = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3", THREADS="8", PORT="8001")
    assert (settings["workers"], settings["threads"], settings["bind"]) == (3, 8, "127.0.0.1:8001")
    assert gunicorn_settings(monkeypatch, BIND="0.0.0.0:9000", PORT="8001")["bind"] == "0.0.0.0:9000"


def test_gunicorn_worker_exit_writes_pending_views(monkeypatch, batched_app, make_article):
    article = make_article(views=5)
    for _ in range(3):
        assert batched_app.test_client().get(ARTICLE).status_code == 200
    assert stored_views(article.id) == 5

    gunicorn_settings(monkeypatch)["worker_exit"](None, SimpleNamespace(wsgi=batched_app))

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


# A real gunicorn -------------------------------------------------------------------


def test_gunicorn_counts_every_view_across_workers_and_a_graceful_stop(tmp_path, make_article):
    """Views still in the workers' memory are written when gunicorn stops on SIGTERM."""
    article = make_article(views=0)
    environ = dict(
        os.environ,
        DATABASE_URL=database_url(tmp_path),
        SECRET_KEY="x",
        VIEW_FLUSH_SECONDS="3600",
        BIND="127.0.0.1:0",
        WEB_CONCURRENCY="2",
        THREADS="2",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONF, "--access-logfile", "/dev/null"],
        cwd=HERE,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        booted = 0
        for line in server.stderr:
            port = port or re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            booted += "Booting worker" in line
            if port and booted == 2:
                break
        assert port, "gunicorn did not start"
        for _ in range(40):
            with urllib.request.urlopen(f"http://127.0.0.1:{port.group(1)}{ARTICLE}") as response:
                assert response.status == 200
        assert stored_views(article.id) == 0  # all of them still in memory
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert server.returncode == 0
    assert stored_views(article.id) == 40
