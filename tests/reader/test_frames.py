"""A list page is its frame (the page around the cards, remembered) with its cards put in.

The frame is remembered even with the page cache off, so these tests turn
the page cache off: every page here is put together again from its frame
and its cards, and must be the page the templates would render.
"""

from datetime import timedelta

import pytest

from ainews import db
from ainews.cache import CARDS, FRAMES
from ainews.clock import current_minute, utcnow
from ainews.db import database
from ainews.reader import render
from models import Article, Tag


@pytest.fixture(autouse=True)
def nothing_remembered(app):
    app.config["CACHE_PAGES"] = False
    FRAMES.clear()
    CARDS.clear()
    yield
    FRAMES.clear()
    CARDS.clear()


@pytest.fixture
def frame_lookups(monkeypatch):
    """True for each frame found in memory, False for each rendered."""
    found = []
    remembered = FRAMES.get
    monkeypatch.setattr(FRAMES, "get", lambda key: found.append(remembered(key) is not None) or remembered(key))
    return found


def test_a_remembered_frame_gives_the_page_rendered_afresh(client, make_article, make_tag, frame_lookups):
    make_article(tags=[make_tag()])
    for url in ("/en/", "/zh/?view=both", "/en/?sort=hot", "/en/tags/open-source", "/en/search?q=classroom"):
        frame_lookups.clear()
        FRAMES.clear()
        first = client.get(url).get_data(as_text=True)
        again = client.get(url).get_data(as_text=True)
        assert frame_lookups == [False, True], url
        assert again == first, url
        assert first.count('<article class="card') == 1 and "<!--cards" not in first, url


def test_the_first_card_on_an_empty_list_shows(client, make_article):
    assert "No articles have been published yet." in client.get("/en/").get_data(as_text=True)
    make_article(slug="open-models")
    html = client.get("/en/").get_data(as_text=True)
    assert 'id="card-open-models"' in html and "No articles have been published yet." not in html


def test_a_renamed_tag_shows_on_its_page(client, make_article, make_tag):
    tag = make_tag()
    make_article(tags=[tag])
    assert '<h1 class="list-title">Open Source' in client.get("/en/tags/open-source").get_data(as_text=True)
    with database().connection_context():
        Tag.update(name_en="Open Weights").where(Tag.id == tag.id).execute()  # nothing told
    assert '<h1 class="list-title">Open Weights' in client.get("/en/tags/open-source").get_data(as_text=True)


def test_each_site_address_gets_its_own_links(app, make_article):
    make_article()
    first = app.test_client().get("/en/", base_url="http://news.example").get_data(as_text=True)
    other = app.test_client().get("/en/", base_url="http://mirror.example").get_data(as_text=True)
    assert 'rel="canonical" href="http://news.example/en/"' in first
    assert 'rel="canonical" href="http://mirror.example/en/"' in other


def test_an_edited_static_file_reaches_remembered_frames_within_the_minute(client, make_article, monkeypatch):
    make_article()
    assert "style.css?v=" in client.get("/en/").get_data(as_text=True)
    monkeypatch.setattr(render, "static_fingerprint", lambda filename: "edited")
    monkeypatch.setattr(render, "current_minute", lambda: current_minute() + 1)
    assert "style.css?v=edited" in client.get("/en/").get_data(as_text=True)


def test_a_query_cannot_stand_in_for_the_cards(client, make_article):
    make_article(title_en="Classroom models")
    html = client.get("/en/search", query_string={"q": f"classroom {render.CARDS_HOLE}"}).get_data(as_text=True)
    assert str(render.CARDS_HOLE) not in html
    assert html.count('<article class="card') <= 1


def test_a_frame_keeps_apart_a_list_with_cards_and_one_without(app):
    """Whatever else differs between the two, the hole is only in the frame of a list with cards."""
    context = {
        "lang": "en", "html_lang": "en", "view": "one", "fragment": False, "title": "AI News", "page": 1,
        "first_page": 1, "last_page": 1, "has_next": False, "sort": "new", "tag": None, "langs": ["en"],
        "new_since": None,
    }  # fmt: skip
    with app.test_request_context("/en/"):
        shown = render.frozen(context)
        empty = render.framed("reader/feed.html", "page", {**context, "cards": render.Markup("")}, shown)
        full = render.framed("reader/feed.html", "page", {**context, "cards": render.Markup("<p>a card</p>")}, shown)
    empty, full = empty.get_data(as_text=True), full.get_data(as_text=True)
    assert "No articles have been published yet." in empty and "<p>a card</p>" not in empty
    assert "<p>a card</p>" in full and "No articles have been published yet." not in full


def test_a_page_of_remembered_cards_makes_no_article(client, make_article, monkeypatch):
    for n in range(3):
        make_article(slug=f"story-{n}")
    first = client.get("/en/").get_data(as_text=True)
    made = []  # (model, rows) of every load_rows
    real_load_rows = db.load_rows

    def load_rows(model, rows, *more):
        rows = list(rows)
        made.append((model, len(rows)))
        return real_load_rows(model, rows, *more)

    monkeypatch.setattr(db, "load_rows", load_rows)
    assert client.get("/en/").get_data(as_text=True) == first
    assert Article not in [model for model, _rows in made]


def test_remembered_cards_show_any_change_to_their_rows(client, make_article):
    article = make_article(slug="open-models")
    assert "0 views" in client.get("/en/").get_data(as_text=True)
    with database().connection_context():
        Article.update(views=7).where(Article.id == article.id).execute()  # not a change of content
    assert "7 views" in client.get("/en/").get_data(as_text=True)


def test_remembered_cards_move_their_relative_times_on(client, make_article, clock):
    make_article(published_at=clock.now - timedelta(minutes=59, seconds=30))
    assert ">59m ago</time>" in client.get("/en/").get_data(as_text=True)
    clock.advance(seconds=20)
    assert ">59m ago</time>" in client.get("/en/").get_data(as_text=True)
    clock.advance(seconds=20)
    assert ">1h ago</time>" in client.get("/en/").get_data(as_text=True)


def test_an_article_page_shows_a_change_to_its_neighbour_at_once(client, make_article):
    older = make_article(slug="older", title_en="An older story", published_at=utcnow() - timedelta(hours=30))
    make_article(slug="open-models")
    assert "An older story" in client.get("/en/articles/open-models").get_data(as_text=True)
    with database().connection_context():
        Article.update(title_en="A retitled story").where(Article.id == older.id).execute()  # nothing told
    html = client.get("/en/articles/open-models").get_data(as_text=True)
    assert "A retitled story" in html and "An older story" not in html
