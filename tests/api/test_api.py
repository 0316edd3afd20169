"""The JSON API: reads, token-guarded writes, validation, conflicts, pagination.

Every response these tests receive is checked against /api/v1/openapi.json
by the `api` fixture, so the document cannot drift from what the API does.
"""

import json
import re
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator

from ainews.clock import utcnow
from ainews.db import database
from conftest import form_values
from models import ApiToken, Article, Tag

API = "/api/v1"


class CheckedClient:
    """A test client whose every /api/v1 response must match the OpenAPI document."""

    def __init__(self, client, document, token=None):
        self.client, self.document, self.token = client, document, token
        self.checked = []

    def request(self, method, path, token="default", headers=None, **kwargs):
        headers = dict(headers or {})
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(API + path, method=method, headers=headers, **kwargs)
        self.check(method, path.split("?")[0], response)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def check(self, method, path, response):
        operation = self.operation(method, path)
        if operation is None:  # not an API route: it must answer a JSON 404 or 405
            assert response.status_code in (404, 405), (method, path)
            assert set(response.get_json()["errors"]) == {"request"}
            return
        described = operation["responses"].get(str(response.status_code))
        assert described, f"{method} {path} answered {response.status_code}, which the document does not list"
        content = described.get("content")
        if content is None:
            assert response.data == b""
            return
        assert response.mimetype == "application/json"
        schema = {**content["application/json"]["schema"], "components": self.document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
        assert not errors, f"{method} {path} {response.status_code}: {errors[0].message} at {list(errors[0].path)}"
        self.checked.append((method, path, response.status_code))

    def operation(self, method, path):
        for template, item in self.document["paths"].items():
            pattern = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, path) and method.lower() in item:
                return item[method.lower()]
        return None


