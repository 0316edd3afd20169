"""Counting views is not a change of content: cached pages outlive it, and lists
show counts at most a minute old (the page cache's key holds the minute)."""

import pytest
from bs4 import BeautifulSoup

from ainews import cache
from ainews.db import database
from ainews.schema import content_version
from conftest import ON_POSTGRES
from models import Article

ARTICLE = "/en/articles/open-models"


@pytest.fixture
def minute(monkeypatch):
    """The page cache's minute, held still until a test moves it on."""
    now = [cache.current_minute()]
    monkeypatch.setattr(cache, "current_minute", lambda: now[0])
    return now


def views_shown(client, url="/en/"):
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return page.select_one(".views").get_text()


def test_a_counted_view_leaves_the_change_counter_alone(client, make_article):
    article = make_article(slug="open-models")
    with database().connection_context():
        before = content_version()
    client.get(ARTICLE)  # VIEW_FLUSH_SECONDS=0 in tests: written before the page returns
    with database().connection_context():
        assert Article.get_by_id(article.id).views == 1
        assert content_version() == before
        Article.update(hot=Article.hot + 1).where(Article.id == article.id).execute()
        assert content_version() != before


def test_the_feed_shows_counts_up_to_a_minute_old(client, make_article, minute, count_queries):
    make_article(slug="open-models")
    assert views_shown(client) == "0 views"
    client.get(ARTICLE)
    client.get(ARTICLE)
    count_queries.clear()
    assert views_shown(client) == "0 views"  # the cached page, still good
    # The change counter's read, and nothing else; none on PostgreSQL, whose
    # processes hear of changes (ainews/changes.py).
    assert len(count_queries) == (0 if ON_POSTGRES else 1)
    minute[0] += 1
    assert views_shown(client) == "2 views"


def test_the_article_page_shows_its_count_at_once(client, make_article, minute):
    make_article(slug="open-models", views=41)
    assert views_shown(client, ARTICLE) == "42 views"
    assert views_shown(client, ARTICLE) == "43 views"
