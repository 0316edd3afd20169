"""The Peewee models for articles, tags, editors and tokens, and the queries on them."""

import hashlib
import secrets
from datetime import datetime, timezone

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
    SqliteDatabase,
    TextField,
    fn,
)
from werkzeug.security import check_password_hash, generate_password_hash

from ainews import rules
from ainews.clock import utcnow
from ainews.db import Prepared, database, db_wrapper, load_rows, lock_table, write_transaction
from ainews.rules import SCORES, SESSION_LIFETIME, STATUSES


class UTCDateTimeField(DateTimeField):
    """Stores naive UTC in the database and hands back aware UTC datetimes."""

    def db_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        if isinstance(value, str):
            # SQLite's text, as Peewee wrote it: ISO 8601, which fromisoformat
            # reads ten times faster than Peewee's tries of strptime formats.
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                pass
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


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
    slug = CharField(max_length=rules.TAG_SLUG_MAX, unique=True)
    name_en = CharField(max_length=rules.TAG_NAME_MAX)
    name_zh = CharField(max_length=rules.TAG_NAME_MAX)

    def name(self, lang):
        return getattr(self, f"name_{lang}") or self.name_en or self.name_zh


def score_check(column):
    low, high = rules.SCORE_RANGE
    return Check(f"{column} BETWEEN {low} AND {high}")


