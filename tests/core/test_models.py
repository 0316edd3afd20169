"""The models: slugs, scores, times, tags, and the SQLite settings."""

from datetime import datetime, timedelta, timezone

import pytest
from peewee import IntegrityError

from ainews.clock import utcnow
from ainews.rules import slugify
from conftest import sqlite_only
from models import Article, ArticleTag, Tag, attach_tags, set_tags


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Open Source AI, Explained!", "open-source-ai-explained"),
        ("  Café  déjà vu ", "cafe-deja-vu"),
        ("开源模型", ""),
        ("GPT-5 和开源", "gpt-5"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_chinese_only_title_gets_an_ascii_slug(db):
    article = Article.create(title_zh="只有中文标题", status="draft")
    assert article.slug.startswith("article-")
    assert article.slug.isascii() and len(article.slug) > len("article-")


def test_slugs_stay_unique(db):
    first = Article.create(title_en="Same title")
    second = Article.create(title_en="Same title")
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


@pytest.mark.parametrize("field, value", [("hot", 101), ("quality", -1), ("impact", "50")])
def test_scores_are_checked_before_saving(db, field, value):
    with pytest.raises(ValueError):
        Article.create(title_en="Bad score", **{field: value})
    assert Article.select().count() == 0


def test_the_database_enforces_score_range_too(db):
    article = Article.create(title_en="Good score", hot=100)
    with pytest.raises(IntegrityError):
        Article.update(hot=101).where(Article.id == article.id).execute()


def test_an_article_needs_a_title(db):
    with pytest.raises(ValueError):
        Article.create(title_en="", title_zh="")


def test_times_come_back_aware_utc(db):
    moment = datetime(2026, 5, 1, 20, 30, tzinfo=timezone(timedelta(hours=8)))
    article = Article.create(title_en="Times", status="published", published_at=moment)
    stored = Article.get_by_id(article.id)
    assert stored.published_at == moment
    assert stored.published_at.tzinfo == timezone.utc
    assert stored.created_at.tzinfo == timezone.utc


def test_publishing_sets_the_publish_time(db):
    before = utcnow()
    article = Article.create(title_en="Now", status="published")
    assert before <= article.published_at <= utcnow()
    assert Article.create(title_en="Later", status="draft").published_at is None


def test_was_updated(db):
    published = utcnow() - timedelta(hours=3)
    article = Article(title_en="x", published_at=published, updated_at=None)
    assert not article.was_updated
    article.updated_at = published + timedelta(hours=1)
    assert article.was_updated


def test_tags_attach_in_one_query(db):
    policy = Tag.create(slug="policy", name_en="Policy", name_zh="政策")
    ethics = Tag.create(slug="ethics", name_en="Ethics", name_zh="伦理")
    first = Article.create(title_en="First")
    second = Article.create(title_en="Second")
    set_tags(first, [policy, ethics])
    set_tags(second, [])

    articles = list(Article.select().order_by(Article.id))
    attach_tags(articles)

    assert [[t.slug for t in a.tags] for a in articles] == [["ethics", "policy"], []]


def test_deleting_an_article_removes_its_tag_links(db):
    tag = Tag.create(slug="policy", name_en="Policy", name_zh="政策")
    article = Article.create(title_en="Gone soon")
    set_tags(article, [tag])
    article.delete_instance()
    assert ArticleTag.select().count() == 0
    assert Tag.select().count() == 1


@sqlite_only("pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000
