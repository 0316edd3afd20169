"""PostgreSQL in production: a pool of connections sized by configuration, and a
change counter that lets every process cache pages without making writers queue."""

import threading

import psycopg
import pytest

from ainews.changes import APPLICATION_NAME
from ainews.db import database
from ainews.schema import content_version
from app import create_app
from conftest import ON_POSTGRES, TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: TEST_DATABASE_URL is not set")


def backend_pid():
    with database().connection_context():
        return database().execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def our_connections(application_name=""):
    """Connections to the test database but this one: the pools' ones, or those with this application name."""
    with psycopg.connect(TEST_DATABASE_URL.replace("postgresql+pool://", "postgresql://")) as conn:
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = %s"
        )
        return conn.execute(query, (application_name,)).fetchone()[0]


def test_requests_reuse_pooled_connections(app, client):
    first = backend_pid()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/en/").status_code == 200
    assert backend_pid() == first


def test_the_pool_is_sized_by_configuration(tmp_path):
    before, listening = our_connections(), our_connections(APPLICATION_NAME)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": TEST_DATABASE_URL, "DATABASE_POOL_SIZE": 3})
    statuses, lock = [], threading.Lock()

    def reader():
        client = app.test_client()
        for _ in range(15):
            status = client.get("/en/").status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 120  # eight threads took turns on three connections
    assert our_connections() - before <= 3
    assert our_connections(APPLICATION_NAME) == listening + 1  # and one listening for changes
    app.config["DATABASE"].close_all()
    assert our_connections(APPLICATION_NAME) == listening


def raw_connection():
    conn = psycopg.connect(TEST_DATABASE_URL)
    conn.execute("SET lock_timeout = '2s'")
    return conn


def test_writers_do_not_wait_for_each_other_on_the_change_counter(db, make_article):
    first, second = make_article(slug="first"), make_article(slug="second")
    before = content_version()
    one, two = raw_connection(), raw_connection()
    try:
        # Both write before either commits: with one counter row bumped as
        # they write, the second would wait for the first (a lock timeout here).
        one.execute("UPDATE article SET hot = 1 WHERE id = %s", (first.id,))
        two.execute("UPDATE article SET hot = 2 WHERE id = %s", (second.id,))
        two.commit()
        assert content_version() == before + 1
        one.commit()
        assert content_version() == before + 2
    finally:
        one.close()
        two.close()


def test_one_bump_per_transaction_and_none_for_views(db, make_article):
    articles = [make_article(slug=f"story-{n}") for n in range(3)]
    before = content_version()
    with raw_connection() as conn:
        conn.execute("UPDATE article SET views = views + 5")
    assert content_version() == before
    with raw_connection() as conn:
        conn.execute("UPDATE article SET hot = 50 WHERE id = ANY(%s)", ([a.id for a in articles],))
        conn.execute("DELETE FROM articletag")
    assert content_version() == before + 1


def test_a_connection_the_server_closed_is_replaced(app, client, monkeypatch):
    """A connection that waited in the pool is checked before use (one just given back is not: no round trip)."""
    pool = app.config["DATABASE"]
    monkeypatch.setattr(pool, "PING_AFTER", 0)  # every connection has waited long enough
    first = backend_pid()
    with psycopg.connect(TEST_DATABASE_URL) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    assert client.get("/healthz").status_code == 200
    assert client.get("/en/").status_code == 200
    assert backend_pid() != first
