"""Control characters never reach storage, and distinct tag names never share a tag."""

import pytest

from ainews.db import database
from conftest import form_data
from models import ApiToken, Article, Tag


def stored(slug):
    with database().connection_context():
        return Article.get(Article.slug == slug)


def test_the_form_turns_pasted_line_breaks_into_newlines_and_drops_other_controls(editor_client):
    data = form_data(editor_client, slug="pasted", title_en="Title\x1b[31m red", summary_en="Line one\x0bline two\x08.")
    data["tags"] = "Odd\x07tag|奇\x1b怪"
    assert editor_client.post("/editor/new", data=data).status_code == 303
    article = stored("pasted")
    assert article.title_en == "Title[31m red"
    assert article.summary_en == "Line one\nline two."
    with database().connection_context():
        assert Tag.get(Tag.name_en == "Oddtag").name_zh == "奇怪"


def test_the_api_drops_control_characters_too(app, client):
    with database().connection_context():
        token = ApiToken.issue("hygiene")
    response = client.post(
        "/api/v1/articles",
        json={"slug": "from-api", "title_en": "From\x0cthe\x1fAPI", "analysis_en": "A\x0bB"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    article = stored("from-api")
    assert (article.title_en, article.analysis_en) == ("From\ntheAPI", "A\nB")


@pytest.mark.parametrize("names", [("???", "!!!"), ("C#", "C++"), ("Café", "Cafe"), ("ﬃ" * 20, "ffi" * 20)])
def test_distinct_tag_names_make_distinct_tags(editor_client, names):
    first, second = names
    data = form_data(editor_client, slug="two-tags", tags=f"{first}, {second}")
    assert editor_client.post("/editor/new", data=data).status_code == 303
    with database().connection_context():
        tags = {tag.name_en: tag.slug for tag in Tag.select()}
    assert set(tags) == {first, second}
    assert len(set(tags.values())) == 2
    assert all(len(slug) <= Tag.slug.max_length for slug in tags.values())


def test_a_tag_is_found_again_by_its_name(editor_client):
    for slug in ("one", "two"):
        assert editor_client.post("/editor/new", data=form_data(editor_client, slug=slug, tags="C#")).status_code == 303
    with database().connection_context():
        assert Tag.select().where(Tag.name_en == "C#").count() == 1
