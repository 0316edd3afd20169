"""The JSON API's writes: tokens, creating, changing and deleting, and what readers and editors see after.

Every response is checked against the OpenAPI document (see conftest.py).
"""

import re
from datetime import timedelta

import pytest

from ainews.clock import utcnow
from ainews.db import database
from api.conftest import CheckedClient, count_articles, stored
from conftest import form_values
from models import ApiToken, Article, Tag

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


def test_a_new_article_takes_the_documented_defaults(api, document):
    properties = document["components"]["schemas"]["ArticleWrite"]["properties"]
    defaults = {name: schema["default"] for name, schema in properties.items() if "default" in schema}
    assert {"status", "hot", "category_zh"} <= set(defaults)
    body = api.post("/articles", json={"title_en": "Defaults"}).get_json()
    assert {name: body[name] for name in defaults} == defaults


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


def test_times_not_sent_are_kept_exactly(api, make_article):
    published = utcnow() - timedelta(hours=3)  # with microseconds, which the form's text does not show
    generated = published - timedelta(minutes=17, microseconds=321)
    make_article(slug="story", published_at=published, generated_at=generated, model="m1")
    response = api.patch("/articles/story", json={"version": 1})
    assert response.status_code == 200 and response.get_json()["version"] == 1  # nothing changed, nothing saved
    api.patch("/articles/story", json={"model": "m2", "version": 1})
    article = stored("story")
    assert (article.model, article.published_at, article.generated_at) == ("m2", published, generated)
    assert article.version == 2


def test_times_are_read_in_their_zone_and_null_clears_generated_at(api, make_article):
    make_article(slug="story", generated_at=utcnow())
    body = api.patch(
        "/articles/story", json={"published_at": "2026-05-01T09:30:15+08:00", "generated_at": None, "version": 1}
    ).get_json()
    assert (body["published_at"], body["generated_at"]) == ("2026-05-01T01:30:15Z", None)
    assert stored("story").generated_at is None
    body = api.patch("/articles/story", json={"published_at": None, "version": 2}).get_json()
    assert body["published_at"] == "2026-05-01T01:30:15Z"  # a published article keeps its time


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


def test_an_editor_sees_a_pipelines_provenance_and_keeps_it(api, editor_client):
    created = api.post(
        "/articles",
        json={
            "title_en": "Chips get cheaper",
            "source_url": "https://example.com/chips",
            "model": "drafter-3",
            "generated_at": "2026-05-01T01:30:45Z",
        },
    ).get_json()
    with database().connection_context():
        article_id = Article.get(Article.slug == created["slug"]).id
    url = f"/editor/{article_id}/edit"
    editor_client.set_cookie("lang", "zh")
    data = form_values(editor_client, url)
    # The provenance fieldset, the time in the editor's zone (Beijing, UTC+8).
    assert (data["source_url"], data["model"], data["generated_at"]) == (
        "https://example.com/chips",
        "drafter-3",
        "2026-05-01T09:30",
    )
    assert "来源信息" in editor_client.get(url).get_data(as_text=True)
    assert editor_client.post(url, data=dict(data, title_en="Chips get much cheaper")).status_code == 303
    article = stored(created["slug"])
    assert (article.source_url, article.model) == ("https://example.com/chips", "drafter-3")
    assert article.generated_at.isoformat() == "2026-05-01T01:30:45+00:00"  # untouched: seconds and all
    data = dict(form_values(editor_client, url), generated_at="2026-05-02T08:00", model="drafter-4")
    assert editor_client.post(url, data=data).status_code == 303
    article = stored(created["slug"])
    assert (article.model, article.generated_at.isoformat()) == ("drafter-4", "2026-05-02T00:00:00+00:00")
