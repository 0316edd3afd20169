"""Posts no browser of ours would send still get an answer, never a 500, and keep the text."""

import io

from ainews.db import database
from conftest import csrf_token, form_values
from models import Article


def stale_form(editor_client, make_article):
    article = make_article(slug="contested")
    url = f"/editor/{article.id}/edit"
    data = form_values(editor_client, url)
    with database().connection_context():
        Article.update(summary_en="Someone else's summary", version=Article.version + 1).execute()
    return url, data


def test_a_stale_save_with_a_forged_base_gets_the_conflict_page(editor_client, make_article):
    url, data = stale_form(editor_client, make_article)
    for base in ("[1, 2]", "null", '"text"', "[" * 3000):
        response = editor_client.post(url, data=dict(data, base=base, title_en="My title"))
        assert response.status_code == 409, base[:10]
        assert "My title" in response.get_data(as_text=True)


def test_a_multipart_post_to_the_form_is_read_like_any_other(editor_client):
    data = {
        "csrf_token": csrf_token(editor_client, "/editor/new"),
        "title_en": "Sent as multipart",
        "slug": "multipart",
        "status": "draft",
        "hot": "1",
        "quality": "2",
        "impact": "3",
        "file": (io.BytesIO(b"\x00\xff not an image"), "cover.jpg"),
    }
    response = editor_client.post("/editor/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    with database().connection_context():
        assert Article.get(Article.slug == "multipart").title_en == "Sent as multipart"


def test_a_get_on_a_post_only_editor_address_gets_the_editors_page(editor_client, make_article):
    """Not the reader's "Back to the news" page: the editor stays among the editor's links."""
    article = make_article()
    for path in ("/editor/images", f"/editor/{article.id}/history/1/restore", "/editor/deleted/1/restore"):
        response = editor_client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 405, path
        assert "This page cannot be used that way." in html
        assert 'href="/editor/"' in html and "Back to the news" not in html, path
