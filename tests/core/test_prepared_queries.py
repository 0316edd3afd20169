"""Reader queries run from SQL built once (ainews.db.Prepared) and rows made into
models without Peewee's per-value work (load_rows): the same models Peewee gives."""

import json
from datetime import timedelta

import pytest

from ainews import tags
from ainews.clock import utcnow
from ainews.db import Prepared, database, load_rows
from ainews.tags import tag_by_slug, tags_with_counts
from models import CARD_FIELDS, Article, ArticleTag, Tag, attach_tags


def as_peewee_gives(query):
    """The articles as Peewee reads them: a list's card's columns (CARD_FIELDS), tags attached."""
    articles = list(query.select(*CARD_FIELDS))
    attach_tags(articles)
    return articles


def same(loaded, expected):
    assert [a.__data__ for a in loaded] == [a.__data__ for a in expected]
    assert [[t.__data__ for t in a.tags] for a in loaded] == [[t.__data__ for t in a.tags] for a in expected]


@pytest.fixture
def site(make_article, make_tag):
    tags = [make_tag(), make_tag(slug="policy", name_en="Policy", name_zh="政策")]
    for n in range(7):
        make_article(
            slug=f"story-{n}",
            title_en=f"Story {n}",
            hot=n * 13 % 100,
            ai_generated=n % 2 == 0,
            updated_at=utcnow() - timedelta(hours=1) if n % 3 == 0 else None,
            published_at=utcnow() - timedelta(hours=n + 1),
            tags=tags[: n % 3],
        )
    make_article(slug="draft", status="draft", published_at=None)
    make_article(slug="scheduled", published_at=utcnow() + timedelta(hours=2))
    return tags


@pytest.mark.parametrize("sort", ["new", "hot", "quality", "impact"])
def test_feed_pages_are_what_peewee_gives(db, site, sort):
    for page in (1, 2, 3):
        articles, has_next = Article.feed_page(page, per_page=3, sort=sort)
        same(articles, as_peewee_gives(Article.published(sort).offset((page - 1) * 3).limit(3)))
        assert has_next == (page < 3)
    for tag in site:
        tagged, _ = Article.feed_page(1, per_page=10, sort=sort, tag=tag)
        same(tagged, as_peewee_gives(Article.tagged(Article.published(sort), tag)))
        assert tagged


# (FEW_TAG, MANY_TAG), and then the sizes of open-source (on 4 articles) and policy (on 2).
SIZES = [((3, 4), ["many", "few"]), ((1, 10), ["some", "some"])]


@pytest.mark.parametrize("sort", ["new", "hot"])
@pytest.mark.parametrize("limits, sizes", SIZES)
def test_a_tags_pages_are_what_peewee_gives_however_read(db, site, sort, limits, sizes, monkeypatch):
    monkeypatch.setattr(tags, "FEW_TAG", limits[0])
    monkeypatch.setattr(tags, "MANY_TAG", limits[1])
    found = [tag_by_slug(tag.slug) for tag in site]
    assert [tag.size for tag in found] == sizes
    for tag in found:
        for page in (1, 2):
            tagged, has_next = Article.feed_page(page, per_page=2, sort=sort, tag=tag)
            expected = as_peewee_gives(Article.tagged(Article.published(sort), tag).offset((page - 1) * 2).limit(2))
            same(tagged, expected)
            assert tagged or page == 2


@pytest.mark.parametrize("limits, sizes", SIZES)
def test_a_tag_is_read_the_way_its_size_suits(db, site, limits, sizes, monkeypatch, count_queries):
    monkeypatch.setattr(tags, "FEW_TAG", limits[0])
    monkeypatch.setattr(tags, "MANY_TAG", limits[1])
    ids_first = 'IN (SELECT "t1"."id" FROM "article"'
    for tag, size in zip(site, sizes, strict=True):
        found = tag_by_slug(tag.slug)
        count_queries.clear()
        Article.feed_page(1, tag=found)
        page_sql = count_queries[0][0]  # then its tags'
        assert ("EXISTS" in page_sql, ids_first in page_sql) == READ_AS[size]


