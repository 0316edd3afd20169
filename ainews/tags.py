"""Tags as readers find them: by slug, and every tag with its number of published articles.

Both are asked at every request of the pages that show them, so their SQL
is built once (`Prepared`).
"""

from peewee import SQL, fn

from ainews.db import Prepared, database, load_rows
from models import STAND_IN_ID, STAND_IN_NOW, Article, ArticleTag, Tag, db_now

# A tag's pages are read one of three ways by how many articles have it
# (Article.tag_page): "few" below FEW_TAG, "many" from MANY_TAG on, else
# "some". They are counted up to MANY_TAG in the query that finds the tag.
FEW_TAG = 100
MANY_TAG = 1000


def tag_by_slug(slug):
    """The tag with this slug, or None; its `size` says how its pages are read."""
    rows = TAG_BY_SLUG.execute(database(), slug=slug, most=MANY_TAG).fetchall()
    if not rows:
        return None
    (tag,) = load_rows(Tag, [rows[0][:-1]])
    tag.size = tag_size(rows[0][-1])
    return tag


def tag_size(articles):
    """How a tag's pages are read, by its number of articles (counted up to MANY_TAG)."""
    return "few" if articles < FEW_TAG else "many" if articles >= MANY_TAG else "some"


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


def tag_by_slug_query(slug, most):
    links = ArticleTag.select(SQL("1")).where(ArticleTag.tag == Tag.id).limit(most)
    up_to = ArticleTag.select(fn.COUNT(SQL("*"))).from_(links.alias("links"))
    return Tag.select(*Tag._meta.sorted_fields, up_to).where(Tag.slug == slug).limit(1)


TAG_BY_SLUG = Prepared(tag_by_slug_query, slug="\x00stand-in", most=STAND_IN_ID)
TAGS_WITH_COUNTS = Prepared(tags_with_counts_query, now=STAND_IN_NOW)
