"""The article form when two editors meet: conflicts that lose nothing, and translations marked out of date."""

from bs4 import BeautifulSoup

from ainews.db import database
from conftest import csrf_token, form_values, form_values_in
from models import Article


def stored(slug=None, **where):
    with database().connection_context():
        query = Article.select()
        if slug:
            query = query.where(Article.slug == slug)
        return query.first()


def kept_value(html, name):
    element = BeautifulSoup(html, "html.parser").find(attrs={"name": name})
    return element.text.lstrip("\r\n") if element.name == "textarea" else element.get("value")


# Conflicts --------------------------------------------------------------------


def test_a_stale_save_gets_409_with_both_texts_and_loses_nothing(editor_client, make_article):
    article = make_article(summary_en="The original summary.")
    url = f"/editor/{article.id}/edit"
    mine = form_values(editor_client, url)
    theirs = form_values(editor_client, url)
    editor_client.post(url, data=dict(theirs, summary_en="Their newer summary."))

    response = editor_client.post(url, data=dict(mine, summary_en="My own summary."))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    conflict = BeautifulSoup(html, "html.parser").find(class_="conflict").get_text()
    assert "My own summary." in conflict and "Their newer summary." in conflict
    assert kept_value(html, "summary_en") == "My own summary."
    assert stored(article.slug).summary_en == "Their newer summary."

    # Saving again from the conflict page overwrites, deliberately.
    again = editor_client.post(url, data=dict(form_values_in(html), csrf_token=csrf_token(editor_client, url)))
    assert again.status_code == 303
    saved = stored(article.slug)
    assert (saved.summary_en, saved.version) == ("My own summary.", 3)


def test_a_conflict_keeps_the_other_editors_changes_to_fields_this_one_left_alone(editor_client, make_article):
    article = make_article(title_en="Old title", summary_en="Old summary.", summary_zh="旧摘要。", hot=10)
    url = f"/editor/{article.id}/edit"
    first, second = form_values(editor_client, url), form_values(editor_client, url)
    editor_client.post(url, data=dict(first, title_en="Their title", summary_en="Their summary."))

    # The English summary changed on both sides: a conflict, not a merge.
    response = editor_client.post(url, data=dict(second, summary_en="My summary.", summary_zh="我的摘要。", hot="90"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    rows = BeautifulSoup(html, "html.parser").select(".conflict-table tbody tr")
    assert [row.th.get_text() for row in rows] == ["Summary (EN)", "Summary (中文)", "Hot"]
    assert kept_value(html, "title_en") == "Their title"  # theirs: this editor never touched it
    assert kept_value(html, "summary_zh") == "我的摘要。"

    editor_client.post(url, data=dict(form_values_in(html), csrf_token=csrf_token(editor_client, url)))
    saved = stored(article.slug)
    assert (saved.title_en, saved.summary_en, saved.summary_zh, saved.hot) == (
        "Their title",
        "My summary.",
        "我的摘要。",
        90,
    )


# Translation freshness --------------------------------------------------------


def test_changing_one_language_marks_the_other_as_possibly_outdated(editor_client, make_article):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), summary_en="A rewritten English summary."))
    assert stored(article.slug).outdated == "summary_zh"
    reader = BeautifulSoup(editor_client.get(f"/zh/articles/{article.slug}").get_data(as_text=True), "html.parser")
    assert "翻译可能已过时" in reader.find(class_="summary").get_text()
    assert "Translation may be outdated" not in editor_client.get(f"/en/articles/{article.slug}").get_data(as_text=True)
    assert "Summary (中文)" in editor_client.get("/editor/").get_data(as_text=True)
    assert 'value="summary_zh"' in editor_client.get(url).get_data(as_text=True)


def test_editing_the_translation_clears_the_mark(editor_client, make_article):
    article = make_article(outdated="summary_zh title_en")
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), summary_zh="新的中文摘要。"))
    assert stored(article.slug).outdated == "title_en"


def test_ticking_translation_checked_clears_the_mark(editor_client, make_article):
    article = make_article(outdated="summary_zh")
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), checked="summary_zh"))
    saved = stored(article.slug)
    assert saved.outdated == "" and not saved.was_updated


def test_changing_both_languages_or_an_empty_one_marks_nothing(editor_client, make_article):
    article = make_article(analysis_zh="")
    url = f"/editor/{article.id}/edit"
    editor_client.post(
        url, data=dict(form_values(editor_client, url), title_en="New", title_zh="新", analysis_en="New analysis.")
    )
    assert stored(article.slug).outdated == ""
