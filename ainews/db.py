"""The database connection: which database, its pool, and transactions for writing.

`db_wrapper` is bound to a real database by `create_app()`; the models in
models.py are built on it.
"""

import json
import time
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cached_property

from peewee import CharField, Field, ForeignKeyField, IntegerField, PostgresqlDatabase, SqliteDatabase, TextField
from playhouse.db_url import connect, parse
from playhouse.flask_utils import FlaskDB
from playhouse.pool import PooledPostgresqlDatabase
from psycopg.pq import Format
from psycopg.types.string import ByteaBinaryLoader

from ainews.changes import ChangeListener, ChangeNotingCursor, note_site_changes

# One connection per request, opened and closed by FlaskDB; static files
# and the health check need none.
db_wrapper = FlaskDB(excluded_routes=("static", "ops.healthz"))


class BaseModel(db_wrapper.Model):
    """Every model of ours, on the database `db_wrapper` is bound to."""


# PostgreSQL connections per process (DATABASE_POOL_SIZE in ainews/config.py
# by default: gunicorn's threads, the view counter's flush and one spare).
# Every app server's processes together must stay under the server's
# max_connections (docs/postgresql.md).
DEFAULT_POOL_SIZE = 6
POOL_WAIT_SECONDS = 10

# SQL functions written in Python that every SQLite connection gets, by
# name; the modules that use them add them here when imported.
SQLITE_FUNCTIONS = {}

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # NORMAL is safe in WAL mode: a power cut can lose the last commits but
    # never corrupts the database.
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


def open_database(url, pool_size=DEFAULT_POOL_SIZE):
    """Connect to a database URL through a pool of connections: SQLite with our pragmas, or PostgreSQL.

    Opening a SQLite connection and setting its pragmas cost about 1 ms,
    as much as a whole /healthz answer (measured); a PostgreSQL connection
    costs more (a process forked on the server): /healthz answered 216
    requests a second without a pool. The pool keeps each connection open
    between requests. `pool_size` caps a process's PostgreSQL connections
    (DATABASE_POOL_SIZE); a request waits up to POOL_WAIT_SECONDS for one.
    """
    if url.startswith("sqlite:"):
        url = "sqlite+pool:" + url.removeprefix("sqlite:")
    if url.startswith("sqlite+pool:"):
        # A pooled connection serves one thread at a time, but not always the same one.
        db = connect(url, pragmas=SQLITE_PRAGMAS, max_connections=64, stale_timeout=600, check_same_thread=False)
        for name, function in SQLITE_FUNCTIONS.items():
            db.register_function(function, name, deterministic=True)
        return db
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            url = "postgresql+pool://" + url.removeprefix(scheme)
    if url.startswith(("postgres+pool:", "postgresql+pool:")):
        # One pool per process and database, however many apps are made
        # (the tests make one per test): connections are the server's to count.
        key = (url, pool_size)
        if key not in POSTGRES_POOLS:
            settings = parse(url.replace("postgres+pool:", "postgresql+pool:"))
            POSTGRES_POOLS[key] = PostgresPool(
                **settings, max_connections=pool_size, stale_timeout=600, timeout=POOL_WAIT_SECONDS
            )
        return POSTGRES_POOLS[key]
    return connect(url)


POSTGRES_POOLS = {}


class PostgresPool(PooledPostgresqlDatabase):
    """Peewee's pool of PostgreSQL connections, without a round trip for one that was just in use.

    Peewee checks each connection it takes from the pool with a `SELECT 1`,
    so that one the server closed (a restart) is replaced, not handed to a
    request: a second round trip for every request, as many as a cached
    page's own. A connection given back less than PING_AFTER seconds ago
    is trusted on the driver's word (closed or broken); one that waited
    longer is checked as before.
    """

    PING_AFTER = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.returned_at = {}  # connection key: when it came back to the pool
        # What tells the page cache that the site changed (ainews/changes.py).
        self.changes = ChangeListener({"dbname": self.database, **self.connect_params})

    def _connect(self):
        conn = super()._connect()
        if not hasattr(conn, "change_listener"):  # a new connection, not one from the pool
            note_site_changes(conn, self.changes)
        return conn

    def _is_closed(self, conn):
        returned_at = self.returned_at.pop(self.conn_key(conn), None)
        if returned_at is not None and time.monotonic() - returned_at < self.PING_AFTER:
            return conn.closed or conn.broken
        return super()._is_closed(conn)

    def _close(self, conn, close_conn=False):
        super()._close(conn, close_conn)
        if not close_conn and not conn.closed:
            self.returned_at[self.conn_key(conn)] = time.monotonic()

    def close_all(self):
        super().close_all()
        self.changes.close()


# PostgreSQL keeps a row whole in its page up to this size, the largest it
# allows, instead of moving its long values out (TOAST) past 2 kB: reading
# a value kept elsewhere costs a look-up for each (ainews/schema.py,
# ainews/search/postgres_index.py).
WHOLE_ROWS = "toast_tuple_target = 8160"


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


# Reading rows cheaply --------------------------------------------------------


