"""Reader pages: the front door, the feed and its pages, the health check."""

import sqlite3
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from conftest import ON_POSTGRES, sqlite_only
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


def test_a_remembered_feed_page_costs_at_most_one_query_and_changes_with_the_content(
    client, make_article, count_queries
):
    article = make_article(title_en="First version")
    first = client.get("/en/").get_data(as_text=True)
    count_queries.clear()
    again = client.get("/en/").get_data(as_text=True)
    # The change counter, and nothing else; on PostgreSQL not even that (ainews/changes.py).
    assert again == first and len(count_queries) == (0 if ON_POSTGRES else 1)
    with database().connection_context():
        Article.update(title_en="Second version").where(Article.id == article.id).execute()
    assert "Second version" in client.get("/en/").get_data(as_text=True)
    assert "开源模型走进课堂" not in client.get("/en/").get_data(as_text=True)
    client.get("/en/?view=both")  # sets the view cookie: the same address now shows both languages
    assert "开源模型走进课堂" in client.get("/en/").get_data(as_text=True)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
