"""The database: Peewee models for articles, tags and editors, and the queries on them.

`db_wrapper` is bound to a real database by `app.create_app()`; everything
else in the project reaches the database through the models defined here.
"""
import atexit
import copy
import hashlib
import logging
import re
import secrets
import threading
import time
import unicodedata
from collections import Counter
from datetime import datetime, timedelta, timezone

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    Check,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    NodeList,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
    fn,
)
from playhouse.db_url import connect
from playhouse.flask_utils import FlaskDB
from playhouse.migrate import SchemaMigrator, migrate
from werkzeug.security import check_password_hash, generate_password_hash

# One connection per request, opened and closed by FlaskDB; static files
# need none.
db_wrapper = FlaskDB(excluded_routes=("static", "healthz"))

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # NORMAL is safe in WAL mode: a power cut can lose the last commits but
    # never corrupts the database.
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
}

STATUSES = ("draft", "published")
SCORES = ("hot", "quality", "impact")
SORTS = ("new", *SCORES)  # feed orders: newest first, or by a score
LANGUAGES = ("en", "zh")
# Fields written in both languages, whose translations can fall out of step.
TRANSLATED_FIELDS = ("category", "title", "summary", "analysis")
# Their columns: category_en, category_zh, title_en, …
TEXT_COLUMNS = tuple(f"{field}_{lang}" for field in TRANSLATED_FIELDS for lang in LANGUAGES)


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


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTimeField(DateTimeField):
    """Stores naive UTC in the database and hands back aware UTC datetimes."""

    def db_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def slugify(text):
    """ASCII slug: lowercase words joined by hyphens ("" if none survive)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:80].strip("-")


class BaseModel(db_wrapper.Model):
    pass


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


class Tag(BaseModel):
    slug = CharField(max_length=60, unique=True)
    name_en = CharField(max_length=60)
    name_zh = CharField(max_length=60)

    def name(self, lang):
        return getattr(self, f"name_{lang}") or self.name_en or self.name_zh


class Article(BaseModel):
    id = NeverReusedIdField()
    slug = CharField(max_length=100, unique=True)
    category_en = CharField(max_length=60, default="AI News")
    category_zh = CharField(max_length=60, default="AI资讯")
    title_en = CharField(max_length=300, default="")
    title_zh = CharField(max_length=300, default="")
    summary_en = TextField(default="")
    summary_zh = TextField(default="")
    analysis_en = TextField(default="")
    analysis_zh = TextField(default="")
    hot = IntegerField(default=0, constraints=[Check("hot BETWEEN 0 AND 100")])
    quality = IntegerField(default=0, constraints=[Check("quality BETWEEN 0 AND 100")])
    impact = IntegerField(default=0, constraints=[Check("impact BETWEEN 0 AND 100")])
    ai_generated = BooleanField(default=False)
    status = CharField(
        max_length=10, default="draft",
        constraints=[Check("status IN ('draft', 'published')")],
    )
    published_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    views = IntegerField(default=0)
    # Bumped by every save: an editor's form carries it, so a save made from a
    # stale copy is refused instead of silently undoing someone else's work.
    version = IntegerField(default=1)
    # Space-separated field names such as "summary_zh": translations that may
    # be out of date because the other language changed after them.
    outdated = CharField(max_length=200, default="")
    # Provenance, set by the pipelines that write drafts through the API:
    # where the story came from, and which model wrote the text when.
    source_url = CharField(max_length=500, default="")
    model = CharField(max_length=100, default="")
    generated_at = UTCDateTimeField(null=True)

    class Meta:
        # One index per feed order, so each reads rows already sorted.
        indexes = (
            (("status", "published_at"), False),
            (("status", "hot", "published_at"), False),
            (("status", "quality", "published_at"), False),
            (("status", "impact", "published_at"), False),
        )

    @classmethod
    def published(cls, sort="new"):
        """Published articles whose publish time has come: newest first, or by a score (ties: newest)."""
        order = [getattr(cls, sort).desc()] if sort in SCORES else []
        return (
            cls.select()
            .where((cls.status == "published") & (cls.published_at <= utcnow()))
            .order_by(*order, cls.published_at.desc(), cls.id.desc())
        )

    @classmethod
    def feed_page(cls, page, per_page=20, sort="new", tag=None):
        """One page of the feed (or of one tag), tags attached, and whether a next page exists."""
        query = cls.published(sort)
        if tag is not None:
            query = query.where(cls.id.in_(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))
        rows = list(query.offset((page - 1) * per_page).limit(per_page + 1))
        articles = rows[:per_page]
        attach_tags(articles)
        return articles, len(rows) > per_page

    @classmethod
    def count_published(cls, tag=None):
        query = cls.published().order_by()
        if tag is not None:
            query = query.where(cls.id.in_(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))
        return query.count()

    @classmethod
    def get_published(cls, slug):
        """The published article with this slug, tags attached, or None."""
        article = cls.published().where(cls.slug == slug).first()
        if article is not None:
            attach_tags([article])
        return article

    @staticmethod
    def base_slug(title_en, title_zh=""):
        """The slug a title asks for: from the English title, else a stable one."""
        return slugify(title_en) or "article-" + hashlib.sha1(title_zh.encode(), usedforsecurity=False).hexdigest()[:8]

    @classmethod
    def unique_slug(cls, title_en, title_zh=""):
        """The base slug, numbered if another article has it already."""
        base = slug = cls.base_slug(title_en, title_zh)
        n = 1
        while cls.select().where(cls.slug == slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def is_outdated(self, field, lang):
        return f"{field}_{lang}" in self.outdated.split()

    @property
    def was_updated(self):
        """Edited after it was published."""
        return bool(self.updated_at and self.published_at and self.updated_at > self.published_at)

    def validate(self):
        """Raise ValueError unless the fields make a storable article."""
        for name in SCORES:
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 100:
                raise ValueError(f"{name} must be an integer from 0 to 100")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        if not (self.title_en or self.title_zh):
            raise ValueError("an article needs a title in at least one language")

    def save(self, *args, **kwargs):
        self.validate()
        if not self.slug:
            self.slug = Article.unique_slug(self.title_en, self.title_zh)
        if self.status == "published" and self.published_at is None:
            self.published_at = utcnow()
        return super().save(*args, **kwargs)


class ViewCounter:
    """Article views, counted in memory and written together once a second.

    Writing each view at once made every article page a write transaction
    that queues behind every other worker's writes (with wrk and 2 gunicorn
    workers, a median of 121 article pages a second against 166 without
    counting; see README). Here a page view only adds to a counter; a thread
    writes all the counts of the last `interval` seconds in one transaction.
    No view is lost: counts whose write fails are kept for the next one,
    and the process writes what is left when it exits (gunicorn's
    `worker_exit` hook and `atexit`). Only a killed process (SIGKILL, a
    worker timeout) loses its last second. With `interval=0` every view is
    written at once, before the response (tests use that).
    """

    def __init__(self, db, interval=1.0):
        self.db = db
        self.interval = interval
        self.pending = Counter()
        self.lock = threading.Lock()  # guards `pending`
        self.writing = threading.Lock()  # one write at a time, so an exit waits for the timer's
        self.timer = None

    def add(self, article_id):
        with self.lock:
            self.pending[article_id] += 1
            if self.interval and self.timer is None:
                # Started on first use, so a server that forks after
                # creating the app starts it in each worker.
                self.timer = threading.Thread(target=self.run, name="view-counter", daemon=True)
                self.timer.start()
                atexit.register(self.flush_quietly)
        if not self.interval:
            self.flush()

    def flush(self):
        """Write the pending counts; returns how many views were written."""
        with self.writing:
            with self.lock:
                batch, self.pending = self.pending, Counter()
            if not batch:
                return 0
            was_closed = self.db.is_closed()
            try:
                with write_transaction(self.db):
                    for article_id, views in sorted(batch.items()):
                        Article.update(views=Article.views + views).where(Article.id == article_id).execute(self.db)
            except Exception:
                with self.lock:
                    self.pending.update(batch)
                raise
            finally:
                if was_closed:
                    self.db.close()
            return sum(batch.values())

    def flush_quietly(self):
        """Flush, logging a failure instead of raising: the counts wait for the next try."""
        try:
            self.flush()
        except Exception:
            logging.getLogger(__name__).exception("could not write %d article views", sum(self.pending.values()))

    def run(self):
        """The timer thread: a flush every `interval` seconds, as long as the process lives."""
        while True:
            time.sleep(self.interval)
            self.flush_quietly()


class ArticleTag(BaseModel):
    article = ForeignKeyField(Article, backref="article_tags", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="article_tags", on_delete="CASCADE")

    class Meta:
        indexes = ((("article", "tag"), True), (("tag", "article"), False))


def tags_with_counts():
    """Every tag that has published articles, with their number, the largest first."""
    published = Article.published().order_by().select(Article.id)
    count = fn.COUNT(ArticleTag.id)
    return list(
        Tag.select(Tag, count.alias("count"))
        .join(ArticleTag)
        .where(ArticleTag.article.in_(published))
        .group_by(Tag.id)
        .order_by(count.desc(), Tag.name_en)
    )


def attach_tags(articles):
    """Set `article.tags` on each article with one query for all of them."""
    by_id = {article.id: article for article in articles}
    for article in articles:
        article.tags = []
    if not by_id:
        return
    query = (
        ArticleTag.select(ArticleTag.article, Tag)
        .join(Tag)
        .where(ArticleTag.article.in_(list(by_id)))
        .order_by(Tag.name_en)
    )
    for link in query:
        by_id[link.article_id].tags.append(link.tag)


def set_tags(article, tags):
    """Replace an article's tags."""
    with write_transaction():
        ArticleTag.delete().where(ArticleTag.article == article).execute()
        for tag in tags:
            ArticleTag.create(article=article, tag=tag)


PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200  # hashing is deliberately slow; keep it bounded
SESSION_LIFETIME = timedelta(days=14)


class Editor(BaseModel):
    """Someone who may write and publish articles."""

    name = CharField(max_length=40, unique=True)
    password_hash = CharField(max_length=255)
    created_at = UTCDateTimeField(default=utcnow)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @classmethod
    def authenticate(cls, name, password):
        """The editor with this name and password, or None. Takes as long either way."""
        editor = cls.get_or_none(cls.name == name)
        if editor is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        return editor if editor.check_password(password) else None


# Checked against when the name is unknown, so a failed sign-in takes the same
# time whether or not the name exists.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def hash_secret(token):
    """What is stored of a session or API token: its SHA-256 (the tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class EditorSession(BaseModel):
    """A signed-in browser. The cookie holds the token; only its hash is stored."""

    token_hash = CharField(max_length=64, unique=True)
    editor = ForeignKeyField(Editor, backref="sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField(default=utcnow)

    @classmethod
    def start(cls, editor):
        """A new session for `editor`; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        with write_transaction():
            cls.create(token_hash=hash_secret(token), editor=editor)
        return token

    @classmethod
    def editor_for(cls, token):
        """The editor signed in with this token, or None if it ended or expired."""
        if not token:
            return None
        session = (
            cls.select(cls, Editor).join(Editor)
            .where((cls.token_hash == hash_secret(token)) & (cls.created_at > utcnow() - SESSION_LIFETIME))
            .first()
        )
        return session.editor if session else None

    @classmethod
    def end(cls, token):
        with write_transaction():
            cls.delete().where(cls.token_hash == hash_secret(token)).execute()

    @classmethod
    def end_all(cls, editor):
        with write_transaction():
            cls.delete().where(cls.editor == editor).execute()


