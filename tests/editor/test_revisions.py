"""Revisions: every save kept, the history page, comparing two versions, restoring one."""

import json

from bs4 import BeautifulSoup

from ainews.db import database
from ainews.reading import TEXT_FACTS
from ainews.rules import COMPARE_MAX_WORDS
from conftest import csrf_token, form_data, form_values
from models import Article, Revision
from models import Article as ArticleModel


def revisions_of(article_id):
    with database().connection_context():
        return list(Revision.select().where(Revision.article_id == article_id).order_by(Revision.version))


def stored(article_id):
    with database().connection_context():
        return ArticleModel.get_or_none(ArticleModel.id == article_id)


def create(client, **fields):
    response = client.post("/editor/new", data=form_data(client, **fields))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/")[-2])


def edit(client, article_id, **fields):
    url = f"/editor/{article_id}/edit"
    response = client.post(url, data=dict(form_values(client, url), **fields))
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# Snapshots ---------------------------------------------------------------------


def test_each_save_keeps_a_whole_snapshot_with_who_and_what_changed(editor_client):
    article_id = create(editor_client, title_en="First title")
    edit(editor_client, article_id, title_en="Second title", hot="91")

    first, second = revisions_of(article_id)
    assert (first.version, second.version) == (1, 2)
    assert first.saved_by == second.saved_by == "alice"
    assert second.changed == "title_en hot"
    data = json.loads(first.snapshot)
    columns = {field.name for field in Article._meta.sorted_fields} - {"views", *TEXT_FACTS}
    assert columns <= set(data)  # every column, read from the model
    assert "views" not in data
    assert data["title_en"] == "First title" and data["tags"] == [["Robotics", "机器人", "robotics"]]
    assert json.loads(second.snapshot)["title_en"] == "Second title"


def test_an_article_from_before_history_keeps_its_stored_version_at_its_first_save(editor_client, make_article):
    article = make_article(title_en="Written before revisions")
    assert revisions_of(article.id) == []
    edit(editor_client, article.id, title_en="Edited afterwards")

    old, new = revisions_of(article.id)
    assert (old.version, old.saved_by, json.loads(old.snapshot)["title_en"]) == (1, "", "Written before revisions")
    assert (new.version, new.saved_by, new.changed) == (2, "alice", "title_en")


def test_a_save_that_changes_nothing_keeps_no_revision(editor_client):
    article_id = create(editor_client)
    edit(editor_client, article_id)
    assert len(revisions_of(article_id)) == 1


# The history page and comparing ------------------------------------------------


def test_history_lists_versions_with_who_when_and_translated_field_names(editor_client):
    article_id = create(editor_client)
    edit(editor_client, article_id, summary_zh="新的摘要。")
    page = soup(editor_client.get(f"/editor/{article_id}/history"))
    rows = page.select("table.history tbody tr")
    assert [row["id"] for row in rows] == ["version-2", "version-1"]
    assert "Summary (中文)" in rows[0].get_text() and "alice" in rows[0].get_text()

    editor_client.get("/editor/language/zh")
    page = soup(editor_client.get(f"/editor/{article_id}/history"))
    assert "摘要（中文）" in page.select_one("#version-2").get_text()
    assert page.select_one("h1 span").get_text() == stored(article_id).title_zh  # the title in the editor's language

    edit(editor_client, article_id, title_en="Both", summary_en="Changed.")
    page = soup(editor_client.get(f"/editor/{article_id}/history"))
    assert "标题（EN）和摘要（EN）" in page.select_one("#version-3").get_text()  # a list as Chinese writes one


def test_compare_marks_words_and_chinese_characters_and_escapes_html(editor_client):
    article_id = create(editor_client, title_en="Robots fold shirts", summary_zh="机器人叠衬衫。")
    edit(editor_client, article_id, title_en="Robots <script>alert(1)</script> fold socks", summary_zh="机器人叠袜子。")

    response = editor_client.get(f"/editor/{article_id}/history?a=1&b=2")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    title = soup(response).select_one("#compare-title_en")
    assert [d.get_text() for d in title.select(".diff-old del")] == ["shirts"]
    assert "socks" in [i.get_text() for i in title.select(".diff-new ins")]
    summary = soup(response).select_one("#compare-summary_zh")
    assert [d.get_text() for d in summary.select("del")] == ["衬衫"]
    assert [i.get_text() for i in summary.select("ins")] == ["袜子"]
    assert summary.select_one(".diff-new")["lang"] == "zh-Hans"
    assert soup(response).select_one("#compare-analysis_en") is None  # unchanged fields are not listed


