"""Field types of our own for the models: UTC times, ids never reused, score checks."""

from datetime import datetime, timezone

from peewee import SQL, AutoField, Check, DateTimeField, NodeList, SqliteDatabase

from ainews.rules import SCORE_RANGE


class UTCDateTimeField(DateTimeField):
    """Stores naive UTC in the database and hands back aware UTC datetimes."""

    def db_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        if type(value) is str:
            # SQLite's text, as Peewee wrote it: ISO 8601, which fromisoformat
            # reads ten times faster than Peewee's tries of strptime formats.
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                value = super().python_value(value)
        if type(value) is datetime and value.tzinfo is None:  # psycopg's, and SQLite's above
            return value.replace(tzinfo=timezone.utc)
        return value


class NeverReusedIdField(AutoField):
    """An id that is never given out twice, even after the newest row is deleted.

    SQLite otherwise reuses the largest id after a delete, and a form still
    open on the deleted article would then save over the new one.
    PostgreSQL sequences never reuse ids anyway.
    """

    def ddl(self, ctx):
        ddl = super().ddl(ctx)
        if isinstance(self.model._meta.database.obj, SqliteDatabase):
            ddl = NodeList((ddl, SQL("AUTOINCREMENT")))
        return ddl


def score_check(column):
    """The CHECK constraint that keeps a score column in SCORE_RANGE."""
    low, high = SCORE_RANGE
    return Check(f"{column} BETWEEN {low} AND {high}")