class LoginFailure(BaseModel):
    """One failed sign-in, counted per address and per name.

    Kept in the database so that the limit holds across server processes.
    """

    key = CharField(max_length=120)  # "ip:203.0.113.9" or "name:alice"
    at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("key", "at"), False),)

    @classmethod
    def recent(cls, key, window):
        return cls.select().where((cls.key == key) & (cls.at > utcnow() - window)).count()

    @classmethod
    def reserve(cls, keys, limit, window):
        """Count one more attempt under each key, unless a key is at the limit.

        The attempt counts as a failure until `cancel` says otherwise: checking
        and counting in one write transaction means concurrent attempts, in
        any number of processes, cannot all slip under the limit together.
        Returns the ids of the new rows, or None when the limit is reached.
        """
        now = utcnow()
        with write_transaction():
            lock_table(cls)
            cls.delete().where(cls.at <= now - window).execute()
            if any(cls.recent(key, window) >= limit for key in keys):
                return None
            return [cls.create(key=key, at=now).id for key in keys]

    @classmethod
    def cancel(cls, ids, forget_key):
        """A successful sign-in: drop its own rows and the name's earlier failures."""
        with write_transaction():
            cls.delete().where(cls.id.in_(ids) | (cls.key == forget_key)).execute()


class ApiToken(BaseModel):
    """A bearer token for the write API. Only its hash is stored; it is shown once."""

    PREFIX = "ainews_"

    name = CharField(max_length=60, unique=True)
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=utcnow)

    @classmethod
    def issue(cls, name):
        """A new token called `name`; returns the token itself, which is not kept."""
        token = cls.PREFIX + secrets.token_urlsafe(32)
        with write_transaction():
            cls.create(name=name, token_hash=hash_secret(token))
        return token

    @classmethod
    def find(cls, token):
        """The token row for this secret, or None."""
        if not token or len(token) > 200:
            return None
        return cls.get_or_none(cls.token_hash == hash_secret(token))


