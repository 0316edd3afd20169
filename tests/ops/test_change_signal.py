"""PostgreSQL: remembered pages without a query per request, never stale
(ainews/changes.py). Each process hears of other processes' writes through
a listening connection, of its own when their commit returns, and reads the
change counter whenever it cannot listen."""

import os
import select
import time

import psycopg
import pytest

from ainews.changes import CHANNEL
from ainews.db import database, write_transaction
from ainews.schema import POSTGRES_COUNTER
from conftest import ON_POSTGRES, TEST_DATABASE_URL
from models import Article

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: SQLite reads its one-row counter")

WAIT_SECONDS = 30  # only reached when a notification never comes


def listener(app):
    return app.config["DATABASE"].changes


def another_process_writes(sql, *params):
    """A write through a connection of its own, as another process or app server makes it."""
    with psycopg.connect(TEST_DATABASE_URL) as conn:  # committed when the block ends
        conn.execute(sql, params)


def feed(client):
    return client.get("/en/").get_data(as_text=True)


@pytest.fixture
def remembered(app, client, make_article):
    """A feed page with one article, remembered by the app, which is listening."""
    make_article(slug="open-models", title_en="Open models reach the classroom")
    assert "Open models reach the classroom" in feed(client)
    assert listener(app).conn is not None
    return client


def test_a_remembered_page_costs_no_query(remembered, count_queries):
    count_queries.clear()
    assert "Open models reach the classroom" in feed(remembered)
    assert count_queries == []


def test_a_write_by_this_process_shows_on_its_next_request(app, remembered, make_article, monkeypatch):
    # The notifications are late, as they may be under load: nothing arrives.
    monkeypatch.setattr(listener(app), "read_notifications", lambda: None)
    make_article(slug="second", title_en="A second story")  # a statement committing by itself
    assert "A second story" in feed(remembered)
    with database().connection_context(), write_transaction():  # a transaction committing at its end
        Article.update(title_en="A retitled story").where(Article.slug == "second").execute()
    assert "A retitled story" in feed(remembered)


def test_this_process_hears_of_its_own_change_once(app, remembered, make_article):
    """Its commit moved the version on; its notification, which comes after, does not move it again."""
    changes = listener(app)
    epoch, generation = changes.version()
    make_article(slug="second", title_en="A second story")
    transaction = changes.own[-1]
    deadline = time.monotonic() + WAIT_SECONDS
    while transaction in changes.own:  # until its notification has come and been read
        assert time.monotonic() < deadline, "no notification came"
        select.select([changes.conn.fileno()], [], [], 1)
        changes.version()
    assert changes.version() == (epoch, generation + 1)


def test_a_write_by_another_process_shows_once_its_notification_arrives(app, remembered):
    another_process_writes("UPDATE article SET title_en = 'Changed elsewhere'")
    readable, _, _ = select.select([listener(app).conn.fileno()], [], [], WAIT_SECONDS)
    assert readable, "no notification came"
    assert "Changed elsewhere" in feed(remembered)  # the very next request, no waiting


def test_views_counted_elsewhere_are_no_change(app, remembered):
    version = listener(app).version()
    another_process_writes("UPDATE article SET views = views + 1")
    another_process_writes("UPDATE article SET title_en = 'Changed elsewhere'")
    assert select.select([listener(app).conn.fileno()], [], [], WAIT_SECONDS)[0]
    assert listener(app).version() == (version[0], version[1] + 1)  # one change: the title's


def test_without_a_listening_connection_the_counter_is_read(app, remembered, count_queries, monkeypatch):
    changes = listener(app)
    changes.close()
    monkeypatch.setitem(changes.connect_params, "dbname", "no_such_test_database")
    count_queries.clear()
    assert "Open models reach the classroom" in feed(remembered)
    assert any("sum(version)" in query[0] for query in count_queries)
    another_process_writes("UPDATE article SET title_en = 'Changed elsewhere'")
    assert "Changed elsewhere" in feed(remembered)

    monkeypatch.undo()  # the database is back; the listener tries again once RETRY_SECONDS have passed
    changes.retry_at = 0
    assert "Changed elsewhere" in feed(remembered)
    assert changes.conn is not None
    another_process_writes("UPDATE article SET title_en = 'Changed again'")
    assert select.select([changes.conn.fileno()], [], [], WAIT_SECONDS)[0]
    assert "Changed again" in feed(remembered)


def test_a_lost_connection_is_made_again_and_nothing_heard_before_is_trusted(app, remembered):
    changes = listener(app)
    changes.close()
    assert "Open models reach the classroom" in feed(remembered)  # remembered on a new connection, none heard of
    lost = changes.conn.info.backend_pid
    with psycopg.connect(TEST_DATABASE_URL) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (lost,))
    assert select.select([changes.conn.fileno()], [], [], WAIT_SECONDS)[0]  # the server said goodbye
    # Written while nobody of this process listened: its notification is lost.
    another_process_writes("UPDATE article SET title_en = 'Changed meanwhile'")
    assert "Changed meanwhile" in feed(remembered)
    assert changes.conn.info.backend_pid != lost


def test_a_forked_process_listens_on_a_connection_of_its_own(app, remembered):
    changes = listener(app)
    parent_backend = changes.conn.info.backend_pid
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: say which server process it listens through, then leave without cleaning up
        try:
            changes.version()
            os.write(write_end, str(changes.conn.info.backend_pid).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as said:
        child_backend = int(said.read() or 0)
    os.waitpid(child, 0)
    assert child_backend not in (0, parent_backend)
    assert changes.conn.info.backend_pid == parent_backend  # the parent's connection is still its own
    another_process_writes("UPDATE article SET title_en = 'Changed after the fork'")
    assert select.select([changes.conn.fileno()], [], [], WAIT_SECONDS)[0]
    assert "Changed after the fork" in feed(remembered)


def test_a_trigger_that_does_not_notify_yet_is_not_listened_to(app, remembered, count_queries):
    """A database whose trigger older code made, until `flask init-db` runs: the counter is read."""
    changes = listener(app)
    changes.close()
    notifying = next(sql for sql in POSTGRES_COUNTER if "FUNCTION sitestate_changed" in sql)
    older = notifying.replace(f"PERFORM pg_notify('{CHANNEL}', pg_current_xact_id()::text);", "")
    assert older != notifying
    with database().connection_context():
        database().execute_sql(older)
    try:
        count_queries.clear()
        assert "Open models reach the classroom" in feed(remembered)
        assert changes.conn is None and any("sum(version)" in query[0] for query in count_queries)
        another_process_writes("UPDATE article SET title_en = 'Changed elsewhere'")
        assert "Changed elsewhere" in feed(remembered)
    finally:
        with database().connection_context():
            database().execute_sql(notifying)
        changes.retry_at = 0
    assert "Changed elsewhere" in feed(remembered)
    assert changes.conn is not None


def test_listening_can_be_turned_off(app, client, make_article, count_queries):
    """LISTEN_FOR_CHANGES=0, for a pooler through which LISTEN hears nothing: the counter at every request."""
    app.config["LISTEN_FOR_CHANGES"] = False
    make_article(slug="open-models", title_en="Open models reach the classroom")
    assert "Open models reach the classroom" in feed(client)
    count_queries.clear()
    assert "Open models reach the classroom" in feed(client)
    assert [query[0] for query in count_queries] == ["SELECT sum(version) FROM sitestate"]
    another_process_writes("UPDATE article SET title_en = 'Changed elsewhere'")
    assert "Changed elsewhere" in feed(client)
