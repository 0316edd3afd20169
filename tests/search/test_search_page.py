"""The search page: a plain form, active search with htmx, highlighting, odd input."""

import pytest
from bs4 import BeautifulSoup

from ainews import search
from ainews.db import database
from ainews.rules import SEARCH_QUERY_MAX
from conftest import htmx


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def articles(make_tag, make_article):
    make_article(slug="open-models", tags=[make_tag()])
    make_article(
        slug="chips",
        title_en="GPU export regulation tightens",
        title_zh="GPU出口监管收紧",
        summary_en="Lawmakers want chips tracked.",
        summary_zh="立法者希望追踪芯片。",
        analysis_en="Vendors object.",
        analysis_zh="厂商反对。",
    )


def card_ids(response):
    return [card["id"] for card in soup(response).select("#results .card")]


def test_empty_query_shows_the_form_and_no_results(client, articles):
    page = soup(client.get("/en/search"))
    box = page.select_one("form[role=search] input[name=q]")
    assert box["value"] == ""
    assert box["maxlength"] == str(SEARCH_QUERY_MAX)  # what the server reads, no more
    assert not page.select("#results .card")
    assert "Search titles, summaries" in page.select_one("#results").get_text()


@pytest.mark.parametrize(
    "lang, query, expected",
    [
        ("en", "开源", ["card-open-models"]),
        ("zh", "open source", ["card-open-models"]),
        ("zh", "监管", ["card-chips"]),
        ("en", "regulation", ["card-chips"]),
        ("en", "开源 GPU", []),
        ("en", "Open Source", ["card-open-models"]),  # "source" is only in its tag
        ("en", "gpu 监管", ["card-chips"]),
    ],
)
def test_search_finds_either_language_from_either_interface(client, articles, lang, query, expected):
    response = client.get(f"/{lang}/search", query_string={"q": query})
    assert response.status_code == 200
    assert sorted(card_ids(response)) == sorted(expected)


def test_results_show_the_card_in_the_readers_language_with_terms_marked(client, articles):
    page = soup(client.get("/zh/search", query_string={"q": "监管"}))
    title = page.select_one("#results .card-title")
    assert title.get_text(strip=True) == "GPU出口监管收紧"
    assert [mark.get_text() for mark in title.select("mark")] == ["监管"]
    assert "1 条结果" in page.select_one(".result-count").get_text()


def test_active_search_gets_only_the_results(client, articles):
    response = client.get("/en/search", query_string={"q": "gpu"}, headers=htmx(**{"HX-Target": "results"}))
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="results"')
    assert "site-header" not in html and "<form" not in html
    assert card_ids(response) == ["card-chips"]


def test_no_match_says_so_in_the_readers_language(client, articles):
    response = client.get("/zh/search", query_string={"q": "zzzzzz"})
    assert response.status_code == 200
    assert "没有与“zzzzzz”匹配的结果" in soup(response).select_one(".result-count").get_text()


ODD = [
    '"',
    '""',
    "*",
    "-",
    "NEAR(",
    "AND OR NOT",
    "'; DROP TABLE article; --",
    "a:b",
    "(",
    ")",
    "🤖",
    "开源" * 200,
    "x" * 5000,
    "%",
    "_",
    "\\",
    "<script>alert(1)</script>",
    "title_en:open",
    "^open",
]


@pytest.mark.parametrize("query", ODD)
def test_odd_queries_never_fail(client, articles, query):
    response = client.get("/en/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    with database().connection_context():
        assert database().execute_sql("SELECT count(*) FROM article").fetchone()[0] == 2


def test_search_pages_join_up(client, make_article):
    for n in range(25):
        make_article(slug=f"lantern-{n:02d}", title_en=f"Lantern story {n:02d}")
    first = client.get("/en/search?q=lantern")
    second = client.get("/en/search?q=lantern&page=2")
    ids = card_ids(first) + card_ids(second)
    assert len(ids) == 25 and len(set(ids)) == 25
    assert soup(first).select_one("#load-more")["href"] == "/en/search?q=lantern&page=2"
    more = client.get("/en/search?q=lantern&page=2", headers=htmx(**{"HX-Target": "load-more"}))
    assert len(soup(more).select(".card")) == 5 and "result-count" not in more.get_data(as_text=True)
    assert client.get("/en/search?q=lantern&page=7").headers["Location"] == "/en/search?q=lantern&page=2"
    assert client.get("/en/search?q=lantern&page=x").status_code == 400


def test_language_toggle_keeps_the_query(client, articles):
    page = soup(client.get("/en/search", query_string={"q": "开源"}))
    assert page.select_one("#lang-zh")["href"] == "/zh/search?view=one&q=%E5%BC%80%E6%BA%90"


def test_edits_and_deletes_reach_the_search_page(editor_client, make_article):
    article = make_article(slug="lantern", title_en="Lantern festival robots")
    assert card_ids(editor_client.get("/en/search?q=lantern")) == ["card-lantern"]
    with database().connection_context():
        article.title_en = "Festival robots"
        article.save()
    assert card_ids(editor_client.get("/en/search?q=lantern")) == []
    assert card_ids(editor_client.get("/en/search?q=robots")) == ["card-lantern"]


def test_messages_for_queries_without_words_or_very_long_ones(client, articles):
    assert "Type a word to search for." in soup(client.get("/en/search?q=*")).select_one(".result-count").get_text()
    long = soup(client.get("/en/search", query_string={"q": "zq" * 150 + "\x00"}))
    message = long.select_one(".result-count").get_text()
    assert "zq" * 20 + "…" in message and "zq" * 21 not in message and "\x00" not in message


def test_the_page_title_names_the_query(client, articles):
    assert soup(client.get("/zh/search?q=监管")).title.get_text() == "监管 · 搜索"
    assert soup(client.get("/en/search")).title.get_text() == "Search"


def test_toggle_links_keep_only_what_the_page_uses(client, articles):
    page = soup(client.get("/en/search?q=gpu&sort=hot"))
    assert page.select_one("#lang-zh")["href"] == "/zh/search?view=one&q=gpu"
    error = soup(client.get("/en/?page=abc&sort=hot"))
    assert error.select_one("#lang-zh")["href"] == "/zh/?view=one"


def test_a_search_that_read_only_the_newest_says_there_may_be_more(client, make_article, monkeypatch):
    for backend in (search.sqlite, search.postgres):
        monkeypatch.setattr(backend, "COMMON_SHARE", 0)  # every term read for in the newest articles
        monkeypatch.setattr(backend, "SCAN_LIMIT", 2)
    for n in range(3):
        make_article(slug=f"chips-{n}", title_en=f"Chips {n}", title_zh=f"芯片 {n}")
    assert soup(client.get("/en/search?q=芯片")).select_one(".result-count").get_text(strip=True) == (
        "More than 2 results; the best of the newest are shown."
    )
    for backend in (search.sqlite, search.postgres):
        monkeypatch.setattr(backend, "SCAN_LIMIT", 3)
    assert soup(client.get("/zh/search?q=芯片")).select_one(".result-count").get_text(strip=True) == "3 条结果"