class Article(BaseModel):
    id = NeverReusedIdField()
    slug = CharField(max_length=rules.SLUG_MAX, unique=True)
    category_en = CharField(max_length=rules.TEXT_LIMITS["category"], default=rules.CATEGORY_DEFAULTS["category_en"])
    category_zh = CharField(max_length=rules.TEXT_LIMITS["category"], default=rules.CATEGORY_DEFAULTS["category_zh"])
    title_en = CharField(max_length=rules.TEXT_LIMITS["title"], default="")
    title_zh = CharField(max_length=rules.TEXT_LIMITS["title"], default="")
    summary_en = TextField(default="")
    summary_zh = TextField(default="")
    analysis_en = TextField(default="")
    analysis_zh = TextField(default="")
    hot = IntegerField(default=0, constraints=[score_check("hot")])
    quality = IntegerField(default=0, constraints=[score_check("quality")])
    impact = IntegerField(default=0, constraints=[score_check("impact")])
    ai_generated = BooleanField(default=False)
    status = CharField(
        max_length=10,
        default=rules.DEFAULT_STATUS,
        constraints=[Check("status IN ({})".format(", ".join(f"'{status}'" for status in STATUSES)))],
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
    outdated = CharField(max_length=rules.OUTDATED_MAX, default="")
    # Provenance, set by the pipelines that write drafts through the API:
    # where the story came from, and which model wrote the text when.
    source_url = CharField(max_length=rules.SOURCE_URL_MAX, default="")
    model = CharField(max_length=rules.MODEL_NAME_MAX, default="")
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
    def published(cls, sort="new", now=None):
        """Published articles whose publish time has come: newest first, or by a score (ties: newest)."""
        return (
            cls.select()
            .where((cls.status == "published") & (cls.published_at <= (now or utcnow())))
            .order_by(*cls.feed_order(sort))
        )

    @classmethod
    def feed_order(cls, sort):
        return [*([getattr(cls, sort).desc()] if sort in SCORES else []), cls.published_at.desc(), cls.id.desc()]

    @classmethod
    def tag_page(cls, sort, now, tag, limit, offset):
        """One page of a tag's articles: the ids first, then their rows.

        Asked for whole rows at once, SQLite read every article of the tag
        and sorted them (43 ms for a tag of 9,000 at 100,000 articles); for
        ids alone it reads the feed's index in order and stops at the page.
        """
        ids = cls.tagged(cls.published(sort, now).select(cls.id), tag).limit(limit).offset(offset)
        return cls.select().where(cls.id.in_(ids)).order_by(*cls.feed_order(sort))

    @classmethod
    def tagged(cls, query, tag):
        return query.where(cls.id.in_(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))

    @classmethod
    def feed_page(cls, page, per_page=20, sort="new", tag=None):
        """One page of the feed (or of one tag), tags attached, and whether a next page exists."""
        values = {"now": db_now(), "limit": per_page + 1, "offset": (page - 1) * per_page}
        if tag is not None:
            values["tag"] = tag.id if isinstance(tag, Tag) else tag
        cursor = FEED_PAGES[sort, tag is not None].execute(database(), **values)
        rows = load_rows(cls, cursor)
        articles = rows[:per_page]
        attach_tags(articles)
        return articles, len(rows) > per_page

    @classmethod
    def count_published(cls, tag=None):
        query = cls.published().order_by()
        return (query if tag is None else cls.tagged(query, tag)).count()

    @classmethod
    def get_published(cls, slug):
        """The published article with this slug, tags attached, or None."""
        found = load_rows(cls, PUBLISHED_BY_SLUG.execute(database(), now=db_now(), slug=slug))
        attach_tags(found)
        return found[0] if found else None

    @classmethod
    def unique_slug(cls, title_en, title_zh=""):
        """The base slug, numbered if another article has it already."""
        base = slug = rules.article_slug(title_en, title_zh)
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
            if not rules.score_ok(getattr(self, name)):
                raise ValueError(f"{name} must be an integer from {rules.SCORE_RANGE[0]} to {rules.SCORE_RANGE[1]}")
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


class ArticleTag(BaseModel):
    article = ForeignKeyField(Article, backref="article_tags", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="article_tags", on_delete="CASCADE")

    class Meta:
        indexes = ((("article", "tag"), True), (("tag", "article"), False))


def tags_with_counts():
    """Every tag that has published articles, with their number, the largest first."""
    cursor = TAGS_WITH_COUNTS.execute(database(), now=db_now())
    rows = list(cursor)
    tags = load_rows(Tag, (row[:-1] for row in rows))
    for tag, row in zip(tags, rows, strict=True):
        tag.count = row[-1]
    return tags


def tags_with_counts_query(now):
    published = Article.published(now=now).order_by().select(Article.id)
    count = fn.COUNT(ArticleTag.id)
    return (
        Tag.select(*Tag._meta.sorted_fields, count.alias("count"))
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
    ids = list(by_id)
    if len(ids) > PREPARED_TAG_LISTS:  # an export, say: its SQL is built but once
        rows = list(tags_of(*ids).tuples())
    else:
        if len(ids) not in TAGS_OF:
            TAGS_OF[len(ids)] = Prepared(tags_of, *[STAND_IN_ID + n for n in range(len(ids))])
        rows = list(TAGS_OF[len(ids)].execute(database(), *ids))
    for (article_id, *_), tag in zip(rows, load_rows(Tag, (row[1:] for row in rows)), strict=True):
        by_id[article_id].tags.append(tag)


def tags_of(*ids):
    """The tags of the articles with these ids: (article id, the tag's columns), by English name."""
    return (
        ArticleTag.select(ArticleTag.article, *Tag._meta.sorted_fields)
        .join(Tag)
        .where(ArticleTag.article.in_(ids))
        .order_by(Tag.name_en)
    )


def set_tags(article, tags):
    """Replace an article's tags, touching only the links that change.

    Each link written or deleted makes the search index's triggers
    rewrite the article's row: rewriting every link at every save made a
    save on PostgreSQL five times the work with two tags (50 ms against
    10 at 500 articles, 2026-11-30).
    """
    wanted = {tag.id for tag in tags}
    with write_transaction():
        present = {link.tag_id for link in ArticleTag.select(ArticleTag.tag).where(ArticleTag.article == article)}
        if present - wanted:
            ArticleTag.delete().where((ArticleTag.article == article) & ArticleTag.tag.in_(present - wanted)).execute()
        for tag in tags:
            if tag.id not in present:
                ArticleTag.create(article=article, tag=tag)


# Reader pages' queries, their SQL built once (see `Prepared`). Stand-ins: values
# no real query has, for Prepared to find among the SQL's parameters.
STAND_IN_ID = -(10**9)
STAND_IN_NOW = datetime(1900, 1, 1, 0, 0, 1)  # as the database gets it: naive UTC


def db_now():
    """Now, as the database gets a publish time."""
    return Article.published_at.db_value(utcnow())


FEED_PAGES = {
    (sort, tagged): Prepared(
        lambda now, limit, offset, sort=sort, tagged=tagged, **tag: (
            Article.tag_page(sort, now, tag["tag"], limit, offset)
            if tagged
            else Article.published(sort, now).limit(limit).offset(offset)
        ),
        now=STAND_IN_NOW,
        limit=STAND_IN_ID + 1,
        offset=STAND_IN_ID + 2,
        **({"tag": STAND_IN_ID + 3} if tagged else {}),
    )
    for sort in ("new", *SCORES)
    for tagged in (False, True)
}
PUBLISHED_BY_SLUG = Prepared(
    lambda now, slug: Article.published(now=now).where(Article.slug == slug).limit(1),
    now=STAND_IN_NOW,
    slug="\x00stand-in",
)
TAGS_WITH_COUNTS = Prepared(tags_with_counts_query, now=STAND_IN_NOW)
TAGS_OF = {}  # Prepared queries by the number of articles, up to:
PREPARED_TAG_LISTS = 100


class Editor(BaseModel):
    """Someone who may write and publish articles."""

    name = CharField(max_length=rules.EDITOR_NAME_MAX, unique=True)
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
            cls.select(cls, Editor)
            .join(Editor)
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

    name = CharField(max_length=rules.TOKEN_NAME_MAX, unique=True)
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=utcnow)

    @classmethod
    def issue(cls, name):
        """A new token called `name`; returns the token itself, which is not kept."""
        token = rules.TOKEN_PREFIX + secrets.token_urlsafe(32)
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


def article_count():
    return Article.select(fn.COUNT(Article.id)).scalar()
