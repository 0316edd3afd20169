"""Reader pages: redirects, feeds, articles, languages and reading modes."""

import re
import sqlite3
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from conftest import htmx, sqlite_only
from models import Article


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def card_titles(response):
    return [a.get_text(strip=True) for a in soup(response).select(".card-title a")]


def title_lines(page):
    return [(line["lang"], line.get_text()) for line in page.select(".card-title .title-line")]


# The front door ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, cookie, expected",
    [
        ({}, None, "/en/"),
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, None, "/zh/"),
        ({"Accept-Language": "zh-Hans"}, None, "/zh/"),
        ({"Accept-Language": "zh-TW"}, None, "/zh/"),
        ({"Accept-Language": "zh"}, None, "/zh/"),
        ({"Accept-Language": "fr-FR,en;q=0.5,zh;q=0.4"}, None, "/en/"),
        ({"Accept-Language": "fr-FR,zh;q=0.6,en;q=0.5"}, None, "/zh/"),
        ({"Accept-Language": "de"}, None, "/en/"),
        ({"Accept-Language": "zh;q=0, en;q=0.5"}, None, "/en/"),
        ({"Accept-Language": "en-US"}, "zh", "/zh/"),
        ({"Accept-Language": "zh-CN"}, "en", "/en/"),
        ({"Accept-Language": "zh-CN"}, "klingon", "/zh/"),
    ],
)
def test_root_redirects_to_the_readers_language(client, headers, cookie, expected):
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_root_keeps_the_reading_mode_and_varies_on_language(client):
    response = client.get("/?view=both", headers={"Accept-Language": "zh"})
    assert response.headers["Location"] == "/zh/?view=both"
    assert "Accept-Language" in response.headers["Vary"]


def test_unknown_language_prefix_is_404(client):
    assert client.get("/fr/").status_code == 404


def test_unknown_page_under_a_language_answers_in_that_language(client):
    response = client.get("/zh/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "找不到该页面" in response.get_data(as_text=True)


# The feed ------------------------------------------------------------------------


def test_feed_shows_published_articles_newest_first(client, make_article):
    now = utcnow()
    make_article(title_en="Older story", published_at=now - timedelta(days=2))
    make_article(title_en="Newest story", published_at=now - timedelta(minutes=5))
    make_article(title_en="Middle story", published_at=now - timedelta(hours=3))
    make_article(title_en="A draft", status="draft", published_at=None)
    make_article(title_en="Scheduled story", published_at=now + timedelta(hours=1))

    response = client.get("/en/")

    assert response.status_code == 200
    assert card_titles(response) == ["Newest story", "Middle story", "Older story"]


def test_feed_card_shows_everything_a_card_has(client, make_article, make_tag):
    tag = make_tag()
    published = utcnow() - timedelta(hours=12)
    make_article(
        tags=[tag],
        hot=70,
        quality=75,
        impact=0,
        views=7440,
        published_at=published,
        updated_at=utcnow() - timedelta(hours=1),
    )

    page = soup(client.get("/en/"))
    card = page.select_one(".card")

    assert card.select_one(".category").get_text(strip=True) == "AI News"
    published_time = card.select_one(".published time")
    assert published_time.get_text() == "12h ago"
    assert published_time["datetime"] == published.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert published_time["title"].endswith("UTC")
    assert card.select_one(".updated").get_text(" ", strip=True) == "Updated 1h ago"
    assert card.select_one(".views").get_text(strip=True) == "7,440 views"
    scores = {div.dt.get_text(strip=True): div.dd.get_text() for div in card.select(".score")}
    assert scores == {"Hot": "70", "Quality": "75", "Impact": "0"}
    assert [li.get_text(strip=True) for li in card.select(".tags li")] == ["Open Source"]
    assert card.select_one(".card-title a")["href"] == "/en/articles/open-models-reach-the-classroom"


def test_feed_in_chinese(client, make_article, make_tag):
    make_article(tags=[make_tag()], updated_at=utcnow() - timedelta(minutes=70))

    response = client.get("/zh/")
    page = soup(response)

    assert page.html["lang"] == "zh-Hans"
    assert title_lines(page) == [("zh-Hans", "开源模型走进课堂")]
    assert page.select_one(".published time").get_text() == "12小时前"
    assert page.select_one(".updated").get_text(" ", strip=True) == "更新于 1小时前"
    assert page.select_one(".category").get_text(strip=True) == "AI资讯"
    assert [dt.get_text(strip=True) for dt in page.select(".score dt")] == ["热度", "质量", "影响力"]
    assert page.select_one(".tags li").get_text(strip=True) == "开源"
    assert page.select_one(".views").get_text(strip=True) == "0 次阅读"


def test_updated_is_shown_only_after_an_edit(client, make_article):
    make_article(updated_at=None)
    assert soup(client.get("/en/")).select(".updated") == []


def test_empty_feed_says_so(client):
    page = soup(client.get("/zh/"))
    assert page.select_one(".empty").get_text(strip=True) == "还没有已发布的文章。"


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "²", "99999999999999999999", ""])
def test_malformed_page_is_a_clear_400(client, page):
    response = client.get(f"/zh/?page={page}")
    assert response.status_code == 400
    assert "此地址包含本站无法使用的参数" in response.get_data(as_text=True)
    assert soup(response).title.get_text() == "请求有误"


