"""Sorting, tag pages, the tag index and "load more" pagination."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from conftest import ON_POSTGRES, htmx


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def titles(response):
    return [card.select_one(".card-title .title-line").get_text(strip=True) for card in soup(response).select(".card")]


@pytest.fixture
def scored(make_article):
    """Four articles whose scores and ages make every order different; B and C tie on hot."""
    now = utcnow()
    rows = [("A", 10, 90, 50, 1), ("B", 80, 20, 60, 2), ("C", 80, 50, 10, 3), ("D", 40, 70, 99, 4)]
    for title, hot, quality, impact, hours in rows:
        make_article(title_en=title, hot=hot, quality=quality, impact=impact, published_at=now - timedelta(hours=hours))
    make_article(title_en="Draft", hot=100, quality=100, impact=100, status="draft", published_at=None)
    make_article(title_en="Later", hot=100, quality=100, impact=100, published_at=now + timedelta(hours=1))


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("new", ["A", "B", "C", "D"]),
        ("hot", ["B", "C", "D", "A"]),  # B and C tie: the newer first
        ("quality", ["A", "D", "C", "B"]),
        ("impact", ["D", "B", "A", "C"]),
    ],
)
def test_sorting_with_ties_broken_by_newest_and_drafts_left_out(client, scored, sort, expected):
    response = client.get(f"/en/?sort={sort}")
    assert response.status_code == 200
    assert titles(response) == expected
    current = soup(response).select_one('.sort a[aria-current="true"]')
    assert current["href"] == (f"/en/?sort={sort}" if sort != "new" else "/en/")


@pytest.mark.parametrize("sort", ["", "newest", "HOT", "hot;drop", "views", "hot%00"])
def test_unknown_sort_is_a_clear_400(client, sort):
    response = client.get(f"/zh/?sort={sort}")
    assert response.status_code == 400
    assert "此地址包含本站无法使用的参数" in response.get_data(as_text=True)


def test_sort_is_kept_across_pages_languages_and_tags(client, make_tag, make_article):
    tag = make_tag()
    for n in range(25):
        make_article(title_en=f"Story {n:02d}", hot=n, tags=[tag])
    first = soup(client.get("/en/?sort=hot"))
    assert first.select_one("#load-more")["href"] == "/en/?sort=hot&page=2"
    assert first.select_one("#lang-zh")["href"] == "/zh/?view=one&sort=hot"
    assert first.select_one(".card .tags a")["href"] == "/en/tags/open-source?sort=hot"
    second = soup(client.get("/en/?sort=hot&page=2"))
    assert second.select_one('a[rel="prev"]')["href"] == "/en/?sort=hot"
    assert second.select_one('link[rel="canonical"]')["href"] == "http://localhost/en/?page=2&sort=hot"


def test_sorted_pages_join_up_without_duplicates(client, make_article):
    for n in range(45):
        make_article(title_en=f"Story {n:02d}", hot=n % 7, published_at=utcnow() - timedelta(minutes=n))
    seen = []
    for page in (1, 2, 3):
        seen += titles(client.get(f"/en/?sort=hot&page={page}"))
    assert len(seen) == 45 and len(set(seen)) == 45
    expected = sorted((f"Story {n:02d}" for n in range(45)), key=lambda t: (-(int(t[-2:]) % 7), int(t[-2:])))
    assert seen == expected


def test_load_more_gets_only_the_next_cards_and_link(client, make_article):
    for n in range(45):
        make_article(title_en=f"Story {n:02d}", published_at=utcnow() - timedelta(minutes=n))
    response = client.get("/en/?page=2", headers=htmx(**{"HX-Target": "load-more"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="page"' not in html and "site-header" not in html
    assert titles(response) == [f"Story {n:02d}" for n in range(20, 40)]
    assert soup(response).select_one("#load-more")["hx-get"] == "/en/?page=2-3"  # every page loaded so far
    last = client.get("/en/?page=3", headers=htmx(**{"HX-Target": "load-more"}))
    assert titles(last) == [f"Story {n:02d}" for n in range(40, 45)]
    assert soup(last).select_one("#load-more") is None
    # The same URL without htmx is the whole page, for readers without JavaScript.
    assert "site-header" in client.get("/en/?page=2").get_data(as_text=True)
    # The header toggle's htmx request still gets the page block.
    assert 'id="page"' in client.get("/en/?page=2", headers=htmx(**{"HX-Target": "page"})).get_data(as_text=True)


def test_tag_page_lists_its_published_cards_in_the_readers_language(client, make_tag, make_article):
    tag, other = make_tag(), make_tag("policy", "Policy", "政策")
    make_article(title_en="Tagged", title_zh="有标签", tags=[tag])
    make_article(title_en="Other tag", tags=[other])
    make_article(title_en="Tagged draft", tags=[tag], status="draft", published_at=None)
    zh = client.get("/zh/tags/open-source")
    assert zh.status_code == 200
    assert soup(zh).select_one("h1").get_text(" ", strip=True).startswith("开源")
    assert titles(zh) == ["有标签"]
    assert titles(client.get("/en/tags/open-source?sort=impact")) == ["Tagged"]
    assert soup(client.get("/en/articles/tagged")).select_one(".tags a")["href"] == "/en/tags/open-source"


def test_empty_and_unknown_tags(client, make_tag):
    make_tag()
    empty = client.get("/en/tags/open-source")
    assert empty.status_code == 200
    assert "No published articles have this tag yet." in empty.get_data(as_text=True)
    assert client.get("/en/tags/no-such-tag").status_code == 404
    assert client.get("/en/tags/open-source?page=0").status_code == 400
    assert client.get("/en/tags/open-source?sort=x").status_code == 400


def test_tag_pages_join_up(client, make_tag, make_article):
    tag = make_tag()
    for n in range(23):
        make_article(title_en=f"Story {n:02d}", tags=[tag], published_at=utcnow() - timedelta(minutes=n))
    both = titles(client.get("/en/tags/open-source")) + titles(client.get("/en/tags/open-source?page=2"))
    assert both == [f"Story {n:02d}" for n in range(23)]
    assert client.get("/en/tags/open-source?page=9").headers["Location"] == "/en/tags/open-source?page=2"


def test_tag_index_counts_published_articles(client, make_tag, make_article):
    tag, other, unused = make_tag(), make_tag("policy", "Policy", "政策"), make_tag("unused", "Unused", "未用")
    make_article(tags=[tag, other])
    make_article(title_en="Second", tags=[tag])
    make_article(title_en="Draft", tags=[other, unused], status="draft", published_at=None)
    page = soup(client.get("/zh/tags/"))
    rows = [(li.a.get_text(), li.select_one(".count").get_text()) for li in page.select(".tag-index li")]
    assert rows == [("开源", "2 篇文章"), ("政策", "1 篇文章")]
    assert page.select_one(".tag-index a")["href"] == "/zh/tags/open-source"
    assert "2 articles" in client.get("/en/tags/").get_data(as_text=True)


def test_list_pages_cost_a_fixed_number_of_queries(client, make_tag, make_article, count_queries):
    tag = make_tag()
    make_article(tags=[tag])
    for url in ("/en/?sort=hot", "/en/tags/open-source", "/en/tags/"):
        count_queries.clear()
        client.get(url)
        few = len(count_queries)
        assert few <= 4, (url, count_queries)  # with the change counter's read (ainews/cache.py)


@pytest.mark.parametrize("sort", ["new", "hot", "quality", "impact"])
def test_every_feed_order_reads_an_index_instead_of_sorting(db, make_article, sort):
    from ainews.schema import update_statistics
    from models import Article

    for n in range(60):
        make_article(
            slug=f"s{n}", hot=n % 10, quality=n % 7, impact=n % 5, published_at=utcnow() - timedelta(minutes=n)
        )
    update_statistics()
    sql, params = Article.published(sort).offset(40).limit(21).sql()
    if ON_POSTGRES:
        # Reading 60 rows and sorting them costs less than any index, so
        # PostgreSQL is told to avoid that: the plan then shows whether an
        # index can give the order, ids included (no Incremental Sort either).
        for method in ("seqscan", "bitmapscan", "sort"):
            db.execute_sql(f"SET enable_{method} = off")
        nodes = plan_nodes(db.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0][0]["Plan"])
        assert not any(node.endswith("Sort") for node in nodes) and "Index Scan" in nodes, nodes
        return
    plan = " ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
    assert "TEMP B-TREE" not in plan and "USING INDEX" in plan, plan


def plan_nodes(plan):
    """The node types of a PostgreSQL plan (EXPLAIN's JSON), outermost first."""
    return [plan["Node Type"], *(node for child in plan.get("Plans", []) for node in plan_nodes(child))]


def test_the_last_page_says_it_is_the_end(client, make_article):
    for n in range(21):
        make_article(title_en=f"Story {n:02d}")
    assert soup(client.get("/en/")).select_one(".list-end") is None
    assert soup(client.get("/zh/?page=2")).select_one(".list-end").get_text() == "已经到底了。"
