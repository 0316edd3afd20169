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


def restore(db, path):
    """Replace the live database's content with the backup at `path`, in one transaction.

    The backup is checked first; a bad one changes nothing.
    """
    require_sqlite(db)
    articles = check_backup(path)
    if os.path.exists(db.database) and os.path.samefile(path, db.database):
        raise BackupError(f"{path} is the live database itself")
    counter_before = content_version(db)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(db.connection())
    except sqlite3.Error as error:
        raise BackupError(f"could not restore from {path}: {error}") from None
    finally:
        source.close()
    if counter_before is not None:
        # The backup brings its own, older change counter: move it past the
        # live one, so no page cached before the restore can match it.
        try:
            db.execute_sql("UPDATE sitestate SET version = max(version, ?) + 1 WHERE id = 1", (counter_before,))
        except OperationalError:
            pass  # a backup from before the counter: pages are not cached until `flask init-db`
    return articles