def test_feed_pages_join_up(client, make_article):
    for n in range(25):
        make_article(title_en=f"Story {n:02d}", published_at=utcnow() - timedelta(hours=n))

    first, second = client.get("/en/"), client.get("/en/?page=2")

    assert len(card_titles(first)) == 20
    assert card_titles(first) + card_titles(second) == [f"Story {n:02d}" for n in range(25)]
    assert soup(first).select_one('a[rel="next"]')["href"] == "/en/?page=2"
    assert soup(second).select_one('a[rel="prev"]')["href"] == "/en/"
    past_the_end = client.get("/en/?page=3")
    assert past_the_end.status_code == 302 and past_the_end.headers["Location"] == "/en/?page=2"


def test_feed_costs_the_same_queries_for_any_number_of_cards(client, make_article, make_tag, count_queries):
    tags = [make_tag(), make_tag("policy", "Policy", "政策")]
    make_article(tags=tags)
    client.get("/en/")
    make_article(title_en="Second story", tags=tags)  # a change: the next page is rendered afresh
    count_queries.clear()
    client.get("/en/")
    few = len(count_queries)

    for n in range(18):
        make_article(title_en=f"Story {n}", tags=tags)
    count_queries.clear()
    client.get("/en/")

    assert len(count_queries) == few
    assert few <= 4


@sqlite_only("it writes to the SQLite file directly")
def test_a_change_made_by_another_program_shows_at_once(app, client, make_article, make_tag):
    make_article(title_en="Before", tags=[make_tag()])
    assert "Before" in client.get("/en/tags/open-source").get_data(as_text=True)
    other = sqlite3.connect(app.config["DATABASE"].database)
    with other:
        other.execute("UPDATE tag SET name_en = 'Renamed Tag'")
    other.close()
    assert "Renamed Tag" in client.get("/en/tags/open-source").get_data(as_text=True)
    assert "Renamed Tag" in client.get("/en/tags/").get_data(as_text=True)


def test_a_remembered_feed_page_costs_one_query_and_changes_with_the_content(client, make_article, count_queries):
    article = make_article(title_en="First version")
    first = client.get("/en/").get_data(as_text=True)
    count_queries.clear()
    again = client.get("/en/").get_data(as_text=True)
    assert again == first and len(count_queries) == 1  # the change counter, and nothing else
    with database().connection_context():
        Article.update(title_en="Second version").where(Article.id == article.id).execute()
    assert "Second version" in client.get("/en/").get_data(as_text=True)
    assert "开源模型走进课堂" not in client.get("/en/").get_data(as_text=True)
    client.get("/en/?view=both")  # sets the view cookie: the same address now shows both languages
    assert "开源模型走进课堂" in client.get("/en/").get_data(as_text=True)


# Article pages ---------------------------------------------------------------------


def test_article_page_shows_the_full_analysis(client, make_article, make_tag):
    make_article(
        tags=[make_tag()],
        ai_generated=True,
        analysis_en="It **matters**.\n\n- one\n- two\n\n[More](https://example.org/x)",
    )

    response = client.get("/en/articles/open-models-reach-the-classroom")
    page = soup(response)

    assert response.status_code == 200
    assert page.h1.get_text(strip=True) == "Open models reach the classroom"
    prose = page.select_one(".analysis .prose")
    assert prose["lang"] == "en"
    assert prose.strong.get_text() == "matters"
    assert [li.get_text() for li in prose.select("li")] == ["one", "two"]
    link = prose.a
    assert link["href"] == "https://example.org/x"
    assert link["rel"] == ["noopener", "nofollow"]
    assert "generated by AI" in page.select_one(".disclaimer").get_text()


