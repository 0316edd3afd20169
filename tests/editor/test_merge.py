"""Field-level merge: a stale save that changed only fields nobody else changed is merged, with a note."""

from bs4 import BeautifulSoup

from ainews.db import database
from conftest import form_data, form_values
from models import Article, Revision


def stored(article_id):
    with database().connection_context():
        return Article.get_by_id(article_id)


def two_tabs(client, **fields):
    """A new article saved through the form (so its version is kept), and two copies of its form."""
    response = client.post("/editor/new", data=form_data(client, **fields))
    article_id = int(response.headers["Location"].split("/")[-2])
    url = f"/editor/{article_id}/edit"
    return article_id, url, form_values(client, url), form_values(client, url)


def test_two_tabs_changing_different_fields_both_save(editor_client):
    article_id, url, tab_a, tab_b = two_tabs(editor_client)
    assert editor_client.post(url, data=dict(tab_a, title_en="A new English title")).status_code == 303

    response = editor_client.post(url, data=dict(tab_b, summary_zh="新的中文摘要。"), follow_redirects=True)
    assert response.status_code == 200
    note = " ".join(
        p.get_text() for p in BeautifulSoup(response.get_data(as_text=True), "html.parser").select(".flash")
    )
    assert "Merged with the changes alice saved meanwhile" in note and "Title (EN)" in note
    article = stored(article_id)
    assert (article.title_en, article.summary_zh, article.version) == ("A new English title", "新的中文摘要。", 3)
    # Each save marked the other language of what it changed.
    assert article.outdated == "summary_en title_zh"


def test_a_translation_written_while_its_original_changed_stays_marked(editor_client):
    article_id, url, tab_a, tab_b = two_tabs(editor_client)
    editor_client.post(url, data=dict(tab_a, summary_en="A rewritten English summary."))
    editor_client.post(url, data=dict(tab_b, summary_zh="按旧英文写的中文摘要。"))
    article = stored(article_id)
    assert (article.summary_en, article.summary_zh) == ("A rewritten English summary.", "按旧英文写的中文摘要。")
    assert article.outdated == "summary_zh"  # written against the English it never saw


def test_the_same_field_changed_on_both_sides_is_still_a_conflict(editor_client):
    article_id, url, tab_a, tab_b = two_tabs(editor_client)
    editor_client.post(url, data=dict(tab_a, title_en="Title from A"))
    response = editor_client.post(url, data=dict(tab_b, title_en="Title from B", hot="5"))
    assert response.status_code == 409
    assert stored(article_id).title_en == "Title from A" and stored(article_id).hot == 60


def test_both_sides_making_the_same_change_is_no_conflict(editor_client):
    article_id, url, tab_a, tab_b = two_tabs(editor_client)
    editor_client.post(url, data=dict(tab_a, hot="99"))
    assert editor_client.post(url, data=dict(tab_b, hot="99", quality="1")).status_code == 303
    assert (stored(article_id).hot, stored(article_id).quality) == (99, 1)


def test_tags_count_as_one_field(editor_client):
    article_id, url, tab_a, tab_b = two_tabs(editor_client)
    editor_client.post(url, data=dict(tab_a, tags="Robotics|机器人, Labs"))
    assert editor_client.post(url, data=dict(tab_b, tags="Robotics|机器人, Hardware")).status_code == 409
    assert editor_client.post(url, data=dict(tab_b, impact="3")).status_code == 303
    with database().connection_context():
        article = Article.get_by_id(article_id)
        assert sorted(link.tag.slug for link in article.article_tags) == ["labs", "robotics"]
    assert article.impact == 3


def test_an_article_from_before_history_merges_once_its_first_save_kept_the_old_version(editor_client, make_article):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    tab_a, tab_b = form_values(editor_client, url), form_values(editor_client, url)
    editor_client.post(url, data=dict(tab_a, title_en="A"))  # keeps version 1, the one tab B loaded
    assert editor_client.post(url, data=dict(tab_b, summary_en="B")).status_code == 303
    assert (stored(article.id).title_en, stored(article.id).summary_en) == ("A", "B")


def test_an_unknown_base_version_is_a_conflict_as_before(editor_client, make_article):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    tab_a, tab_b = form_values(editor_client, url), form_values(editor_client, url)
    editor_client.post(url, data=dict(tab_a, title_en="A"))
    with database().connection_context():
        Revision.delete().where(Revision.version == 1).execute()
    assert editor_client.post(url, data=dict(tab_b, summary_en="B")).status_code == 409
    assert stored(article.id).summary_en != "B"
