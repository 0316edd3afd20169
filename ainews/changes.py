"""Knowing that the site's content changed, without a query per request (PostgreSQL).

The page cache (`cache.cached_page`) keys pages by a version of the site's
content. On SQLite that is the change counter, one row read per request
(`schema.content_version`). On PostgreSQL that read was most of what a
remembered page cost, so each process learns of changes instead:

- **Other processes' writes** reach it as notifications. The change
  counter's trigger also runs `pg_notify(CHANNEL)`, once per transaction
  at commit, and each process keeps one connection (its own, not the
  pool's) that LISTENs. There is no thread: the request that looks up a
  page first reads, without waiting, whatever has arrived on that
  connection's socket, so a notification that reached the machine before
  the request began is always seen.
- **This process's own writes** are known when their commit returns. The
  trigger also raises a NOTICE on the pool's connections (they set
  NOTICE_SETTING), the pool's cursors note it, and once the statement that
  committed has returned, `bump()` moves the version on. A page asked for
  after a write in the same process never waits for a notification; and
  when that notification comes (both name the transaction), it is not
  counted again, so the pages rendered since are not rendered once more.
- **Without a listening connection** (not yet made, lost, refused) `version()`
  returns None and the page cache reads the counter as on SQLite. A new
  connection starts a new epoch: notifications sent while there was none
  are lost, so no page remembered before it is served after it.
- **A forked process** (a gunicorn worker, were the app made before the
  fork) makes a connection of its own; the parent's is left to the parent.

The version is (epoch, generation): the generation counts the changes
heard of since the connection was made. What is left is the time between
another process's commit and its notification reaching this machine: the
listening PostgreSQL process must wake up and send it (docs/postgresql.md
has the measured window). A page is also never kept past its minute.
"""

import collections
import os
import select
import threading
import time

import psycopg

CHANNEL = "ainews_site_changed"
# A session setting of the pool's connections: the trigger tells them, by a
# NOTICE, that their transaction changed the site (psql and other tools,
# without it, are not told).
NOTICE_SETTING = "ainews.notice_changes"
RETRY_SECONDS = 5  # after a failed connection, the counter is read until the next try
OWN_KEPT = 64  # this process's latest transactions, whose notifications are not counted again
APPLICATION_NAME = "ainews change listener"  # how it shows in pg_stat_activity
LISTENER_SETTINGS = {
    "application_name": APPLICATION_NAME,
    # Requests wait while it connects: not for long.
    "connect_timeout": 5,
    # A connection that a network device dropped without a word is found
    # dead within about a minute; until then its notifications are lost
    # (a page is kept at most to the end of its minute anyway).
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class ChangeListener:
    """One process's listening connection to a database, and the version it gives the page cache."""

    def __init__(self, connect_params):
        self.connect_params = connect_params
        self.lock = threading.Lock()
        self.conn, self.pid = None, None
        self.epoch, self.generation = 0, 0
        self.own = collections.deque(maxlen=OWN_KEPT)
        self.retry_at = 0.0

    def version(self):
        """The site's version as this process knows it, or None: then read the change counter."""
        with self.lock:
            if self.pid != os.getpid():  # forked: the connection is the parent's
                self.conn, self.pid = None, os.getpid()
            if self.conn is None and time.monotonic() >= self.retry_at:
                self.listen()
            if self.conn is None:
                return None
            try:
                self.read_notifications()
            except psycopg.Error:
                self.drop()
                self.listen()  # at once: the notifications it missed are why
                if self.conn is None:
                    return None
            return (self.epoch, self.generation)

    def bump(self, transaction):
        """Note a change this process committed (`transaction` as the notification will name it)."""
        with self.lock:
            self.generation += 1
            self.own.append(transaction)

    def read_notifications(self):
        """Count what has arrived, without waiting; raises psycopg.Error when the connection is gone."""
        if select.select([self.conn.fileno()], [], [], 0)[0]:
            for notification in self.conn.notifies(timeout=0):
                if notification.payload in self.own:
                    self.own.remove(notification.payload)  # counted when its commit returned
                else:
                    self.generation += 1
            if self.conn.ended:
                raise psycopg.OperationalError("the server ended the change listener's connection")

    def listen(self):
        """Connect and LISTEN; on failure, try again in RETRY_SECONDS."""
        try:
            conn = psycopg.connect(**{**LISTENER_SETTINGS, **self.connect_params}, autocommit=True)
        except psycopg.Error:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            return
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            # A database whose counter has no notifying trigger yet (not
            # upgraded by `flask init-db`) would never say it changed.
            notifying = conn.execute(
                "SELECT prosrc LIKE %s FROM pg_proc WHERE proname = 'sitestate_changed'", (f"%pg_notify('{CHANNEL}'%",)
            ).fetchone()
        except psycopg.Error:
            notifying = None
        if not (notifying and notifying[0]):
            conn.close()
            self.retry_at = time.monotonic() + RETRY_SECONDS
            return
        conn.ended = False

        def ending(diagnostic):  # the server's goodbye (a restart, pg_terminate_backend) comes as a notice
            if diagnostic.severity_nonlocalized in ("FATAL", "PANIC"):
                conn.ended = True

        conn.add_notice_handler(ending)
        self.conn, self.epoch, self.generation = conn, self.epoch + 1, 0

    def drop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self):
        """Close the connection (this process's; a new one is made when next asked)."""
        with self.lock:
            if self.pid == os.getpid():
                self.drop()
            self.conn = None


class ChangeNotingCursor(psycopg.Cursor):
    """The pool's cursors: after a statement whose commit changed the site, `bump()` its listener.

    The trigger's NOTICE arrives while the commit is under way (the trigger
    is deferred to it); only once the statement that committed has returned
    is the change visible to every other query, so that is when the version
    moves on. Moved on earlier, a page rendered in between by another thread
    would be remembered under the new version without the change.
    """

    def execute(self, *args, **kwargs):
        try:
            return super().execute(*args, **kwargs)
        finally:
            conn = self.connection
            if conn.site_changed:
                transaction, conn.site_changed = conn.site_changed, None
                conn.change_listener.bump(transaction)


def note_site_changes(conn, listener):
    """Make a pool connection tell `listener` of the changes its own transactions commit."""
    conn.execute(f"SET {NOTICE_SETTING} = 'on'")
    conn.site_changed, conn.change_listener = None, listener

    def noticed(diagnostic):  # "ainews_site_changed 1234": the transaction's id
        channel, _, transaction = diagnostic.message_primary.partition(" ")
        if channel == CHANNEL:
            conn.site_changed = transaction

    conn.add_notice_handler(noticed)
    conn.cursor_factory = ChangeNotingCursor