def test_article_without_ai_flag_has_no_disclaimer(client, make_article):
    make_article(ai_generated=False)
    page = soup(client.get("/en/articles/open-models-reach-the-classroom"))
    assert page.select(".disclaimer") == []


def test_bilingual_article_shows_both_analyses_and_disclaimers(client, make_article):
    make_article(ai_generated=True)
    page = soup(client.get("/zh/articles/open-models-reach-the-classroom?view=both"))

    assert [p["lang"] for p in page.select(".analysis .prose")] == ["zh-Hans", "en"]
    assert [s["lang"] for s in page.select(".disclaimer span")] == ["zh-Hans", "en"]
    assert [s.get_text() for s in page.select(".analysis h2 span")] == ["深度分析", "Analysis"]


def test_shorter_translation_is_marked(client, make_article):
    make_article(analysis_en="One.\n\nTwo.\n\nThree.", analysis_zh="一。")
    page = soup(client.get("/zh/articles/open-models-reach-the-classroom"))
    assert "此译文只涵盖原文分析的一部分" in page.select_one(".analysis").get_text()


@pytest.mark.parametrize(
    "url",
    [
        "/zh/articles/no-such-article",
        "/zh/articles/a-draft",
        "/zh/articles/scheduled",
    ],
)
def test_missing_draft_and_scheduled_articles_are_404_in_the_readers_language(client, make_article, url):
    make_article(title_en="A draft", status="draft", published_at=None)
    make_article(title_en="Scheduled", published_at=utcnow() + timedelta(days=1))

    response = client.get(url)

    assert response.status_code == 404
    assert "找不到该页面" in response.get_data(as_text=True)
    assert soup(response).html["lang"] == "zh-Hans"


def test_404_in_english(client):
    response = client.get("/en/articles/nothing")
    assert response.status_code == 404
    assert "There is no page at this address" in response.get_data(as_text=True)


def test_article_page_counts_each_full_view(client, make_article):
    article = make_article(views=10)

    first = soup(client.get("/en/articles/open-models-reach-the-classroom"))
    client.get("/en/articles/open-models-reach-the-classroom")
    client.get("/en/articles/open-models-reach-the-classroom", headers=htmx())
    client.head("/en/articles/open-models-reach-the-classroom")

    assert first.select_one(".views").get_text(strip=True) == "11 views"
    with database().connection_context():
        assert Article.get_by_id(article.id).views == 12


# Languages and reading modes ------------------------------------------------------


def test_missing_translation_falls_back_with_a_note(client, make_article):
    make_article(title_zh="", summary_zh="", analysis_zh="")

    page = soup(client.get("/zh/articles/open-models-reach-the-classroom"))

    title = page.select_one(".card-title .title-line")
    assert title.get_text() == "Open models reach the classroom"
    assert title["lang"] == "en"
    assert page.select_one(".card-title .note").get_text() == "尚未翻译"
    assert page.select_one(".summary p")["lang"] == "en"
    assert page.select_one(".analysis .prose")["lang"] == "en"


def test_chinese_only_article_in_english_interface(client, make_article):
    make_article(title_en="", summary_en="", analysis_en="", title_zh="只有中文的文章")
    page = soup(client.get("/en/"))
    assert title_lines(page) == [("zh-Hans", "只有中文的文章")]
    assert page.select_one(".card-title a")["href"].startswith("/en/articles/article-")
    assert page.select_one(".card-title .note").get_text() == "Not yet translated"


def test_bilingual_view_shows_the_locale_first_and_is_remembered(client, make_article):
    make_article()

    response = client.get("/zh/?view=both")

    assert title_lines(soup(response)) == [("zh-Hans", "开源模型走进课堂"), ("en", "Open models reach the classroom")]
    assert "view=both" in response.headers.getlist("Set-Cookie")[-1]

    remembered = title_lines(soup(client.get("/en/")))
    assert [lang for lang, _ in remembered] == ["en", "zh-Hans"]

    client.get("/en/?view=one")
    assert [lang for lang, _ in title_lines(soup(client.get("/en/")))] == ["en"]