@pytest.fixture
def document(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    return document


@pytest.fixture
def token(app):
    with database().connection_context():
        return ApiToken.issue("pipeline")


@pytest.fixture
def api(client, document, token):
    return CheckedClient(client, document, token)


@pytest.fixture
def reader(client, document):
    """The same, without a token."""
    return CheckedClient(client, document)


def stored(slug):
    with database().connection_context():
        return Article.get_or_none(Article.slug == slug)


def feed_order(sort):
    with database().connection_context():
        return [a.slug for a in Article.published(sort)]


def count_articles():
    with database().connection_context():
        return Article.select().count()


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


# Tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer wrong", "Bearer " + "x" * 500]
)
def test_writes_need_a_valid_token(reader, make_article, header):
    make_article(slug="kept")
    headers = {"Authorization": header} if header is not None else {}
    attempts = [
        reader.post("/articles", json={"title_en": "Sneaky"}, headers=headers),
        reader.patch("/articles/kept", json={"title_en": "Changed", "version": 1}, headers=headers),
        reader.delete("/articles/kept", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in response.get_json()["errors"]
    assert count_articles() == 1 and stored("kept").title_en == "Open models reach the classroom"


def test_token_is_stored_hashed(token, db):
    row = ApiToken.get(ApiToken.name == "pipeline")
    assert token.startswith("ainews_") and len(token) > 40
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert ApiToken.find(token).name == "pipeline"


def test_create_and_revoke_token_commands(runner, client, document):
    result = runner.invoke(args=["create-token", "news-bot"])
    assert result.exit_code == 0
    secret = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ainews_[\w-]{40,}", secret)
    bot = CheckedClient(client, document, secret)
    assert bot.post("/articles", json={"title_en": "From the bot"}).status_code == 201
    again = runner.invoke(args=["create-token", "news-bot"])
    assert again.exit_code == 1 and "exists already" in again.output
    assert runner.invoke(args=["revoke-token", "news-bot"]).exit_code == 0
    assert bot.post("/articles", json={"title_en": "After revoking"}).status_code == 401
    missing = runner.invoke(args=["revoke-token", "news-bot"])
    assert missing.exit_code == 1 and "no token called news-bot" in missing.output
    assert runner.invoke(args=["create-token", "bad name!"]).exit_code == 2


# Creating ------------------------------------------------------------------------------


def test_create_makes_a_draft_with_tags_and_provenance(api, reader):
    response = api.post(
        "/articles",
        json={
            "title_en": "Chips get cheaper",
            "title_zh": "芯片变便宜了",
            "summary_en": "Prices fall.",
            "tags": ["Hardware|硬件", "开源"],
            "hot": 40,
            "ai_generated": True,
            "source_url": "https://example.com/chips",
            "model": "drafter-3",
            "generated_at": "2026-05-01T09:30:00+08:00",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft" and body["version"] == 1 and body["hot"] == 40
    assert body["generated_at"] == "2026-05-01T01:30:00Z"
    assert response.headers["Location"].endswith("/api/v1/articles/chips-get-cheaper")
    article = stored("chips-get-cheaper")
    assert (article.model, article.source_url, article.ai_generated) == ("drafter-3", "https://example.com/chips", True)
    with database().connection_context():
        assert {(t.name_en, t.name_zh) for t in Tag.select()} == {("Hardware", "硬件"), ("", "开源")}
    assert reader.get("/articles/chips-get-cheaper").status_code == 404  # a draft is not public


def test_create_published_appears_on_the_site(api, client):
    response = api.post("/articles", json={"title_en": "Live now", "status": "published", "slug": "live-now"})
    assert response.status_code == 201 and response.get_json()["published_at"] is not None
    assert "Live now" in client.get("/en/").get_data(as_text=True)


def test_a_chosen_publish_time_is_kept(api):
    response = api.post(
        "/articles", json={"title_en": "Timed", "status": "published", "published_at": "2026-01-02T03:04:05Z"}
    )
    assert response.get_json()["published_at"] == "2026-01-02T03:04:05Z"


def test_messages_follow_accept_language(api):
    response = api.post("/articles", json={"hot": 500}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert re.search(r"[\u4e00-\u9fff]", errors["hot"])
    assert re.search(r"[\u4e00-\u9fff]", errors["title_en"])


LONG = "x" * 301

BAD_FIELDS = [
    ({"hot": 150}, "hot"),
    ({"hot": -1}, "hot"),
    ({"hot": "50"}, "hot"),
    ({"hot": True}, "hot"),
    ({"hot": 4.5}, "hot"),
    ({"hot": None}, "hot"),
    ({"title_en": "", "title_zh": "  "}, "title_en"),
    ({"title_en": LONG}, "title_en"),
    ({"title_zh": 42}, "title_zh"),
    ({"title_en": "nul \u0000 inside"}, "title_en"),
    ({"summary_en": "s" * 2001}, "summary_en"),
    ({"category_en": "c" * 61}, "category_en"),
    ({"slug": "Not A Slug!"}, "slug"),
    ({"slug": "-leading"}, "slug"),
    ({"status": "archived"}, "status"),
    ({"ai_generated": "yes"}, "ai_generated"),
    ({"tags": "AI, Robots"}, "tags"),
    ({"tags": [f"tag {n}" for n in range(13)]}, "tags"),
    ({"tags": ["t" * 61]}, "tags"),
    ({"tags": [1, 2]}, "tags"),
    ({"published_at": "next tuesday"}, "published_at"),
    ({"published_at": "2026-05-01T09:30"}, "published_at"),  # no zone: ambiguous
    ({"published_at": "1999-12-31T23:00:00Z"}, "published_at"),
    ({"published_at": 1714555800}, "published_at"),
    ({"generated_at": "soon"}, "generated_at"),
    ({"source_url": "javascript:alert(1)"}, "source_url"),
    ({"source_url": "ftp://example.com/file"}, "source_url"),
    ({"source_url": "https://example.com/" + "p" * 500}, "source_url"),
    ({"source_url": "//example.com/x"}, "source_url"),
    ({"model": "m" * 101}, "model"),
    ({"model": ["gpt"]}, "model"),
    ({"views": 1_000_000}, "views"),
    ({"version": 3}, "version"),  # not for a new article
    ({"nonsense": 1}, "nonsense"),
]


@pytest.mark.parametrize("fields, field", BAD_FIELDS)
def test_create_refuses_bad_fields(api, fields, field):
    body = {"title_en": "A fine title", **fields}
    response = api.post("/articles", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count_articles() == 0


def test_every_problem_is_reported_at_once(api):
    response = api.post("/articles", json={"hot": 150, "status": "archived", "title_en": "", "oops": 1, "model": 7})
    assert set(response.get_json()["errors"]) == {"hot", "status", "title_en", "oops", "model"}


def test_duplicate_slug_is_refused(api, make_article):
    make_article(slug="taken")
    response = api.post("/articles", json={"title_en": "Another", "slug": "taken"})
    assert response.status_code == 422 and "slug" in response.get_json()["errors"]


MALFORMED = [
    b"",
    b"{",
    b"}",
    b"null",
    b"[]",
    b"[{}]",
    b'"a string"',
    b"42",
    b"true",
    b'{"title_en": }',
    b'{"title_en": "unterminated}',
    b"{'title_en': 'single quotes'}",
    b'{"title_en": "x",}',
    b"\xff\xfe\xfa",
    b"\x00\x00\x00",
    b'{"title_en": "\\ud800"}',
    b"[" * 100_000,
    b'{"a":' * 50_000,
    b"NaN",
    b'{"hot": NaN}',
    b'{"hot": Infinity}',
    b'{"hot": 1e999}',
    b'{"hot": 1' + b"0" * 5000 + b"}",
    b'{"title_en": "ok"} trailing',
    '{"title_en": "\u00e9"}'.encode("latin-1"),
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_bodies_never_crash(api, make_article, body):
    make_article(slug="target")
    for response in (
        api.post("/articles", data=body, content_type="application/json"),
        api.patch("/articles/target", data=body, content_type="application/json"),
    ):
        assert response.status_code in (400, 422), response.data[:200]
        assert response.get_json()["errors"]
    assert count_articles() == 1 and stored("target").version == 1


@pytest.mark.parametrize("value", [None, 0, 1.5, -7, "", "text", [], ["x"], {}, {"a": 1}, True, "\ud800"])
def test_any_type_in_any_field_is_answered_cleanly(api, make_article, value):
    make_article(slug="target")
    for name in [
        "title_en",
        "summary_zh",
        "slug",
        "hot",
        "ai_generated",
        "status",
        "published_at",
        "tags",
        "source_url",
        "model",
        "generated_at",
        "version",
    ]:
        created = api.post("/articles", json={"title_en": "Typed", name: value})
        patched = api.patch("/articles/target", json={"version": 1, name: value})
        assert created.status_code in (201, 422), (name, value, created.data)
        assert patched.status_code in (200, 409, 422), (name, value, patched.data)


def test_body_over_the_limit_is_413(api):
    response = api.post("/articles", data=json.dumps({"analysis_en": "x" * 1_100_000}), content_type="application/json")
    assert response.status_code == 413
    assert count_articles() == 0


def test_json_is_accepted_whatever_the_content_type(api):
    response = api.post("/articles", data=json.dumps({"title_en": "Plain text type"}), content_type="text/plain")
    assert response.status_code == 201


# Changing and deleting ---------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, make_article, make_tag):
    make_article(slug="story", tags=[make_tag()], hot=10)
    response = api.patch("/articles/story", json={"hot": 90, "version": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert body["hot"] == 90 and body["version"] == 2
    assert body["title_zh"] == "开源模型走进课堂" and [t["slug"] for t in body["tags"]] == ["open-source"]
    article = stored("story")
    assert article.hot == 90 and article.quality == 75 and article.was_updated


def test_patch_without_version_is_refused(api, make_article):
    make_article(slug="story")
    response = api.patch("/articles/story", json={"hot": 90})
    assert response.status_code == 422 and "version" in response.get_json()["errors"]
    assert stored("story").hot == 70


def test_stale_version_is_a_conflict(api, make_article):
    make_article(slug="story")
    assert api.patch("/articles/story", json={"title_en": "First change", "version": 1}).status_code == 200
    response = api.patch("/articles/story", json={"title_en": "Second change", "version": 1})
    assert response.status_code == 409
    body = response.get_json()
    assert "version" in body["errors"]
    assert body["article"]["title_en"] == "First change" and body["article"]["version"] == 2
    assert stored("story").title_en == "First change"


def test_patch_marks_the_other_translation_outdated(api, make_article):
    make_article(slug="story")
    api.patch("/articles/story", json={"summary_en": "A new English summary.", "version": 1})
    assert stored("story").outdated == "summary_zh"


def test_patch_can_rename_unpublish_and_clear_provenance(api, reader, make_article):
    make_article(slug="old-name", model="m1", source_url="https://example.com/a")
    response = api.patch(
        "/articles/old-name", json={"slug": "new-name", "status": "draft", "model": "", "source_url": "", "version": 1}
    )
    assert response.status_code == 200
    assert stored("old-name") is None
    article = stored("new-name")
    assert (article.status, article.model, article.source_url) == ("draft", "", "")
    assert reader.get("/articles/new-name").status_code == 404


def test_patch_and_delete_unknown_article(api):
    assert api.patch("/articles/ghost", json={"version": 1}).status_code == 404
    assert api.delete("/articles/ghost").status_code == 404


def test_delete(api, make_article, make_tag):
    make_article(slug="doomed", tags=[make_tag()])
    response = api.delete("/articles/doomed")
    assert response.status_code == 204 and response.data == b""
    assert stored("doomed") is None
    assert api.delete("/articles/doomed").status_code == 404


# Readers see where a generated article came from ---------------------------------------


def test_article_page_shows_provenance(client, make_article):
    make_article(
        slug="made",
        ai_generated=True,
        model="drafter-3 <b>",
        generated_at=utcnow().replace(year=2026, month=5, day=1, hour=12),
        source_url="https://news.example.org/story?id=1",
    )
    en = client.get("/en/articles/made").get_data(as_text=True)
    assert re.search(r"Generated by drafter-3 &lt;b&gt; on <time [^>]*>May 1, 2026, 12:\d\d UTC</time>", en)
    assert 'href="https://news.example.org/story?id=1" rel="nofollow noopener noreferrer">news.example.org</a>' in en
    assert "Disclaimer: this content was generated by AI" in en
    zh = client.get("/zh/articles/made").get_data(as_text=True)
    assert re.search(r"由 drafter-3 &lt;b&gt; 生成于 <time [^>]*>2026年5月1日 20:\d\d（北京时间）</time>", zh)
    assert "来源：" in zh


def test_no_provenance_block_without_provenance(client, make_article):
    make_article(slug="plain")
    assert 'class="provenance"' not in client.get("/en/articles/plain").get_data(as_text=True)


# The whole path: a pipeline drafts, an editor publishes ---------------------------------


def test_pipeline_draft_published_by_an_editor(api, editor_client):
    created = api.post(
        "/articles",
        json={
            "title_en": "Agents book their own meetings",
            "title_zh": "智能体自己安排会议",
            "summary_en": "A calendar tool tries it.",
            "model": "drafter-3",
        },
    ).get_json()
    assert created["status"] == "draft"
    with database().connection_context():
        article_id = Article.get(Article.slug == created["slug"]).id
    url = f"/editor/{article_id}/edit"
    data = form_values(editor_client, url)
    data["status"] = "published"
    assert editor_client.post(url, data=data).status_code == 303
    page = editor_client.get("/zh/").get_data(as_text=True)
    assert "智能体自己安排会议" in page
    article = api.get(f"/articles/{created['slug']}", token=None).get_json()
    assert article["status"] == "published" and article["model"] == "drafter-3"