MODELS = [Tag, Article, ArticleTag, Editor, EditorSession, LoginFailure, ApiToken]


class EditConflict(Exception):
    """Someone else saved the article after the editor loaded it."""

    def __init__(self, current):
        super().__init__(f"article {current.id} is at version {current.version}")
        self.current = current


def outdated_translations(old, new, marks, checked=()):
    """The translations that may be out of date after a save.

    Editing one language of a field (and not the other) marks the other one,
    if it has text. Editing a marked translation is bringing it up to date:
    that clears its mark without marking the other language. Ticking a
    translation as checked clears its mark too.
    """
    marks = set(marks.split()) - set(checked)
    for field in TRANSLATED_FIELDS:
        for lang, other in (("en", "zh"), ("zh", "en")):
            name, other_name = f"{field}_{lang}", f"{field}_{other}"
            if old[name] != new[name]:
                catching_up = name in marks
                marks.discard(name)
                if old[other_name] == new[other_name] and not catching_up:
                    marks.add(other_name)
    return " ".join(sorted(name for name in marks if new.get(name)))


def save_article(article, values, tags, expected_version=None, checked=()):
    """Save an editor's changes to a new or existing article, tags included.

    An existing article is only written if it is still at `expected_version`;
    otherwise EditConflict carries the newer stored article. Changing a
    published article, even just its tags or scores, marks it updated.
    """
    with write_transaction():
        for tag in tags:
            if tag.id is None:
                tag.save()
        if article.id is None:
            article = Article(**values)
            article.save()
            set_tags(article, tags)
            article.tags = tags
            return article
        stored = Article.get_by_id(article.id)
        attach_tags([stored])
        if stored.version != expected_version:
            raise EditConflict(stored)
        old = {name: getattr(stored, name) for name in values}
        changed = old != values or sorted(t.slug for t in stored.tags) != sorted(t.slug for t in tags)
        if not changed and not checked:
            return stored
        values = dict(values, outdated=outdated_translations(old, values, stored.outdated, checked))
        if values.get("published_at") is None:
            values["published_at"] = stored.published_at
        if changed and stored.status == "published" and values["status"] == "published":
            values["updated_at"] = utcnow()
        for name, value in values.items():
            setattr(stored, name, value)
        stored.version += 1
        if stored.status == "published" and stored.published_at is None:
            stored.published_at = utcnow()
        stored.validate()
        # The version in the WHERE clause makes the check and the write one
        # step, whatever the database's isolation level.
        written = (
            Article.update({getattr(Article, name): getattr(stored, name) for name in [*values, "published_at", "version"]})
            .where((Article.id == stored.id) & (Article.version == expected_version))
            .execute()
        )
        if not written:
            raise EditConflict(Article.get_by_id(stored.id))
        set_tags(stored, tags)
        stored.tags = tags
        return stored