def test_bilingual_view_marks_a_missing_side_instead_of_repeating(client, make_article):
    make_article(title_zh="", summary_zh="")
    page = soup(client.get("/en/?view=both"))
    assert title_lines(page) == [("en", "Open models reach the classroom")]
    assert page.select_one(".card-title .note").get_text() == "No Chinese translation yet"


def test_choosing_a_language_sets_the_cookie(client):
    response = client.get("/zh/?view=one")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=zh") for c in cookies)
    assert client.get("/").headers["Location"] == "/zh/"


def test_every_text_block_has_a_language(client, make_article, make_tag):
    make_article(tags=[make_tag()], title_zh="")
    for url in ["/en/", "/zh/?view=both", "/zh/articles/open-models-reach-the-classroom"]:
        page = soup(client.get(url))
        for element in page.select(".card-title .title-line, .summary p, .prose, .category span, .tags span"):
            assert element.find_parent(attrs={"lang": True}) or element.get("lang"), element


def test_pages_carry_alternates_and_canonical(client, make_article):
    make_article()
    page = soup(client.get("/zh/articles/open-models-reach-the-classroom?view=both"))

    assert page.select_one('link[rel="canonical"]')["href"] == (
        "http://localhost/zh/articles/open-models-reach-the-classroom"
    )
    alternates = {link["hreflang"]: link["href"] for link in page.select('link[rel="alternate"][hreflang]')}
    assert alternates == {
        "en": "http://localhost/en/articles/open-models-reach-the-classroom",
        "zh-Hans": "http://localhost/zh/articles/open-models-reach-the-classroom",
        "x-default": "http://localhost/",
    }


def test_canonical_keeps_the_page_number_only(client, make_article):
    for n in range(21):
        make_article(title_en=f"Story {n}")
    page = soup(client.get("/en/?page=2&utm_source=chat&view=both"))
    assert page.select_one('link[rel="canonical"]')["href"] == "http://localhost/en/?page=2"
    page = soup(client.get("/en/?page=1"))
    assert page.select_one('link[rel="canonical"]')["href"] == "http://localhost/en/"


def test_choices_are_not_remembered_from_error_pages(client):
    response = client.get("/zh/articles/nothing?view=both")
    assert response.status_code == 404
    assert response.headers.getlist("Set-Cookie") == []


def test_header_toggle_links_point_to_the_same_page(client, make_article):
    make_article()
    page = soup(client.get("/en/articles/open-models-reach-the-classroom"))
    links = {a["id"]: a["href"] for a in page.select(".site-header .toggle a")}
    assert links == {
        "lang-en": "/en/articles/open-models-reach-the-classroom?view=one",
        "lang-zh": "/zh/articles/open-models-reach-the-classroom?view=one",
        "lang-both": "/en/articles/open-models-reach-the-classroom?view=both",
    }
    assert page.select_one(".site-header .toggle a[aria-current]")["id"] == "lang-en"


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
    # The interface stays in the page's language.
    assert page.select_one(".published time").get_text() == "12h ago"
    assert page.select_one(".toggle a[aria-current]")["id"] == "card-open-models-reach-the-classroom-zh"
    assert "<html" not in response.get_data(as_text=True)


def test_card_toggle_both_and_full(client, make_article):
    make_article()
    page = soup(client.get("/zh/articles/open-models-reach-the-classroom/card?show=both&full=1", headers=htmx()))
    assert [p["lang"] for p in page.select(".prose")] == ["zh-Hans", "en"]


def test_card_toggle_without_javascript_goes_to_the_article_in_that_language(client, make_article):
    make_article()
    page = soup(client.get("/en/"))
    links = {a["id"]: (a["href"], a["hx-get"]) for a in page.select(".card .toggle a")}
    slug = "open-models-reach-the-classroom"
    assert links == {
        f"card-{slug}-en": (f"/en/articles/{slug}?view=one", f"/en/articles/{slug}/card?show=en"),
        f"card-{slug}-zh": (f"/zh/articles/{slug}?view=one", f"/en/articles/{slug}/card?show=zh"),
        f"card-{slug}-both": (f"/en/articles/{slug}?view=both", f"/en/articles/{slug}/card?show=both"),
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
        (f"innerHTML:time[datetime='{stamp}']", "5分钟前"),
        (f"innerHTML:time[datetime='{other}']", "3小时前"),
    ]


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


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