def test_compare_of_a_huge_change_shows_it_whole(editor_client):
    article_id = create(editor_client)
    long_text = " ".join(["w"] * (COMPARE_MAX_WORDS // 2 + 1))  # more tokens than compared one by one
    edit(editor_client, article_id, analysis_en=long_text)
    row = soup(editor_client.get(f"/editor/{article_id}/history?a=2&b=1")).select_one("#compare-analysis_en")
    assert row.select_one(".diff-new ins").get_text() == long_text


def test_compare_with_unknown_or_odd_versions_says_so(editor_client):
    article_id = create(editor_client)
    for query in ("a=1&b=99", "a=x&b=1", "a=-1", "b=99999999999999999999"):
        response = editor_client.get(f"/editor/{article_id}/history?{query}")
        assert response.status_code == 200
        assert "Choose two versions" in response.get_data(as_text=True)
    assert editor_client.get("/editor/999/history").status_code == 404


# Restoring a version ------------------------------------------------------------


def restore(client, article_id, version, seen):
    url = f"/editor/{article_id}/history"
    return client.post(f"{url}/{version}/restore", data={"csrf_token": csrf_token(client, url), "version": str(seen)})


def test_restoring_a_version_saves_it_as_a_new_version(editor_client):
    article_id = create(editor_client, title_en="The good title", tags="Robotics|机器人")
    edit(editor_client, article_id, title_en="A wrong paste", tags="Other")
    response = restore(editor_client, article_id, 1, seen=2)
    assert response.status_code == 303
    article = stored(article_id)
    assert (article.title_en, article.version) == ("The good title", 3)
    last = revisions_of(article_id)[-1]
    assert (last.kind, last.changed) == ("restore", "title_en tags")
    assert "The good title" in editor_client.get(f"/en/articles/{article.slug}").get_data(as_text=True)
    assert "Robotics" in editor_client.get(f"/en/articles/{article.slug}").get_data(as_text=True)


def test_a_restored_version_brings_back_its_own_translation_marks(editor_client):
    """Restoring is no edit of one language: the version comes back with the marks it had."""
    article_id = create(editor_client, title_en="In step", title_zh="同步", summary_en="Both.", summary_zh="两者。")
    edit(editor_client, article_id, title_en="Only English changed")
    assert stored(article_id).outdated == "title_zh"
    edit(editor_client, article_id, summary_zh="只改了中文。")
    assert set(stored(article_id).outdated.split()) == {"title_zh", "summary_en"}

    assert restore(editor_client, article_id, 1, seen=3).status_code == 303
    assert stored(article_id).outdated == ""
    assert restore(editor_client, article_id, 2, seen=4).status_code == 303
    assert stored(article_id).outdated == "title_zh"


def test_restoring_from_a_stale_history_page_goes_through_the_version_check(editor_client):
    article_id = create(editor_client, title_en="Version one")
    edit(editor_client, article_id, title_en="Version two")
    edit(editor_client, article_id, title_en="Version three")
    # The page was opened at version 2; the title changed since, and the restore changes it too.
    response = restore(editor_client, article_id, 1, seen=2)
    assert response.status_code == 303 and response.headers["Location"].endswith("/history")
    assert stored(article_id).title_en == "Version three"
    assert "after you opened its history" in editor_client.get(f"/editor/{article_id}/history").get_data(as_text=True)


def test_restore_needs_the_csrf_token_and_a_known_version(editor_client):
    article_id = create(editor_client)
    edit(editor_client, article_id, title_en="Two")
    assert editor_client.post(f"/editor/{article_id}/history/1/restore", data={"version": "2"}).status_code == 400
    assert restore(editor_client, article_id, 7, seen=2).status_code == 404
    assert stored(article_id).title_en == "Two"


def test_restoring_an_address_another_article_took_since_says_so(editor_client, make_article):
    article_id = create(editor_client, slug="first-address")
    edit(editor_client, article_id, slug="second-address")
    make_article(slug="first-address", title_en="Another article")
    response = restore(editor_client, article_id, 1, seen=2)
    assert response.status_code == 303
    assert stored(article_id).slug == "second-address"
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Another article now uses this version" in page
