"""The Peewee models for articles, tags, editors and tokens, and the queries on them."""

import hashlib
import secrets

from peewee import (
    BooleanField,
    CharField,
    Check,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)
from werkzeug.security import check_password_hash, generate_password_hash

from ainews import rules
from ainews.clock import utcnow
from ainews.db import db_wrapper, lock_table, write_transaction
from ainews.fields import NeverReusedIdField, UTCDateTimeField, score_check
from ainews.rules import SCORES, SESSION_LIFETIME, STATUSES


class BaseModel(db_wrapper.Model):
    pass


class Tag(BaseModel):
    slug = CharField(max_length=rules.TAG_SLUG_MAX, unique=True)
    name_en = CharField(max_length=rules.TAG_NAME_MAX)
    name_zh = CharField(max_length=rules.TAG_NAME_MAX)

    def name(self, lang):
        return getattr(self, f"name_{lang}") or self.name_en or self.name_zh


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
        order = [getattr(cls, sort).desc()] if sort in SCORES else []
        return (
            cls.select()
            .where((cls.status == "published") & (cls.published_at <= (now or utcnow())))
            .order_by(*order, cls.published_at.desc(), cls.id.desc())
        )

    @classmethod
    def tagged(cls, query, tag):
        """`query` narrowed to the articles with `tag`; all of them when tag is None."""
        if tag is None:
            return query
        return query.where(cls.id.in_(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))

    @classmethod
    def feed_page(cls, page, per_page=20, sort="new", tag=None, pages=1, now=None):
        """`pages` pages of the feed (or of one tag) from `page` on, tags attached, and whether more follow.

        `now` is the moment the list is told as of: what a later "new articles" count starts from.
        """
        query = cls.tagged(cls.published(sort, now), tag)
        rows = list(query.offset((page - 1) * per_page).limit(per_page * pages + 1))
        articles = rows[: per_page * pages]
        attach_tags(articles)
        return articles, len(rows) > per_page * pages

    @classmethod
    def count_published(cls, tag=None, since=None):
        """How many articles are published (with `tag`; after `since`)."""
        query = cls.tagged(cls.published().order_by(), tag)
        if since is not None:
            query = query.where(cls.published_at > since)
        return query.count()

    @classmethod
    def published_since(cls, since, now, tag=None, limit=20):
        """The articles published after `since` and by `now`, newest first, tags attached."""
        articles = list(cls.tagged(cls.published(now=now), tag).where(cls.published_at > since).limit(limit))
        attach_tags(articles)
        return articles

    def related(self, count, window=50):
        """Up to `count` published articles sharing most tags with this one; among equals, the newest.

        Two queries whatever the size of the tags: the `window` articles
        sharing most tags (the latest written first among equals), then
        those of them that are published. Short of `count`, the newest
        others fill the list.
        """
        tag_ids = [tag.id for tag in getattr(self, "tags", [])]
        shared = {}
        if tag_ids:
            links = (
                ArticleTag.select(ArticleTag.article, fn.COUNT(ArticleTag.id).alias("shared"))
                .where(ArticleTag.tag.in_(tag_ids) & (ArticleTag.article != self.id))
                .group_by(ArticleTag.article)
                .order_by(fn.COUNT(ArticleTag.id).desc(), ArticleTag.article.desc())
                .limit(window)
            )
            shared = {link.article_id: link.shared for link in links}
        found = list(Article.published().where(Article.id.in_(list(shared)))) if shared else []
        found.sort(key=lambda article: -shared[article.id])  # stable: the newest first among equals
        found = found[:count]
        if len(found) < count:
            taken = [self.id, *(article.id for article in found)]
            found += list(Article.published().where(Article.id.not_in(taken)).limit(count - len(found)))
        return found

    def neighbours(self):
        """(the article published just before this one, the one just after), either None."""
        before = (Article.published_at < self.published_at) | (
            (Article.published_at == self.published_at) & (Article.id < self.id)
        )
        after = (Article.published_at > self.published_at) | (
            (Article.published_at == self.published_at) & (Article.id > self.id)
        )
        older = Article.published().where(before).first()
        newer = Article.published().where(after).order_by(Article.published_at, Article.id).first()
        return older, newer

    @classmethod
    def get_published(cls, slug):
        """The published article with this slug, tags attached, or None."""
        article = cls.published().where(cls.slug == slug).first()
        if article is not None:
            attach_tags([article])
        return article

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
        if not rules.has_title({name: getattr(self, name) for name in rules.TITLE_COLUMNS}):
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
        """A new session for `editor`; returns the token for the cookie. Expired sessions are deleted."""
        token = secrets.token_urlsafe(32)
        with write_transaction():
            cls.delete().where(cls.created_at <= utcnow() - SESSION_LIFETIME).execute()  # expired ones, anyone's
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
