"""The database connection: which database, its pool, and transactions for writing.

`db_wrapper` is bound to a real database by `create_app()`; the models in
models.py are built on it.
"""

from peewee import PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.flask_utils import FlaskDB

# One connection per request, opened and closed by FlaskDB; static files
# and the health check need none.
db_wrapper = FlaskDB(excluded_routes=("static", "ops.healthz"))

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # NORMAL is safe in WAL mode: a power cut can lose the last commits but
    # never corrupts the database.
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


def open_database(url):
    """Connect to a database URL; SQLite with our pragmas, through a pool of connections.

    Opening a SQLite connection and setting its pragmas cost about 1 ms,
    as much as a whole /healthz answer (measured); the pool keeps each
    thread's connection open between requests.
    """
    if url.startswith("sqlite:"):
        url = "sqlite+pool:" + url.removeprefix("sqlite:")
    if url.startswith("sqlite+pool:"):
        # A pooled connection serves one thread at a time, but not always the same one.
        return connect(url, pragmas=SQLITE_PRAGMAS, max_connections=64, stale_timeout=600, check_same_thread=False)
    return connect(url)


def database():
    """The real database behind the FlaskDB proxy."""
    return db_wrapper.database.obj


def write_transaction(db=None):
    """A transaction for writing (on the app's database unless `db` is given).

    SQLite takes the write lock at BEGIN IMMEDIATE, so concurrent writers wait
    on the busy timeout instead of failing with "database is locked" when a
    deferred transaction tries to upgrade its read lock. PostgreSQL locks
    rows, not the database: a plain transaction, with `lock_table` where a
    check and a write must not interleave.
    """
    db = db or database()
    if isinstance(db, SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()


def lock_table(model):
    """Within a write transaction, make other writers of `model`'s table wait until it ends.

    What BEGIN IMMEDIATE already does for every table on SQLite. On
    PostgreSQL, SHARE ROW EXCLUSIVE lets readers through but conflicts with
    itself and with every INSERT, UPDATE and DELETE.
    """
    db = database()
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'LOCK TABLE "{model._meta.table_name}" IN SHARE ROW EXCLUSIVE MODE')
