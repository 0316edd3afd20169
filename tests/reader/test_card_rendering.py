"""Cards are remembered once rendered (app.render_card): whatever a card shows, a change to it shows at once."""

from datetime import datetime, timedelta

import pytest
from cachetools import LRUCache

from ainews import cache, clock
from ainews.cache import CARD_LISTS, CARDS
from ainews.clock import utcnow
from ainews.db import database
from conftest import htmx
from models import Article, Tag, set_tags


@pytest.fixture(autouse=True)
def no_remembered_cards():
    """Each test starts with no card remembered, as a fresh server would."""
    CARDS.clear()
    CARD_LISTS.clear()
    yield
    CARDS.clear()
    CARD_LISTS.clear()


# Every page that shows the article's card, and the card toggle's fragments.
CARD_PAGES = [
    ("/en/", {}),
    ("/zh/?view=both", {}),
    ("/en/?sort=hot", {}),
    ("/en/tags/open-source", {}),
    ("/en/search?q=classroom", {}),
    ("/zh/search?q=课堂&view=both", {}),
    ("/en/articles/open-models", {}),
    ("/zh/articles/open-models?view=both", {}),
    ("/zh/articles/open-models/card?show=both&full=1", htmx()),
    ("/en/articles/open-models/card?show=zh", htmx()),
]


def test_a_remembered_card_is_the_card_rendered_afresh(app, make_article, make_tag, monkeypatch, clock):
    app.config["CACHE_PAGES"] = False  # every page rendered, so every load asks the card cache
    article = make_article(tags=[make_tag()], slug="open-models")
    lookups = []  # True for a card found in memory, False for one rendered
    remembered_card = CARDS.get
    monkeypatch.setattr(
        CARDS, "get", lambda key: lookups.append(remembered_card(key) is not None) or remembered_card(key)
    )

    def page(url, headers):
        # The same stored count before each load, so every load shows the same article.
        with database().connection_context():
            Article.update(views=41).where(Article.id == article.id).execute()
        CARD_LISTS.clear()  # each card from the card cache, not with its list
        response = app.test_client().get(url, headers=headers)  # a new reader: no cookies from the last page
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    fresh = {}
    for url, headers in CARD_PAGES:
        CARDS.clear()
        lookups.clear()
        fresh[url] = page(url, headers)
        assert lookups == [False], url  # the one card, rendered
        assert 'id="card-open-models"' in fresh[url], url

    # Every page in turn, with the cards of all the others remembered; then
    # again, each page's own card now remembered too.
    for again in (False, True):
        for url, headers in CARD_PAGES:
            lookups.clear()
            assert page(url, headers) == fresh[url], url
            if again:
                assert lookups == [True], url  # the one card, from memory


def test_any_change_to_an_article_shows_at_once(client, make_article):
    article = make_article(slug="open-models")
    assert "Open models reach the classroom" in client.get("/en/").get_data(as_text=True)
    with database().connection_context():
        # Written behind the models' back: no version bump, nothing told.
        Article.update(title_en="Schools adopt open models", hot=99).where(Article.id == article.id).execute()
    html = client.get("/en/").get_data(as_text=True)
    assert "Schools adopt open models" in html and "Open models reach the classroom" not in html
    assert "<dd>99</dd>" in html


def test_views_counted_elsewhere_show_on_the_feed(client, make_article, monkeypatch):
    make_article(slug="open-models")
    assert "0 views" in client.get("/en/").get_data(as_text=True)
    client.get("/en/articles/open-models")
    # A view is not a change of content: the feed shows it within a minute (tests/reader/test_view_counts.py).
    monkeypatch.setattr(cache, "current_minute", lambda: clock.current_minute() + 1)
    assert "1 view<" in client.get("/en/").get_data(as_text=True)


def test_renamed_tag_shows_on_every_card(client, make_article, make_tag):
    tag = make_tag()
    make_article(tags=[tag])
    assert "Open Source" in client.get("/en/").get_data(as_text=True)
    with database().connection_context():
        Tag.update(name_en="Open Weights").where(Tag.id == tag.id).execute()
    html = client.get("/en/").get_data(as_text=True)
    assert "Open Weights" in html and "Open Source" not in html


def test_retagging_shows_at_once(client, make_article, make_tag):
    article = make_article(tags=[make_tag()])
    policy = make_tag(slug="policy", name_en="Policy", name_zh="政策")
    assert "/en/tags/open-source" in client.get("/en/").get_data(as_text=True)  # its card now remembered
    with database().connection_context():
        set_tags(article, [policy])
    html = client.get("/en/").get_data(as_text=True)
    assert "/en/tags/policy" in html and "/en/tags/open-source" not in html


def test_relative_times_move_on(client, make_article, monkeypatch):
    make_article(published_at=utcnow() - timedelta(hours=2))
    assert ">2h ago</time>" in client.get("/en/").get_data(as_text=True)

    class ThreeHoursLater(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(hours=3)

    monkeypatch.setattr(clock, "datetime", ThreeHoursLater)
    assert ">5h ago</time>" in client.get("/en/").get_data(as_text=True)


def test_search_marks_are_not_kept_for_the_feed(client, make_article):
    make_article()
    assert "<mark>" in client.get("/en/search?q=classroom").get_data(as_text=True)
    assert "<mark>" not in client.get("/en/").get_data(as_text=True)


def test_sort_order_reaches_the_tag_links(client, make_article, make_tag):
    make_article(tags=[make_tag()])
    assert 'href="/en/tags/open-source"' in client.get("/en/").get_data(as_text=True)
    assert 'href="/en/tags/open-source?sort=hot"' in client.get("/en/?sort=hot").get_data(as_text=True)


def test_remembered_cards_are_bounded(client, make_article, monkeypatch):
    monkeypatch.setattr(CARDS, "entries", LRUCache(maxsize=3))
    for n in range(5):
        make_article(slug=f"article-{n}", title_en=f"Article {n}")
    client.get("/en/")
    assert len(CARDS.entries) == 3
