"""Tags as readers find them: by slug, and every tag with its number of published articles.

Both are asked at every request of the pages that show them, so their SQL
is built once (`Prepared`).
"""

from peewee import fn

from ainews.db import Prepared, database, load_rows
from models import STAND_IN_NOW, Article, ArticleTag, Tag, db_now


def tag_by_slug(slug):
    """The tag with this slug, or None."""
    found = load_rows(Tag, TAG_BY_SLUG.execute(database(), slug=slug))
    return found[0] if found else None


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


TAG_BY_SLUG = Prepared(lambda slug: Tag.select().where(Tag.slug == slug).limit(1), slug="\x00stand-in")
TAGS_WITH_COUNTS = Prepared(tags_with_counts_query, now=STAND_IN_NOW)
