"""Search results: only what readers may see, best first, in pages, and their words marked."""

import pytest
from markupsafe import Markup

from ainews import search
from ainews.clock import utcnow
from conftest import ON_POSTGRES
from models import Article
from search_helpers import (  # noqa: F401 # the fixtures are used by name
    HOURS,
    add_articles,
    articles_fixture,
    backend,
    found,
    set_common_share,
    short_terms_fixture,
    slugs,
    use_short_terms,
)


def test_drafts_and_scheduled_articles_are_never_found(db, make_article, short_terms):
    make_article(slug="live", title_en="Quantum chips 量子")
    make_article(slug="draft", title_en="Quantum chips 量子", status="draft", published_at=None)
    make_article(slug="soon", title_en="Quantum chips 量子", published_at=utcnow() + HOURS)
    for query in ("quantum", "量子", "quantum 量子"):
        assert slugs(query) == ["live"]
        assert search.search(query)[1] == 1

    # Publishing changes no text, and the draft is found at once.
    Article.update(status="published", published_at=utcnow()).where(Article.slug == "draft").execute()
    assert found("量子") == {"live", "draft"}


def test_a_title_match_ranks_above_an_analysis_match(db, make_article, short_terms):
    now = utcnow()
    make_article(slug="in-title", title_en="Quantum chips", title_zh="量子芯片", published_at=now - 3 * HOURS)
    make_article(
        slug="in-analysis",
        title_en="Chips",
        title_zh="芯片",
        analysis_en="Maybe quantum.",
        analysis_zh="也许是量子。",
        published_at=now - HOURS,
    )
    assert slugs("quantum") == ["in-title", "in-analysis"]
    assert slugs("量子") == ["in-title", "in-analysis"]


def test_equal_matches_come_newest_first(db, make_article, short_terms):
    now = utcnow()
    for hours, slug in [(3, "old"), (1, "new"), (2, "middle")]:
        make_article(slug=slug, title_en="Quantum chips", title_zh="量子芯片", published_at=now - hours * HOURS)
    assert slugs("quantum") == ["new", "middle", "old"]
    assert slugs("量子") == ["new", "middle", "old"]


def test_pages_of_results_do_not_overlap(db, make_article, short_terms):
    now = utcnow()
    for n in range(25):
        make_article(slug=f"agent-{n}", title_en=f"Agents {n}", title_zh=f"智能体 {n}", published_at=now - n * HOURS)
    for query in ("agents", "智能"):
        pages = [search.search(query, limit=10, offset=offset) for offset in (0, 10, 20, 30)]
        assert [(total, partial) for _articles, total, partial in pages] == [(25, False)] * 4
        assert [len(articles) for articles, _total, _partial in pages] == [10, 10, 5, 0]
        seen = [article.slug for articles, _total, _partial in pages for article in articles]
        assert sorted(seen) == sorted(f"agent-{n}" for n in range(25))


def test_only_the_newest_matches_are_ranked_and_counted(db, make_article, monkeypatch, short_terms):
    monkeypatch.setattr(backend(), "MAX_RESULTS", 3)
    for n in range(5):
        make_article(
            slug=f"agent-{n}", title_en=f"Agents {n}", title_zh=f"智能体 {n}", published_at=utcnow() - (5 - n) * HOURS
        )
    for query in ("agents", "智能"):
        articles, total, partial = search.search(query)
        assert total == 3 and partial  # "more than 3"
        assert {article.slug for article in articles} == {"agent-2", "agent-3", "agent-4"}


def test_a_short_term_in_most_new_articles_is_common(db, make_article):
    for n in range(10):
        make_article(
            slug=f"a{n}", title_en="Chips", title_zh="量子芯片" if n else "光子芯片", summary_zh="", analysis_zh=""
        )
    now = Article.published_at.db_value(utcnow())
    assert backend().common_terms(db, ["量子", "光子", "芯片", "xx"], now) == ["量子", "芯片"]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: FTS5 gives SQLite's matches newest first")
def test_a_term_more_articles_hold_than_the_scan_reads_is_common(db, make_article, monkeypatch):
    set_common_share(monkeypatch, 2)  # no term is common by its share of the newest alone
    monkeypatch.setattr(backend(), "SCAN_LIMIT", 3)
    for n in range(10):
        title = "量子芯片" if n % 2 else "光子芯片" if n == 0 else "芯片"
        make_article(slug=f"a{n}", title_zh=title, published_at=utcnow() - (10 - n) * HOURS)
    db.execute_sql("ANALYZE article")  # the planner's count of articles, which the sample is scaled to
    now = Article.published_at.db_value(utcnow())
    assert backend().common_terms(db, ["量子", "光子"], now) == ["量子"]  # 5 of 10 articles: more than 3
    assert slugs("量子") == ["a9", "a7"]  # among the newest 3, read


def test_reading_for_common_terms_stops_at_the_scan_limit(db, make_article, monkeypatch):
    set_common_share(monkeypatch, 0)
    monkeypatch.setattr(backend(), "SCAN_LIMIT", 2)
    for n in range(5):
        make_article(slug=f"a{n}", title_zh="量子芯片", published_at=utcnow() - (5 - n) * HOURS)
    assert slugs("量子") == ["a4", "a3"]
    assert search.search("量子")[2]  # older articles were not read: there may be more
    monkeypatch.setattr(backend(), "SCAN_LIMIT", 5)
    assert search.search("量子")[1:] == (5, False)  # every article read


@pytest.mark.parametrize(
    "text, terms, html",
    [
        ("Open source models", ["open"], "<mark>Open</mark> source models"),
        ("OPEN, open, Open", ["open"], "<mark>OPEN</mark>, <mark>open</mark>, <mark>Open</mark>"),
        ("开源模型走进课堂", ["开源", "课堂"], "<mark>开源</mark>模型走进<mark>课堂</mark>"),
        ("He said AI training (ai) helps", ["ai"], "He said <mark>AI</mark> training (<mark>ai</mark>) helps"),
        ("AI芯片", ["ai"], "<mark>AI</mark>芯片"),
        ("open source models", ["open", "open source", "source"], "<mark>open source</mark> models"),
        ("<script>alert('open')</script>", ["open"], "&lt;script&gt;alert(&#39;<mark>open</mark>&#39;)&lt;/script&gt;"),
        ("<script>", ["script"], "&lt;<mark>script</mark>&gt;"),
        ("a < b & c", ["lt", "amp"], "a &lt; b &amp; c"),
        ("a < b", ["<"], "a <mark>&lt;</mark> b"),
        ("x*y (z)", ["*", "(z)"], "x<mark>*</mark>y <mark>(z)</mark>"),
        ("nothing here", ["absent"], "nothing here"),
        ("no terms", [], "no terms"),
        ("", ["open"], ""),
        (None, ["open"], ""),
    ],
)
def test_highlight(text, terms, html):
    marked = search.highlight(text, terms)
    assert isinstance(marked, Markup)
    assert str(marked) == html


def test_highlight_takes_the_parsed_query(articles):
    terms = search.parse_query('"Open Source" <b>')
    assert str(search.highlight("Open source <b>", terms)) == "<mark>Open source</mark> <mark>&lt;b&gt;</mark>"
