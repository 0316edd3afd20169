"""`flask backup PATH` and `flask restore PATH`: copies of a live SQLite database.

Both use SQLite's online backup API. A backup reads the database in one
read transaction, so it is a consistent snapshot even while the site serves
and writes (in WAL mode readers never block writers). A restore writes the
backup into the live database in one write transaction: the site's other
connections see the old database or the new one, never a mixture, and no
file is swapped under their feet. PostgreSQL is backed up with pg_dump.
"""

import os
import sqlite3

from peewee import OperationalError, SqliteDatabase

from ainews.schema import content_version
from models import ApiToken, Editor, EditorSession, LoginFailure

# Who may sign in or write, and how: a restore keeps today's rows of these.
CREDENTIAL_TABLES = tuple(model._meta.table_name for model in (Editor, EditorSession, ApiToken, LoginFailure))

# Tables every version of the site has had; a file without them is not ours.
REQUIRED_COLUMNS = {
    "article": {"id", "slug", "status", "title_en", "title_zh", "views"},
    "tag": {"id", "slug", "name_en", "name_zh"},
    "articletag": {"id", "article_id", "tag_id"},
}


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


def require_sqlite(db):
    if not isinstance(db, SqliteDatabase):
        raise BackupError(
            "this site runs on PostgreSQL: back it up with pg_dump and restore with pg_restore (see docs/postgresql.md)"
        )


def backup(db, path):
    """Write a consistent copy of the live database to `path`; returns its number of articles.

    The copy is written beside `path` and renamed when complete, so `path`
    never holds half a backup. It is a single file (rollback journal, not WAL).
    """
    require_sqlite(db)
    if os.path.exists(path):
        raise BackupError(f"{path} exists already; choose a new name")
    partial = f"{path}.partial"
    target = sqlite3.connect(partial)
    try:
        db.connection().backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
        articles = target.execute("SELECT count(*) FROM article").fetchone()[0]
        target.close()
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, path)
    except BaseException:
        target.close()
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return articles


def check_backup(path):
    """Raise BackupError unless `path` is an intact SQLite database of this site.

    Returns its number of articles.
    """
    if not os.path.isfile(path):
        raise BackupError(f"{path} is not a file")
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened: {error}") from None
    try:
        status = source.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"{path} is damaged: {status}")
        for table, needed in REQUIRED_COLUMNS.items():
            columns = {row[1] for row in source.execute(f'PRAGMA table_info("{table}")')}
            if not needed <= columns:
                raise BackupError(f"{path} is not a backup of this site: it has no {table} table like ours")
        return source.execute("SELECT count(*) FROM article").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a usable SQLite database: {error}") from None
    finally:
        source.close()


def restore(db, path, keep_credentials=True):
    """Replace the live database's content with the backup at `path`, in one transaction.

    The backup is checked first; a bad one changes nothing. Unless
    `keep_credentials` is false, today's editors, password hashes, sessions,
    API tokens and sign-in failures replace the backup's before it goes
    live: restoring after an incident must not bring back a revoked token,
    an ended session or an old password.
    """
    require_sqlite(db)
    articles = check_backup(path)
    if os.path.exists(db.database) and os.path.samefile(path, db.database):
        raise BackupError(f"{path} is the live database itself")
    counter_before = content_version(db)
    staged_path = f"{db.database}.restoring"
    staged = sqlite3.connect(staged_path, uri=True)
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(staged)
        finally:
            source.close()
        if keep_credentials:
            keep_live_credentials(staged, db.database)
        staged.backup(db.connection())
    except sqlite3.Error as error:
        raise BackupError(f"could not restore from {path}: {error}") from None
    finally:
        staged.close()
        os.remove(staged_path)
    if counter_before is not None:
        # The backup brings its own, older change counter: move it past the
        # live one, so no page cached before the restore can match it.
        try:
            db.execute_sql("UPDATE sitestate SET version = max(version, ?) + 1 WHERE id = 1", (counter_before,))
        except OperationalError:
            pass  # a backup from before the counter: pages are not cached until `flask init-db`
    return articles


def keep_live_credentials(staged, live_path):
    """Put the live database's credential tables into the staged copy, in place of the backup's."""
    staged.execute("ATTACH DATABASE ? AS live", (f"file:{live_path}?mode=ro",))
    try:
        with staged:
            for table in CREDENTIAL_TABLES:
                live_columns = columns(staged, "live", table)
                if not live_columns:
                    continue  # the live database is older than this table
                if not columns(staged, "main", table):
                    sql = staged.execute("SELECT sql FROM live.sqlite_master WHERE name = ?", (table,)).fetchone()[0]
                    staged.execute(sql)
                shared = ", ".join(f'"{name}"' for name in live_columns if name in columns(staged, "main", table))
                staged.execute(f'DELETE FROM main."{table}"')  # nosec B608 # table names from CREDENTIAL_TABLES
                staged.execute(f'INSERT INTO main."{table}" ({shared}) SELECT {shared} FROM live."{table}"')  # nosec B608
    finally:
        staged.execute("DETACH DATABASE live")


def columns(connection, schema, table):
    return [row[1] for row in connection.execute(f'PRAGMA {schema}.table_info("{table}")')]
