"""The Peewee models for articles and tags and the queries on them; every model is listed in MODELS.

The models of who may write (editors, sessions, sign-in failures, API tokens)
live in ainews/accounts.py and are importable from here too.
"""

from datetime import datetime

from peewee import (
    SQL,
    BooleanField,
    CharField,
    Check,
    Column,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)

from ainews import card_tags, rules
from ainews.clock import utcnow
from ainews.db import BaseModel, LoadedRows, Prepared, by_first_column, database, load_rows, prepared, write_transaction
from ainews.fields import NeverReusedIdField, UTCDateTimeField, score_check
from ainews.reading import text_facts
from ainews.rules import SCORES, STATUSES


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
    # The cover picture: an uploaded image's key (ainews/images.py) or "",
    # and what it shows in words, in each language.
    cover = CharField(max_length=rules.IMAGE_KEY_LENGTH, default="")
    cover_alt_en = CharField(max_length=rules.IMAGE_ALT_MAX, default="")
    cover_alt_zh = CharField(max_length=rules.IMAGE_ALT_MAX, default="")
    # What lists show of the texts, worked out at every write so that they
    # need not read the analyses (ainews.reading.text_facts): minutes to read
    # it in each language, 0 without words (NULL until `flask init-db` works
    # out an older article's), and the languages it has an analysis in.
    reading_en = IntegerField(null=True)
    reading_zh = IntegerField(null=True)
    analysed = CharField(max_length=len(" ".join(rules.LANGS)), default="")

    class Meta:
        # One index per feed order (feed_order), so each reads rows already
        # sorted: the id too, which SQLite's indexes end with anyway and
        # PostgreSQL's do not (it sorted each page's rows again).
        indexes = tuple(
            (("status", *scores, "published_at", "id"), False) for scores in ((), *((score,) for score in SCORES))
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
    def tag_page(cls, sort, now, tag, limit, offset, size="some"):
        """One page of a tag's articles, read the way the tag's `size` (ainews.tags.tag_size) suits.

        At 100,000 articles, on SQLite: the articles of a tag on "few" are
        read whole and sorted (0.1 ms for three; for 9,300, 132 ms). Of a tag
        on "some", the ids first, in the feed index's order, then their rows
        (0.9 ms for 9,300 ids; for three, 6.6 ms walking the whole index).
        Of a tag on "many", the ids in the feed index's order, each article's
        link looked up, which stops at the page (0.23 ms for page 1).
        """
        if size == "few":
            return cls.tagged(cls.published(sort, now), tag).limit(limit).offset(offset)
        if size == "many":
            linked = ArticleTag.select(SQL("1")).where((ArticleTag.article == cls.id) & (ArticleTag.tag == tag))
            ids = cls.published(sort, now).select(cls.id).where(fn.EXISTS(linked))
        else:
            ids = cls.tagged(cls.published(sort, now).select(cls.id), tag)
        ids = ids.limit(limit).offset(offset)
        return cls.select().where(cls.id.in_(ids)).order_by(*cls.feed_order(sort))

    @classmethod
    def tagged(cls, query, tag):
        """`query` narrowed to the articles with `tag`; all of them when tag is None."""
        if tag is None:
            return query
        return query.where(cls.id.in_(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))

    @classmethod
    def feed_page(cls, page, per_page=20, sort="new", tag=None, pages=1, now=None):
        """`pages` pages of the feed (or of one tag) from `page` on, tags attached, and whether more follow.

        The articles are LoadedRows, their tags read with them: made models only when asked for. `now`
        is the moment the list is told as of.
        """
        values = {"now": db_now(now), "limit": per_page * pages + 1, "offset": (page - 1) * per_page}
        size = None
        if tag is not None:
            values["tag"] = tag.id if isinstance(tag, Tag) else tag
            size = getattr(tag, "size", "some")  # as ainews.tags finds a tag
        rows = FEED_PAGES[sort, size].raw_rows(database(), **values)
        shown = rows[: per_page * pages]
        return LoadedRows(cls, CARD_FIELDS, shown, "tags", Tag), len(rows) > per_page * pages

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

    def neighbours(self):
        """(the article published just before this one, the one just after), either None: their LINK_FIELDS only."""
        at, now = db_now(self.published_at), db_now()
        older, newer = (
            load_rows(Article, query.execute(database(), now, at, at, self.id), LINK_FIELDS) for query in NEIGHBOURS
        )
        return (older or [None])[0], (newer or [None])[0]

    @classmethod
    def get_published(cls, slug):
        """The published article with this slug, tags attached, or None. One query: the tags are on its row."""
        found = LoadedRows(
            cls, ARTICLE_COLUMNS, PUBLISHED_BY_SLUG.raw_rows(database(), now=db_now(), slug=slug), "tags", Tag
        )
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

    def reading(self, lang):
        """Minutes to read it in `lang`, as last worked out; None without words."""
        return getattr(self, f"reading_{lang}") or None

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
        self.make_storable()
        return super().save(*args, **kwargs)

    def make_storable(self):
        """Check the fields and fill those a save fills (also before an insert of many)."""
        self.validate()
        for name, value in text_facts(self).items():
            setattr(self, name, value)
        if not self.slug:
            self.slug = Article.unique_slug(self.title_en, self.title_zh)
        if self.status == "published" and self.published_at is None:
            self.published_at = utcnow()


class ArticleTag(BaseModel):
    article = ForeignKeyField(Article, backref="article_tags", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="article_tags", on_delete="CASCADE")

    class Meta:
        indexes = ((("article", "tag"), True), (("tag", "article"), False))


def attach_tags(articles):
    """Set `article.tags` on each article with one query for all of them."""
    linked = by_first_column(tag_rows([article.id for article in articles]))
    for article in articles:
        article.tags = load_rows(Tag, linked.get(article.id, ()))


def tag_rows(ids):
    """(article id, the tag's columns) of the tags of the articles with these ids, by English name."""
    if len(ids) > PREPARED_TAG_LISTS:  # an export, say: its SQL is built but once
        return list(tags_of(*ids).tuples())
    query = prepared(("tags of", len(ids)), tags_of, *[STAND_IN_ID + n for n in range(len(ids))])
    return query.execute(database(), *ids).fetchall() if ids else []


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


def db_now(now=None):
    """Now (or `now`), as the database gets a publish time."""
    return Article.published_at.db_value(now or utcnow())


# What a list's card shows: every column but the analyses (ainews.reading.text_facts),
# then the article's tags as JSON, kept on its row by triggers (ainews/card_tags.py).
CARD_FIELDS = [field for field in Article._meta.sorted_fields if not field.name.startswith("analysis_")]
TAGS_SHOWN = Column(Article._meta.table, card_tags.COLUMN)
FEED_PAGES = {
    (sort, size): Prepared(
        lambda now, limit, offset, sort=sort, size=size, **tag: (
            Article.tag_page(sort, now, tag["tag"], limit, offset, size)
            if size
            else Article.published(sort, now).limit(limit).offset(offset)
        ).select(*CARD_FIELDS, TAGS_SHOWN),
        now=STAND_IN_NOW,
        limit=STAND_IN_ID + 1,
        offset=STAND_IN_ID + 2,
        **({"tag": STAND_IN_ID + 3} if size else {}),
    )
    for sort in ("new", *SCORES)
    for size in (None, "few", "some", "many")  # no tag, or how a tag's page is read
}
ARTICLE_COLUMNS = Article._meta.sorted_fields
PUBLISHED_BY_SLUG = Prepared(
    lambda now, slug: (
        Article.published(now=now).where(Article.slug == slug).limit(1).select(*ARTICLE_COLUMNS, TAGS_SHOWN)
    ),
    now=STAND_IN_NOW,
    slug="\x00stand-in",
)
# The article page's: the articles just before and after one (stand-ins: now,
# its publish time twice, its id), and its related articles (see `related`).
STAND_IN_AT = (datetime(1900, 1, 1, 0, 0, 2), datetime(1900, 1, 1, 0, 0, 3))
# What a link to an article needs: its titles, marked if out of date, and
# its publish time, by which related articles are ordered.
LINK_FIELDS = [Article.id, Article.slug, Article.title_en, Article.title_zh, Article.outdated, Article.published_at]
NEIGHBOURS = [
    Prepared(
        lambda now, at, at_again, article_id, newer=newer: (
            Article.published(now=now)
            .where(
                ((Article.published_at > at) if newer else (Article.published_at < at))
                | (
                    (Article.published_at == at_again)
                    & ((Article.id > article_id) if newer else (Article.id < article_id))
                )
            )
            .order_by(*([Article.published_at, Article.id] if newer else Article.feed_order("new")))
            .limit(1)
            .select(*LINK_FIELDS)
        ),
        STAND_IN_NOW,
        *STAND_IN_AT,
        STAND_IN_ID,
    )
    for newer in (False, True)
]


PREPARED_TAG_LISTS = 100  # tag lists of up to this many articles get a prepared query


from ainews.accounts import ApiToken, Editor, EditorSession, LoginFailure, hash_secret  # noqa: E402, F401
from ainews.images import ImageFile, UploadedImage  # noqa: E402
from ainews.revision_table import Revision  # noqa: E402

MODELS = [Tag, Article, ArticleTag, Editor, EditorSession, LoginFailure, ApiToken, Revision, UploadedImage, ImageFile]


def article_count():
    return Article.select(fn.COUNT(Article.id)).scalar()
