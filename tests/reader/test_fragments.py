"""htmx fragments of reader pages: page blocks, card toggles and the page clock."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.rules import CLOCK_STAMPS_MAX
from conftest import htmx


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def title_lines(page):
    return [(line["lang"], line.get_text()) for line in page.select(".card-title .title-line")]


# htmx fragments -------------------------------------------------------------------


def test_htmx_swap_gets_only_the_page_block(client, make_article):
    make_article()

    response = client.get("/zh/?view=one", headers=htmx(**{"HX-Target": "page"}))
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert not re.search(r"<html|<head[ >]|<body", body)
    assert body.lstrip().startswith("<title>AI资讯</title>")
    assert soup(response).select_one("#page")["lang"] == "zh-Hans"
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["HX-Push-Url"] == "/zh/"


def test_bilingual_swap_pushes_the_view_in_the_url(client):
    response = client.get("/en/?view=both", headers=htmx())
    assert response.headers["HX-Push-Url"] == "/en/?view=both"


@pytest.mark.parametrize("extra", [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}])
def test_boosted_and_history_requests_get_the_whole_page(client, extra):
    body = client.get("/en/", headers=htmx(**extra)).get_data(as_text=True)
    assert body.startswith("<!doctype html>")


def test_plain_requests_vary_on_htmx_too(client):
    assert "HX-Request" in client.get("/en/").headers["Vary"]


def test_card_toggle_returns_only_that_card(client, make_article):
    make_article()
    make_article(title_en="Another story")

    response = client.get("/en/articles/open-models-reach-the-classroom/card?show=zh", headers=htmx())
    page = soup(response)

    assert response.status_code == 200
    assert [card["id"] for card in page.select("article")] == ["card-open-models-reach-the-classroom"]
    assert title_lines(page) == [("zh-Hans", "开源模型走进课堂")]
    # The whole card is in its language, times too.
    assert page.select_one(".published time").get_text() == "12小时前"
    assert page.select_one(".toggle a[aria-current]")["id"] == "card-open-models-reach-the-classroom-zh"
    assert "<html" not in response.get_data(as_text=True)


def test_card_toggle_both_and_full(client, make_article):
    make_article()
    page = soup(client.get("/zh/articles/open-models-reach-the-classroom/card?show=both&full=1", headers=htmx()))
    assert [p["lang"] for p in page.select(".prose")] == ["zh-Hans", "en"] * 2


def test_card_toggle_without_javascript_goes_to_the_article_in_that_language(client, make_article):
    make_article()
    page = soup(client.get("/en/"))
    links = {a["id"]: (a["href"], a["hx-get"]) for a in page.select(".card .toggle a")}
    slug = "open-models-reach-the-classroom"
    assert links == {
        f"card-{slug}-en": (f"/en/articles/{slug}?view=one#card-{slug}", f"/en/articles/{slug}/card?show=en"),
        f"card-{slug}-zh": (f"/zh/articles/{slug}?view=one#card-{slug}", f"/en/articles/{slug}/card?show=zh"),
        f"card-{slug}-both": (f"/en/articles/{slug}?view=both#card-{slug}", f"/en/articles/{slug}/card?show=both"),
    }

    response = client.get(f"/en/articles/{slug}/card?show=zh")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/zh/articles/{slug}?view=one"


def test_card_switched_to_the_other_language_links_to_that_article(client, make_article):
    make_article()
    page = soup(client.get("/en/articles/open-models-reach-the-classroom/card?show=zh", headers=htmx()))
    assert page.select_one(".card-title a")["href"] == "/zh/articles/open-models-reach-the-classroom"
    assert page.select_one(".read-more")["href"] == "/zh/articles/open-models-reach-the-classroom"


@pytest.mark.parametrize(
    "url, status",
    [
        ("/en/articles/open-models-reach-the-classroom/card?show=fr", 400),
        ("/en/articles/nothing/card?show=zh", 404),
    ],
)
def test_card_toggle_bad_input(client, make_article, url, status):
    make_article()
    assert client.get(url, headers=htmx()).status_code == status


# The page clock ---------------------------------------------------------------------


def test_clock_refreshes_each_stamp_in_the_page_language(client):
    now = utcnow().replace(microsecond=0)
    stamp = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    other = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = client.get(
        "/zh/times", query_string=[("t", stamp), ("t", other), ("t", stamp), ("t", "bogus")], headers=htmx()
    )
    spans = soup(response).select("span[hx-swap-oob]")

    assert response.status_code == 200
    assert [(s["hx-swap-oob"], s.get_text()) for s in spans] == [
        (f"innerHTML:time[datetime='{stamp}']:lang(zh-Hans)", "5分钟前"),
        (f"innerHTML:time[datetime='{other}']:lang(zh-Hans)", "3小时前"),
    ]


def test_clock_answers_at_most_the_rule_s_number_of_stamps(client):
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    stamps = [(start + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in range(CLOCK_STAMPS_MAX + 5)]
    response = client.get("/en/times", query_string=[("t", stamp) for stamp in stamps], headers=htmx())
    assert len(soup(response).select("span[hx-swap-oob]")) == CLOCK_STAMPS_MAX


def test_clock_with_no_stamps_answers_empty(client):
    response = client.get("/en/times", headers=htmx())
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == ""


def test_page_has_exactly_one_clock(client, make_article):
    for n in range(5):
        make_article(title_en=f"Story {n}")
    page = soup(client.get("/en/"))
    pollers = page.select("[hx-trigger]")
    assert [(p["id"], p["hx-trigger"], p["hx-get"]) for p in pollers] == [("clock", "every 60s", "/en/times")]