# How each size's page is read: (each link looked up, the ids first).
READ_AS = {"few": (False, False), "some": (False, True), "many": (True, True)}


def test_loaded_values_have_the_models_types(db, site):
    article = Article.get_published("story-0")
    peewee = Article.get(Article.slug == "story-0")
    for field in Article._meta.sorted_fields:
        value, expected = getattr(article, field.name), getattr(peewee, field.name)
        assert (type(value), value) == (type(expected), expected), field.name
    assert article.published_at.tzinfo is not None and article.ai_generated is True
    assert Article.get_published("draft") is None and Article.get_published("scheduled") is None


def test_an_article_is_read_with_its_tags_in_one_query(db, site, count_queries):
    count_queries.clear()
    article = Article.get_published("story-2")
    assert len(count_queries) == 1
    peewee = Article.get(Article.slug == "story-2")
    attach_tags([peewee])
    assert [tag.slug for tag in article.tags] == [tag.slug for tag in peewee.tags] == ["open-source", "policy"]
    assert [(tag.id, tag.name_en, tag.name_zh) for tag in article.tags] == [
        (tag.id, tag.name_en, tag.name_zh) for tag in peewee.tags
    ]


def test_tags_with_counts_are_what_peewee_gives(db, site):
    counted = {tag.slug: tag.count for tag in tags_with_counts()}
    links = ArticleTag.select().join(Article).where(Article.slug.startswith("story-"))
    expected = {tag.slug: sum(1 for link in links if link.tag_id == tag.id) for tag in Tag.select()}
    assert counted == {slug: n for slug, n in expected.items() if n}
    assert [tag.slug for tag in tags_with_counts()] == ["open-source", "policy"]


def test_a_stand_in_must_be_one_parameter_of_the_sql(db):
    with pytest.raises(ValueError):
        Prepared(lambda slug: Article.select().where(Article.slug == "fixed"), slug="missing").execute(database(), "x")
    query = Prepared(lambda slug: Article.select(Article.slug).where(Article.slug == slug), slug="stand-in")
    assert list(query.execute(database(), slug="nothing")) == []


def test_load_rows_converts_what_the_driver_gives(db, site):
    cursor = database().execute_sql('SELECT "id", "published_at", "ai_generated" FROM "article" ORDER BY "id"')
    fields = [Article.id, Article.published_at, Article.ai_generated]
    loaded = load_rows(Article, cursor, fields)
    assert loaded[0].published_at == Article.get_by_id(loaded[0].id).published_at
    assert isinstance(loaded[0].ai_generated, bool)


def test_loaded_rows_make_each_model_once_and_hold_the_stored_values(db, site):
    rows, _ = Article.feed_page(1, per_page=5)
    assert rows[0] is rows[0] and rows[-1] is rows[4] and rows[1:3] == [rows[1], rows[2]]
    same(rows, as_peewee_gives(Article.published().limit(5)))
    for n, article in enumerate(rows):
        assert rows.value(n, "published_at") == article.published_at
        assert rows.value(n, "updated_at") == article.updated_at
    tagged = [n for n, article in enumerate(rows) if article.tags]
    # A card's key is its row as read, which ends with its tags.
    assert tagged and all(len(json.loads(rows.identity(n)[-1])) == len(rows[n].tags) for n in range(len(rows)))


def test_a_tag_by_its_slug_is_what_peewee_gives(db, site):
    for tag in site:
        assert tag_by_slug(tag.slug).__data__ == Tag.get(Tag.slug == tag.slug).__data__
    assert tag_by_slug("no-such-tag") is None


def test_feed_rows_hold_text_as_read_and_other_queries_strings(db, site):
    rows, _ = Article.feed_page(1, per_page=3)
    slug = Article._meta.sorted_field_names.index("slug")
    assert type(rows.rows[0][slug]) is bytes  # decoded only when a model is made
    assert rows[0].slug == rows.value(0, "slug") == "story-0"
    assert type(database().execute_sql('SELECT "slug" FROM "article"').fetchone()[0]) is str
