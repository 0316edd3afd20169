"""'2 new articles': the page clock's one answer counts what was published since the list was told."""

import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from conftest import htmx


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def clock_values(page):
    clock = page.select_one("#clock")
    return json.loads(clock["hx-vals"]) if clock.has_attr("hx-vals") else None


def ask_the_clock(client, url, values, **extra):
    """What the page clock of the page at `url` asks, as app.js and hx-vals make it."""
    response = client.get(url, query_string={**values, **extra}, headers=htmx())
    assert response.status_code == 200
    return soup(response)


def notice(page):
    return page.select_one("#new-articles[hx-swap-oob] a")


def test_a_list_tells_its_clock_when_it_was_told(client, make_article):
    make_article()
    page = soup(client.get("/en/"))

    values = clock_values(page)

    assert set(values) == {"since", "tag", "both"} and values["tag"] == "" and values["both"] == ""
    assert page.select_one("#cards > #new-articles.new-articles").get_text() == ""
    assert page.select_one("#clock")["hx-get"] == "/en/times"


@pytest.mark.parametrize("url", ["/en/?sort=hot", "/en/?page=2", "/en/search?q=open", "/en/tags/"])
def test_only_the_first_page_of_a_newest_first_list_counts_new_articles(client, make_article, url):
    for n in range(21):
        make_article(title_en=f"Story {n}", summary_en="open")
    page = soup(client.get(url))
    assert clock_values(page) is None and page.select_one("#new-articles") is None


def test_the_clock_says_how_many_articles_are_new(client, make_article):
    make_article(title_en="Already shown")
    values = clock_values(soup(client.get("/en/")))
    assert notice(ask_the_clock(client, "/en/times", values)) is None

    make_article(title_en="Fresh one", published_at=utcnow())
    make_article(title_en="Fresh two", published_at=utcnow())
    make_article(title_en="Scheduled", published_at=utcnow() + timedelta(hours=1))
    link = notice(ask_the_clock(client, "/en/times", values))

    assert link.get_text() == "2 new articles"
    assert link["href"] == "/en/"  # without JavaScript: the list, newest first
    assert link["hx-get"] == f"/en/?since={values['since']}"


def test_the_notice_speaks_the_pages_languages(client, make_article):
    values = clock_values(soup(client.get("/zh/?view=both")))
    assert values["both"] == "1"
    make_article(published_at=utcnow())

    link = notice(ask_the_clock(client, "/zh/times", values))

    assert link.get_text() == "1 篇新资讯 · 1 new article"
    assert [span["lang"] for span in link.find_all("span")] == ["zh-Hans", "en"]


def test_a_tag_page_counts_only_its_own_articles(client, make_article, make_tag):
    tag, other = make_tag(), make_tag("policy", "Policy", "政策")
    values = clock_values(soup(client.get("/en/tags/open-source")))
    assert values["tag"] == "open-source"
    make_article(tags=[tag], published_at=utcnow())
    make_article(title_en="Elsewhere", tags=[other], published_at=utcnow())

    link = notice(ask_the_clock(client, "/en/times", values))

    assert link.get_text() == "1 new article"
    assert link["href"] == "/en/tags/open-source"


def test_the_notice_brings_just_the_new_cards_and_a_clock_counting_from_then(client, make_article):
    make_article(title_en="Already shown")
    since = clock_values(soup(client.get("/en/")))["since"]
    make_article(title_en="Fresh one", published_at=utcnow())
    make_article(title_en="Fresh two", published_at=utcnow())

    page = soup(client.get("/en/", query_string={"since": since}, headers=htmx(**{"HX-Target": "new-articles"})))

    assert [a.get_text(strip=True) for a in page.select(".card-title a")] == ["Fresh two", "Fresh one"]
    assert page.select_one("#new-articles").get_text() == ""
    clock = page.select_one("#clock[hx-swap-oob]")
    assert json.loads(clock["hx-vals"])["since"] > since
    assert page.select_one("#load-more") is None and "<html" not in str(page)


def test_more_new_articles_than_a_page_make_a_plain_link(client, make_article):
    values = clock_values(soup(client.get("/en/")))
    for n in range(21):
        make_article(title_en=f"Story {n}", published_at=utcnow())
    link = notice(ask_the_clock(client, "/en/times", values))
    assert link.get_text() == "21 new articles" and not link.has_attr("hx-get")


def test_no_new_article_is_also_an_article_already_shown(client, make_article):
    """The list and the count read the same moment: an article is on the page or new, never both."""
    make_article(title_en="Shown", published_at=utcnow())
    page = soup(client.get("/en/"))
    assert [a.get_text(strip=True) for a in page.select(".card-title a")] == ["Shown"]
    assert notice(ask_the_clock(client, "/en/times", clock_values(page))) is None


@pytest.mark.parametrize(
    "values",
    [
        {"since": "yesterday"},
        {"since": "2026-11-29T08:00:00Z"},  # a stamp of another kind
        {"since": "2026-11-29T08:00:00.000000Z", "tag": "no-such-tag"},
        {"since": "2026-11-29T08:00:00.000000Z", "tag": "nul\x00byte"},
        {"since": "9999-99-99T99:99:99.999999Z"},
        {"tag": "open-source"},
    ],
)
def test_a_clock_that_says_nonsense_gets_times_and_no_notice(client, make_article, values):
    make_article()
    page = ask_the_clock(client, "/en/times", values)
    assert notice(page) is None


def test_a_bad_since_on_the_list_is_just_the_list(client, make_article):
    make_article()
    response = client.get("/en/?since=garbage", headers=htmx(**{"HX-Target": "new-articles"}))
    assert response.status_code == 200 and "Open models reach the classroom" in response.get_data(as_text=True)
