"""The article form: creating, validation that keeps the text, editing, deleting."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from ainews.rules import TEXT_LIMITS, UPLOAD_REQUEST_MAX_BYTES
from conftest import csrf_token, form_data, form_values
from models import Article, ArticleTag, Tag


def stored(slug=None, **where):
    with database().connection_context():
        query = Article.select()
        if slug:
            query = query.where(Article.slug == slug)
        return query.first()


def field_error(html, name):
    return BeautifulSoup(html, "html.parser").find(id=f"error-{name}").get_text(strip=True)


def kept_value(html, name):
    element = BeautifulSoup(html, "html.parser").find(attrs={"name": name})
    return element.text.lstrip("\r\n") if element.name == "textarea" else element.get("value")


# Creating ---------------------------------------------------------------------


def test_new_article_is_saved_and_appears_first_on_the_feed(editor_client, make_article):
    make_article(title_en="An older story")
    response = editor_client.post("/editor/new", data=form_data(editor_client))
    assert response.status_code == 303
    article = stored("robots-learn-to-fold-laundry")
    assert response.headers["Location"] == f"/editor/{article.id}/edit"
    assert (article.status, article.hot, article.version, article.outdated) == ("published", 60, 1, "")
    assert article.published_at is not None and article.updated_at is None
    for lang, title in (("en", "Robots learn to fold laundry"), ("zh", "机器人学会叠衣服")):
        feed = BeautifulSoup(editor_client.get(f"/{lang}/").get_data(as_text=True), "html.parser")
        assert title in feed.select(".card")[0].get_text()
    page = editor_client.get(f"/zh/articles/{article.slug}").get_data(as_text=True)
    assert "机器人" in page  # the tag, in Chinese
    assert "Saved and published" in editor_client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_draft_is_not_public(editor_client):
    editor_client.post("/editor/new", data=form_data(editor_client, status="draft"))
    article = stored("robots-learn-to-fold-laundry")
    assert article.status == "draft" and article.published_at is None
    assert "Robots learn" not in editor_client.get("/en/").get_data(as_text=True)
    assert editor_client.get(f"/en/articles/{article.slug}").status_code == 404
    assert "Draft" in editor_client.get("/editor/").get_data(as_text=True)


def test_publish_time_is_read_in_the_editors_zone(editor_client):
    editor_client.set_cookie("lang", "zh")
    editor_client.post("/editor/new", data=form_data(editor_client, published_at="2026-05-01T09:30"))
    article = stored("robots-learn-to-fold-laundry")
    assert article.published_at.isoformat() == "2026-05-01T01:30:00+00:00"  # Beijing is UTC+8


def test_a_future_publish_time_schedules_the_article(editor_client):
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    editor_client.post("/editor/new", data=form_data(editor_client, published_at=later))
    assert "Robots learn" not in editor_client.get("/en/").get_data(as_text=True)
    assert "Scheduled" in editor_client.get("/editor/").get_data(as_text=True)


def test_scheduling_and_unpublishing_say_what_readers_see(editor_client, make_article):
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(
        "/editor/new", data=form_data(editor_client, published_at=later), follow_redirects=True
    )
    assert "It will be published on" in response.get_data(as_text=True)
    article = make_article(title_en="To take down")
    url = f"/editor/{article.id}/edit"
    response = editor_client.post(
        url, data=dict(form_values(editor_client, url), action="unpublish"), follow_redirects=True
    )
    assert "Unpublished: readers no longer see it" in response.get_data(as_text=True)


# Validation -------------------------------------------------------------------


BAD_INPUT = [
    # (field changes, field whose error shows, words of the error)
    ({"hot": "101"}, "hot", "0 to 100"),
    ({"quality": "-1"}, "quality", "0 to 100"),
    ({"impact": "lots"}, "impact", "whole number"),
    ({"hot": "4.5"}, "hot", "whole number"),
    ({"hot": ""}, "hot", "0 to 100"),
    ({"title_en": "", "title_zh": ""}, "title_en", "at least one language"),
    ({"title_en": "   ", "title_zh": ""}, "title_en", "at least one language"),
    *(
        ({name: "长" * (TEXT_LIMITS[field] + 1)}, name, f"At most {TEXT_LIMITS[field]:,} characters: this has")
        for field, name in (("title", "title_en"), ("summary", "summary_zh"), ("analysis", "analysis_en"))
    ),
    ({"category_en": "c" * 61}, "category_en", "At most 60"),
    ({"slug": "Not A Slug!"}, "slug", "lowercase"),
    ({"slug": "-leading"}, "slug", "lowercase"),
    ({"tags": ", ".join(f"tag{n}" for n in range(13))}, "tags", "At most 12 tags"),
    ({"tags": "x" * 61}, "tags", "at most 60"),
    ({"published_at": "next tuesday"}, "published_at", "2026-05-01 09:30"),
    ({"published_at": "2026-13-45T25:61"}, "published_at", "2026-05-01 09:30"),
    ({"status": "archived"}, "status", ""),
]


@pytest.mark.parametrize("changes, field, words", BAD_INPUT)
def test_bad_input_is_refused_beside_its_field_and_everything_typed_is_kept(editor_client, changes, field, words):
    data = form_data(editor_client, summary_en="My carefully written summary.", **changes)
    response = editor_client.post("/editor/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in field_error(html, field) and field_error(html, field)
    for name in ("title_en", "title_zh", "summary_en", "analysis_en", "tags", "hot", "published_at"):
        if name != "status":
            assert kept_value(html, name) == data[name], name
    assert stored() is None


def test_errors_are_in_the_editors_language(editor_client):
    editor_client.set_cookie("lang", "zh")
    html = editor_client.post(
        "/editor/new", data=form_data(editor_client, hot="abc", title_en="", title_zh="")
    ).get_data(as_text=True)
    assert "请输入 0 到 100 之间的整数" in field_error(html, "hot")
    assert "至少用一种语言" in field_error(html, "title_en")


def test_a_duplicate_slug_is_refused(editor_client, make_article):
    make_article(slug="taken")
    response = editor_client.post("/editor/new", data=form_data(editor_client, slug="taken"))
    assert response.status_code == 422
    assert "already uses this address" in field_error(response.get_data(as_text=True), "slug")


def test_an_oversized_request_gets_413_not_500(editor_client):
    # The form takes an image besides its text, so its limit is the upload's.
    too_much = "a" * (UPLOAD_REQUEST_MAX_BYTES + 1)
    response = editor_client.post("/editor/new", data=form_data(editor_client, analysis_en=too_much))
    assert response.status_code == 413


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59", "2101-01-01T00:00"])
def test_implausible_publish_years_are_refused(editor_client, moment):
    response = editor_client.post("/editor/new", data=form_data(editor_client, published_at=moment))
    assert response.status_code == 422
    assert "2000 to 2100" in field_error(response.get_data(as_text=True), "published_at")


def test_a_refused_save_is_marked_unsaved_and_focuses_the_first_bad_field(editor_client):
    html = editor_client.post("/editor/new", data=form_data(editor_client, hot="500")).get_data(as_text=True)
    form = BeautifulSoup(html, "html.parser").find("form", id="article-form")
    assert form.has_attr("data-unsaved")
    assert form.find(attrs={"name": "hot"}).has_attr("autofocus")
    assert (
        not BeautifulSoup(editor_client.get("/editor/new").get_data(as_text=True), "html.parser")
        .find("form", id="article-form")
        .has_attr("data-unsaved")
    )


# Editing ----------------------------------------------------------------------


def test_editing_a_published_article_marks_it_updated(editor_client, make_article):
    article = make_article(title_en="Before the fix")
    url = f"/editor/{article.id}/edit"
    response = editor_client.post(url, data=dict(form_values(editor_client, url), title_en="After the fix"))
    assert response.status_code == 303
    saved = stored(article.slug)
    assert saved.title_en == "After the fix" and saved.version == 2
    assert saved.was_updated
    assert "Updated" in editor_client.get(f"/en/articles/{article.slug}").get_data(as_text=True)


@pytest.mark.parametrize("changes", [{"hot": "71"}, {"tags": "Robotics|机器人"}, {"ai_generated": "y"}])
def test_a_change_to_scores_or_tags_alone_is_an_update(editor_client, make_article, changes):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), **changes))
    assert stored(article.slug).was_updated


def test_saving_without_changes_is_not_an_update(editor_client, make_article):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    assert editor_client.post(url, data=form_values(editor_client, url)).status_code == 303
    saved = stored(article.slug)
    assert not saved.was_updated and saved.version == 1


def test_the_form_shows_the_stored_article(editor_client, make_tag, make_article):
    article = make_article(tags=[make_tag()], hot=12)
    values = form_values(editor_client, f"/editor/{article.id}/edit")
    assert values["title_zh"] == "开源模型走进课堂"
    assert values["analysis_en"] == "First paragraph.\n\nSecond paragraph."
    assert (values["hot"], values["tags"], values["version"], values["status"]) == (
        "12",
        "Open Source|开源",
        "1",
        "published",
    )


def test_publishing_a_draft_sets_its_publish_time(editor_client, make_article):
    article = make_article(status="draft", published_at=None)
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), status="published"))
    saved = stored(article.slug)
    assert saved.status == "published" and saved.published_at is not None and not saved.was_updated
    assert article.title_en in editor_client.get("/en/").get_data(as_text=True)


def test_unpublish_keeps_the_article_as_a_draft(editor_client, make_article):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    response = editor_client.post(url, data=dict(form_values(editor_client, url), action="unpublish"))
    assert response.status_code == 303
    assert stored(article.slug).status == "draft"
    assert editor_client.get(f"/en/articles/{article.slug}").status_code == 404


def test_tags_are_reused_created_and_removed(editor_client, make_tag, make_article):
    make_tag()
    article = make_article()
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), tags="open source, 机器人, Policy|政策"))
    with database().connection_context():
        names = sorted(
            (t.slug, t.name_en, t.name_zh)
            for t in Tag.select().join(ArticleTag).where(ArticleTag.article == article.id)
        )
        assert Tag.select().count() == 3
    assert names[:2] == [("open-source", "Open Source", "开源"), ("policy", "Policy", "政策")]
    assert names[2][1:] == ("", "机器人") and names[2][0].startswith("tag-")
    editor_client.post(url, data=dict(form_values(editor_client, url), tags=""))
    with database().connection_context():
        assert ArticleTag.select().where(ArticleTag.article == article.id).count() == 0


@pytest.mark.parametrize(
    "tags", ["Open Source, Open Source|开源", "ai, AI|人工智能", "开源, Open Source|开源", "AI, ai, Ai"]
)
def test_entries_naming_one_tag_twice_make_one_tag(editor_client, make_tag, tags):
    make_tag()
    response = editor_client.post("/editor/new", data=form_data(editor_client, tags=tags))
    assert response.status_code == 303
    with database().connection_context():
        assert ArticleTag.select().count() == 1


def test_an_unknown_article_is_404(editor_client):
    assert editor_client.get("/editor/999/edit").status_code == 404
    assert editor_client.post("/editor/999/edit", data=form_data(editor_client)).status_code == 404


# Deleting ---------------------------------------------------------------------


def test_delete_asks_first_then_deletes(editor_client, make_tag, make_article):
    article = make_article(tags=[make_tag()])
    url = f"/editor/{article.id}/delete"
    confirm = editor_client.get(url)
    assert confirm.status_code == 200 and "Delete this article?" in confirm.get_data(as_text=True)
    assert stored(article.slug) is not None
    response = editor_client.post(url, data={"csrf_token": csrf_token(editor_client, url)})
    assert response.status_code == 303 and response.headers["Location"] == "/editor/"
    assert stored(article.slug) is None
    with database().connection_context():
        assert ArticleTag.select().count() == 0 and Tag.select().count() == 1
    assert editor_client.get(f"/en/articles/{article.slug}").status_code == 404
    assert "Deleted" in editor_client.get("/editor/").get_data(as_text=True)


def test_a_deleted_articles_id_is_never_given_to_a_new_one(editor_client, make_article):
    old = make_article(title_en="Going away")
    url = f"/editor/{old.id}/edit"
    stale_form = form_values(editor_client, url)
    editor_client.post(f"/editor/{old.id}/delete", data={"csrf_token": csrf_token(editor_client, url)})
    editor_client.post("/editor/new", data=form_data(editor_client))
    new = stored("robots-learn-to-fold-laundry")
    assert new.id != old.id
    assert editor_client.post(url, data=stale_form).status_code == 404
    assert stored("robots-learn-to-fold-laundry").title_en == "Robots learn to fold laundry"


def test_dashboard_lists_drafts_and_marks_missing_translations(editor_client, make_article):
    make_article(title_en="English only", title_zh="", status="draft", published_at=None)
    make_article(title_en="", title_zh="只有中文")
    html = editor_client.get("/editor/").get_data(as_text=True)
    assert "English only" in html and "只有中文" in html
    assert "No Chinese title" in html and "No English title" in html
    assert editor_client.get("/editor/?page=2").status_code == 404
    assert editor_client.get("/editor/?page=abc").status_code == 400
