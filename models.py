"""The database: Peewee models for articles and tags, and the queries on them.

`db_wrapper` is bound to a real database by `app.create_app()`; everything
else in the project reaches the database through the models defined here.
"""
import hashlib
import re
import unicodedata
from datetime import datetime, timezone

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SqliteDatabase,
    TextField,
    fn,
)
from playhouse.db_url import connect
from playhouse.flask_utils import FlaskDB

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
LANGUAGES = ("en", "zh")


def open_database(url):
    """Connect to a database URL, with our pragmas for SQLite."""
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS)
    return connect(url)


def database():
    """The real database behind the FlaskDB proxy."""
    return db_wrapper.database.obj


def write_transaction():
    """A transaction for writing.

    SQLite takes the write lock at BEGIN IMMEDIATE, so concurrent writers wait
    on the busy timeout instead of failing with "database is locked" when a
    deferred transaction tries to upgrade its read lock.
    """
    db = database()
    if isinstance(db, SqliteDatabase):
        return db.atomic("IMMEDIATE")
    return db.atomic()


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


class Tag(BaseModel):
    slug = CharField(max_length=60, unique=True)
    name_en = CharField(max_length=60)
    name_zh = CharField(max_length=60)

    def name(self, lang):
        return getattr(self, f"name_{lang}") or self.name_en or self.name_zh


class Article(BaseModel):
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
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("status", "published_at"), False),)

    @classmethod
    def published(cls):
        """Published articles whose publish time has come, newest first."""
        return (
            cls.select()
            .where((cls.status == "published") & (cls.published_at <= utcnow()))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )

    @classmethod
    def feed_page(cls, page, per_page=20):
        """One page of the feed, tags attached, and whether a next page exists."""
        rows = list(cls.published().offset((page - 1) * per_page).limit(per_page + 1))
        articles = rows[:per_page]
        attach_tags(articles)
        return articles, len(rows) > per_page

    @classmethod
    def get_published(cls, slug):
        """The published article with this slug, tags attached, or None."""
        article = cls.published().where(cls.slug == slug).first()
        if article is not None:
            attach_tags([article])
        return article

    @classmethod
    def count_view(cls, article_id):
        with write_transaction():
            cls.update(views=cls.views + 1).where(cls.id == article_id).execute()

    @staticmethod
    def base_slug(title_en, title_zh=""):
        """The slug a title asks for: from the English title, else a stable one."""
        return slugify(title_en) or "article-" + hashlib.sha1(title_zh.encode()).hexdigest()[:8]

    @classmethod
    def unique_slug(cls, title_en, title_zh=""):
        """The base slug, numbered if another article has it already."""
        base = slug = cls.base_slug(title_en, title_zh)
        n = 1
        while cls.select().where(cls.slug == slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

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


class ArticleTag(BaseModel):
    article = ForeignKeyField(Article, backref="article_tags", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="article_tags", on_delete="CASCADE")

    class Meta:
        indexes = ((("article", "tag"), True), (("tag", "article"), False))


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


def create_tables():
    with database().connection_context():
        database().create_tables([Tag, Article, ArticleTag], safe=True)


def article_count():
    return Article.select(fn.COUNT(Article.id)).scalar()
