"""The JSON API's reads: the document, lists, sorts, cursors, one article, tags.

Every response these tests receive is checked against /api/v1/openapi.json
by the `api` and `reader` fixtures, so the document cannot drift from what the API does.
"""

import re
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator

from ainews.clock import utcnow
from api.conftest import API, feed_order

# The document itself ---------------------------------------------------------------


def test_document_lists_exactly_the_api_routes(app, document):
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API)), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    assert routes == documented
    Draft202012Validator.check_schema(document["components"]["schemas"]["Article"])


# Reading ---------------------------------------------------------------------------


def test_list_shows_published_articles_newest_first(reader, make_article):
    make_article(title_en="Older", slug="older", published_at=utcnow() - timedelta(days=2))
    make_article(title_en="Newer", slug="newer")
    make_article(title_en="Draft", slug="draft", status="draft")
    make_article(title_en="Later", slug="later", published_at=utcnow() + timedelta(days=1))
    response = reader.get("/articles")
    assert response.status_code == 200
    body = response.get_json()
    assert [a["slug"] for a in body["articles"]] == ["newer", "older"]
    assert body["next"] is None
    first = body["articles"][0]
    assert first["title_en"] == "Newer" and first["title_zh"] == "开源模型走进课堂"
    assert "analysis_en" not in first  # lists leave the analysis out
    assert first["urls"]["zh"].endswith("/zh/articles/newer")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["published_at"])


def test_list_in_one_language_falls_back_per_field(reader, make_article):
    make_article(slug="half", title_zh="", summary_en="", summary_zh="只有中文摘要。")
    body = reader.get("/articles?lang=zh").get_json()
    article = body["articles"][0]
    assert article["lang"] == "zh"
    assert article["title"] == "Open models reach the classroom"  # no Chinese title: the English one
    assert article["summary"] == "只有中文摘要。"
    assert article["fallbacks"] == ["title"]
    assert "title_en" not in article


@pytest.mark.parametrize("sort", ["new", "hot", "quality", "impact"])
def test_sorts_follow_the_feed_order(reader, make_article, sort):
    for n in range(6):
        make_article(
            slug=f"a{n}", hot=n * 7 % 5, quality=n % 2, impact=50, published_at=utcnow() - timedelta(hours=n % 3)
        )
    expected = feed_order(sort)
    body = reader.get(f"/articles?sort={sort}").get_json()
    assert [a["slug"] for a in body["articles"]] == expected


def test_tag_filter(reader, make_article, make_tag):
    tag = make_tag()
    make_article(slug="tagged", tags=[tag])
    make_article(slug="untagged")
    assert [a["slug"] for a in reader.get("/articles?tag=open-source").get_json()["articles"]] == ["tagged"]
    response = reader.get("/articles?tag=no-such-tag")
    assert response.status_code == 404 and "tag" in response.get_json()["errors"]


@pytest.mark.parametrize("sort", ["new", "hot", "impact"])
def test_cursor_pagination_is_complete_without_duplicates(reader, make_article, sort):
    # Many ties in score and in time, where offset or careless cursors go wrong.
    moment = utcnow() - timedelta(hours=1)
    for n in range(23):
        make_article(slug=f"item-{n}", hot=n % 3, impact=50, published_at=moment - timedelta(minutes=n % 4))
    expected = feed_order(sort)
    seen, url, pages = [], f"/articles?sort={sort}&limit=5", 0
    while url:
        body = reader.get(url).get_json()
        seen += [a["slug"] for a in body["articles"]]
        url = body["next"] and body["next"].split(API, 1)[1]
        pages += 1
        if pages == 2:
            # A new first article, published mid-way, must not shift the later pages.
            make_article(slug="breaking", hot=100, impact=100, published_at=utcnow())
    assert seen == expected
    assert pages == 5


def test_last_page_ends_exactly(reader, make_article):
    for n in range(4):
        make_article(slug=f"x{n}", published_at=utcnow() - timedelta(hours=n))
    body = reader.get("/articles?limit=2").get_json()
    body = reader.get(body["next"].split(API, 1)[1]).get_json()
    assert [a["slug"] for a in body["articles"]] == ["x2", "x3"] and body["next"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("sort=oldest", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("limit=%EF%BC%95", "limit"),
        ("lang=fr", "lang"),
        ("cursor=%%%", "cursor"),
        ("cursor=bm90IGpzb24", "cursor"),
        ("cursor=WyJuZXciXQ", "cursor"),
        ("cursor=W10", "cursor"),
        ("cursor=" + "W" * 5000, "cursor"),
    ],
)
def test_bad_list_arguments_are_400(reader, make_article, query, field):
    make_article()
    response = reader.get(f"/articles?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_cursor_of_another_order_is_refused(reader, make_article):
    for n in range(3):
        make_article(slug=f"c{n}")
    next_url = reader.get("/articles?limit=1&sort=hot").get_json()["next"]
    cursor = next_url.split("cursor=")[1]
    response = reader.get(f"/articles?sort=new&cursor={cursor}")
    assert response.status_code == 400


def test_article_by_slug(reader, make_article, make_tag):
    make_article(slug="one", tags=[make_tag()])
    body = reader.get("/articles/one").get_json()
    assert body["analysis_en"] == "First paragraph.\n\nSecond paragraph."
    assert body["tags"] == [{"slug": "open-source", "name_en": "Open Source", "name_zh": "开源"}]
    assert body["version"] == 1
    assert reader.get("/articles/one?lang=zh").get_json()["analysis"] == "第一段。\n\n第二段。"
    assert reader.get("/articles/nope").status_code == 404


def test_drafts_are_visible_only_with_a_token(api, reader, make_article):
    make_article(slug="secret", status="draft", published_at=None)
    assert reader.get("/articles/secret").status_code == 404
    response = api.get("/articles/secret")
    assert response.status_code == 200 and response.get_json()["status"] == "draft"
    assert response.headers["Cache-Control"] == "no-store"
    assert api.get("/articles/secret", token="wrong").status_code == 401


def test_tags_with_counts(reader, make_article, make_tag):
    ai, robots = make_tag("ai", "AI", "人工智能"), make_tag("robots", "Robots", "机器人")
    make_article(slug="a", tags=[ai, robots])
    make_article(slug="b", tags=[ai])
    make_article(slug="c", tags=[robots], status="draft")
    body = reader.get("/tags").get_json()
    assert body["tags"] == [
        {"slug": "ai", "name_en": "AI", "name_zh": "人工智能", "count": 2},
        {"slug": "robots", "name_en": "Robots", "name_zh": "机器人", "count": 1},
    ]


def test_unknown_api_addresses_answer_json(reader):
    for method, path in [("GET", "/nothing"), ("PUT", "/articles"), ("POST", "/tags"), ("PUT", "/articles/x")]:
        response = reader.request(method, path)
        assert response.status_code in (404, 405) and response.mimetype == "application/json"
    assert "POST" in reader.request("PUT", "/articles").headers["Allow"]