class Prepared:
    """A query whose SQL Peewee builds once per database, then runs again with new values.

    Building the SQL of a feed page's two queries cost as much as SQLite
    took to run them and make their rows together (profiled 2026-11-30,
    docs/benchmarks.md). `build(...)` returns the Peewee query; it is
    called once with stand-in values (positional or named), which are then
    found among the SQL's parameters and replaced by the real ones at each
    run. So the query is still written once, with the models, in Peewee.
    """

    def __init__(self, build, *positional, **stand_ins):
        self.build, self.positional, self.stand_ins, self.by_database = build, positional, stand_ins, {}

    def execute(self, db, *positional, **values):
        """Run the query with new values for the stand-ins; returns the cursor."""
        if type(db) not in self.by_database:
            self.by_database[type(db)] = self.prepare()
        sql, params, slots = self.by_database[type(db)]
        params = list(params)
        for slot, value in zip(slots, [*positional, *(values[name] for name in self.stand_ins)], strict=True):
            params[slot] = value
        return db.execute_sql(sql, params)

    def raw_rows(self, db, *positional, **values):
        """Every row, for LoadedRows: SQLite's text read as bytes (`texts_as_bytes`)."""
        with texts_as_bytes(db):
            return self.execute(db, *positional, **values).fetchall()

    def prepare(self):
        """The SQL, its parameters, and where in them each stand-in is."""
        sql, params = self.build(*self.positional, **self.stand_ins).sql()
        slots = []
        for stand_in in [*self.positional, *self.stand_ins.values()]:
            found = [n for n, param in enumerate(params) if param == stand_in]
            if len(found) != 1:
                raise ValueError(f"{stand_in!r} is not one parameter of {sql}")
            slots.append(found[0])
        return sql, params, slots


PREPARED = {}  # queries whose SQL depends on how many ids they are given, by name and number


def prepared(key, build, *stand_ins):
    """The Prepared query of this key, made the first time from `build` and its stand-ins."""
    if key not in PREPARED:
        PREPARED[key] = Prepared(build, *stand_ins)
    return PREPARED[key]


def passes_through(field):
    """Whether SQLite and psycopg give this field's values as Peewee would make them: integers and text.

    Everything else is converted: dates (text on SQLite, without a zone on
    PostgreSQL), booleans (integers on SQLite), and any field of a kind
    not known here.
    """
    kind = type(field.rel_field if isinstance(field, ForeignKeyField) else field)
    return kind.python_value is Field.python_value and kind.adapt in (
        IntegerField.adapt,
        CharField.adapt,
        TextField.adapt,
    )


def load_rows(model, cursor, fields=None):
    """Model instances from rows of `fields` (all the model's, in order, by default).

    What Peewee does for each row, without its per-value work: only dates
    and booleans need converting from what SQLite and psycopg give, the
    rest is kept as it comes. Half the time of a rendered feed page went
    into Peewee's building of the SQL and the objects.
    """
    shape = (model, tuple(fields or ()))
    if shape not in ROW_SHAPES:
        fields = fields or model._meta.sorted_fields
        ROW_SHAPES[shape] = (
            [field.name for field in fields],
            [(field.name, field.python_value) for field in fields if not passes_through(field)],
        )
    names, converters = ROW_SHAPES[shape]
    loaded = []
    for row in cursor:
        instance = model.__new__(model)
        data = instance.__data__ = dict(zip(names, row, strict=True))
        for name, convert in converters:
            data[name] = convert(data[name])
        instance._dirty = set()
        instance.__rel__ = {}
        loaded.append(instance)
    return loaded


ROW_SHAPES = {}  # (model, fields): the names and converters load_rows uses


@contextmanager
def texts_as_bytes(db):
    """Read text as its UTF-8 bytes while this lasts: for LoadedRows.

    Decoding was half the cost of reading a page of articles on SQLite (58
    of 124 us for 20, 2026-11-30), and a page whose cards are remembered
    never needs their long texts as strings. On PostgreSQL the rows come
    in binary (TextAsBytesCursor).
    """
    connection = db.connection()
    if isinstance(db, SqliteDatabase):
        connection.text_factory = bytes
        try:
            yield
        finally:
            connection.text_factory = str
        return
    factory, connection.cursor_factory = connection.cursor_factory, TextAsBytesCursor
    try:
        yield
    finally:
        connection.cursor_factory = factory


class TextAsBytesCursor(ChangeNotingCursor):
    """A pool cursor whose rows come in binary, text as its UTF-8 bytes (texts_as_bytes)."""

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        self.format = Format.BINARY
        for name in ("text", "varchar"):
            self.adapters.register_loader(name, ByteaBinaryLoader)


class LoadedRows(Sequence):
    """A model's rows of `fields` as the database gave them; each is made a model only when asked for.

    Each row ends with the rows of another model that belong to it, as
    JSON (an article's tags: ainews/card_tags.py); they are made models
    too, set as the `attribute` of the model made. A page whose cards are
    all remembered needs no model: its cards are keyed by what the rows
    hold (`identity`, `identities`). The rows' text may be UTF-8 bytes
    (`texts_as_bytes`), decoded when used.
    """

    def __init__(self, model, fields, rows, attribute, linked_model):
        self.model, self.fields, self.rows, self.made = model, fields, rows, [None] * len(rows)
        self.attribute, self.linked_model = attribute, linked_model

    @cached_property
    def positions(self):
        return {field.name: n for n, field in enumerate(self.fields)}

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        made = self.made[index]
        if made is None:
            *values, linked = self.rows[index]
            made = self.made[index] = load_rows(self.model, [tuple(map(decoded, values))], self.fields)[0]
            setattr(made, self.attribute, load_rows(self.linked_model, json.loads(linked)))
        return made

    def identity(self, index):
        """Everything row `index` holds, its linked rows too: what a model made from it would be."""
        return self.rows[index]

    def identities(self):
        """Everything all the rows hold, in their order."""
        return tuple(self.rows)

    def value(self, index, name):
        """Column `name` of row `index`, as the model would hold it."""
        return self.model._meta.fields[name].python_value(decoded(self.rows[index][self.positions[name]]))


def by_first_column(rows):
    """Rows by their first column's value, each without it, in their order."""
    grouped = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row[1:])
    return grouped


def decoded(value):
    """A value of a row read by `texts_as_bytes`: text as it is stored (our models have no BLOB columns)."""
    return value.decode() if type(value) is bytes else value