def create_tables():
    """Create missing tables, add columns that newer code expects, and the search index."""
    # search.py builds on these models, so it is imported here, not at the top.
    import search

    db = database()
    with db.connection_context():
        db.create_tables(MODELS, safe=True)
        add_missing_columns(db)
        search.install(db)
        install_change_counter(db)
    update_statistics()


# What reader pages show: a change to any of these tables may change a page.
SHOWN_TABLES = ("article", "tag", "articletag")


def install_change_counter(db):
    """SQLite: `sitestate.version`, which triggers bump on every change to what readers see.

    Remembered pages (pagecache.py) are keyed by it. The triggers run inside
    the writing transaction, so a reader sees the new version exactly when it
    sees the new rows, whatever process or tool made the change.
    """
    if not isinstance(db, SqliteDatabase):
        return
    db.execute_sql("CREATE TABLE IF NOT EXISTS sitestate (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)")
    db.execute_sql("INSERT OR IGNORE INTO sitestate (id, version) VALUES (1, 0)")
    for table in SHOWN_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_changes_site AFTER {event} ON {table} "  # nosec B608 # names from the constants above
                "BEGIN UPDATE sitestate SET version = version + 1 WHERE id = 1; END"
            )


def content_version(db=None):
    """The change counter, or None where there is none (PostgreSQL, a database not yet upgraded)."""
    db = db or database()
    if not isinstance(db, SqliteDatabase):
        return None
    try:
        row = db.execute_sql("SELECT version FROM sitestate WHERE id = 1").fetchone()
    except OperationalError:
        return None
    return row[0] if row else None


def update_statistics():
    """Let the planner know the tables' sizes.

    Without statistics SQLite may sort a score-ordered feed in a temporary
    B-tree instead of reading the score's index (11x slower at 12,000
    articles, measured). With `analysis_limit` ANALYZE samples each index
    instead of reading it all, so it is cheap enough to run at every start.
    PostgreSQL's ANALYZE samples by itself; its autovacuum keeps statistics
    fresh later, but only a while after a bulk import.
    """
    db = database()
    with db.connection_context():
        if isinstance(db, SqliteDatabase):
            db.execute_sql("PRAGMA analysis_limit = 1000")
        for model in (Article, ArticleTag, Tag):
            if model.table_exists():
                db.execute_sql(f'ANALYZE "{model._meta.table_name}"')


def add_missing_columns(db):
    """The one kind of schema change so far: a new column with a default.

    The column is added nullable and filled with its default: making it NOT
    NULL would make SQLite rebuild the table, which the search triggers that
    name it forbid. The models always write a value anyway.
    """
    migrator = SchemaMigrator.from_database(db)
    operations = []
    for model in MODELS:
        table = model._meta.table_name
        existing = {column.name for column in db.get_columns(table)}
        for field in model._meta.sorted_fields:
            if field.column_name not in existing:
                column = copy.copy(field)
                column.null = True
                operations.append(migrator.add_column(table, field.column_name, column))
                if field.default is not None:
                    operations.append(migrator.apply_default(table, field.column_name, field))
    if operations:
        with write_transaction():
            migrate(*operations)


def article_count():
    return Article.select(fn.COUNT(Article.id)).scalar()
