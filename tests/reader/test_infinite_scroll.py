"""Infinite scroll that survives a reload: ?page=1-3 names every page loaded so far."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from conftest import htmx
from models import Article


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def titles(response):
    return [a.get_text(strip=True) for a in soup(response).select(".card-title a")]


def stories(count):
    return [f"Story {n:03d}" for n in range(count)]


@pytest.fixture
def many(app):
    """Articles "Story 000" (the newest) to "Story NNN", written at once."""

    def make(count):
        now = utcnow()
        rows = [
            {
                "slug": f"story-{n:03d}",
                "title_en": f"Story {n:03d}",
                "title_zh": f"第 {n} 篇",
                "summary_en": "The harbour.",
                "status": "published",
                "published_at": now - timedelta(minutes=n + 1),
            }
            for n in range(count)
        ]
        with database().connection_context():
            Article.insert_many(rows).execute()

    return make


def test_a_range_shows_every_page_in_it_and_links_on(client, many):
    many(65)

    response = client.get("/en/?page=1-2")

    assert titles(response) == stories(40)
    more = soup(response).select_one("#load-more")
    assert more["href"] == "/en/?page=3"  # without JavaScript: the next page
    assert more["hx-get"] == "/en/?page=1-3"  # with htmx: the address of everything loaded then


def test_more_news_in_a_range_brings_only_the_page_it_adds(client, many):
    many(65)
    response = client.get("/en/?page=1-3", headers=htmx(**{"HX-Target": "load-more"}))
    assert titles(response) == stories(65)[40:60]
    assert soup(response).select_one("#load-more")["hx-get"] == "/en/?page=1-4"


def test_a_long_range_keeps_its_last_pages(client, many):
    many(130)

    page = soup(client.get("/en/?page=1-7"))

    shown = [a.get_text(strip=True) for a in page.select(".card-title a")]
    assert shown == stories(130)[40:130]  # pages 3 to 7
    assert page.select_one('a[rel="prev"]')["href"] == "/en/?page=2"


@pytest.mark.parametrize(
    "pages, canonical",
    [("1-3", "http://localhost/en/"), ("2-3", "http://localhost/en/?page=2"), ("3", "http://localhost/en/?page=3")],
)
def test_a_range_is_known_by_its_first_page(client, many, pages, canonical):
    many(65)
    html = soup(client.get(f"/en/?page={pages}"))
    assert html.select_one('link[rel="canonical"]')["href"] == canonical
    assert html.select_one("#lang-zh")["href"] == f"/zh/?view=one&page={pages}"  # the switch keeps every card


@pytest.mark.parametrize("pages", ["3-2", "0-2", "1-", "-2", "1-2-3", "1-99999999999", "a-b", "1--2"])
def test_a_range_that_is_not_one_is_a_clear_400(client, pages):
    assert client.get(f"/en/?page={pages}").status_code == 400


def test_a_range_past_the_end_goes_to_the_last_page(client, many):
    many(45)
    response = client.get("/en/?page=4-6")
    assert response.status_code == 302 and response.headers["Location"] == "/en/?page=3"


def test_search_pages_take_ranges_too(client, many):
    many(45)
    search = client.get("/en/search?q=harbour&page=1-2")
    assert len(titles(search)) == 40
    assert soup(search).select_one("#load-more")["hx-get"] == "/en/search?q=harbour&page=1-3"


def test_a_range_costs_the_queries_of_one_page(client, many, count_queries):
    many(65)
    client.get("/en/?page=2")
    count_queries.clear()
    client.get("/en/?page=3")
    one_page = len(count_queries)
    count_queries.clear()
    client.get("/en/?page=1-3")
    assert len(count_queries) == one_page
