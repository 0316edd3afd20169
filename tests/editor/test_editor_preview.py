"""The article form's live preview, and the text kept when a save cannot happen."""

import pytest
from bs4 import BeautifulSoup

from ainews.db import database
from conftest import csrf_token, form_data, htmx
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


# Preview ----------------------------------------------------------------------


def test_preview_renders_the_reader_card_from_what_is_typed(editor_client):
    data = form_data(editor_client, title_en="Typed, not saved", analysis_en="**Bold** claim", hot="77")
    response = editor_client.post("/editor/preview", data=data, headers=htmx())
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    card = soup.find("article", class_="card")
    assert "Typed, not saved" in card.find(class_="card-title").get_text()
    assert card.find("strong").get_text() == "Bold"
    assert card.find(class_="score-hot").find("dd").get_text() == "77"
    assert soup.find(class_="preview").has_attr("inert")
    assert stored() is None


@pytest.mark.parametrize(
    "show, present, absent", [("en", "Robots learn", "机器人学会"), ("zh", "机器人学会", "Robots learn")]
)
def test_preview_in_one_language(editor_client, show, present, absent):
    data = form_data(editor_client, preview_show=show)
    title = (
        BeautifulSoup(
            editor_client.post("/editor/preview", data=data, headers=htmx()).get_data(as_text=True), "html.parser"
        )
        .find(class_="card-title")
        .get_text()
    )
    assert present in title and absent not in title


def test_preview_reports_field_errors_beside_the_fields(editor_client):
    data = form_data(editor_client, hot="300", title_en="", title_zh="")
    soup = BeautifulSoup(
        editor_client.post("/editor/preview", data=data, headers=htmx()).get_data(as_text=True), "html.parser"
    )
    assert "0 to 100" in soup.find(id="error-hot").get_text()
    assert soup.find(id="error-hot")["hx-swap-oob"] == "true"
    assert soup.find(id="error-title_en").get_text() == ""  # an unfinished form is not scolded for its title


def test_the_preview_button_works_without_javascript_and_saves_nothing(editor_client):
    data = form_data(editor_client, title_en="Only a preview", action="preview")
    response = editor_client.post("/editor/new", data=data)
    assert response.status_code == 200
    preview = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="preview")
    assert "Only a preview" in preview.get_text()
    assert stored() is None


def test_every_error_the_preview_swaps_in_has_its_place_in_the_form(editor_client):
    page = BeautifulSoup(editor_client.get("/editor/new").get_data(as_text=True), "html.parser")
    answer = BeautifulSoup(
        editor_client.post("/editor/preview", data=form_data(editor_client), headers=htmx()).get_data(as_text=True),
        "html.parser",
    )
    swapped = [element["id"] for element in answer.select("[hx-swap-oob]")]
    assert swapped and all(page.find(id=name) for name in swapped)


# Text kept --------------------------------------------------------------------


def test_signed_out_form_post_keeps_the_text(client, make_editor):
    token = csrf_token(client)
    response = client.post("/editor/new", data={"csrf_token": token, "title_en": "Keep me", "analysis_en": "Long text"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert kept_value(html, "title_en") == "Keep me" and kept_value(html, "analysis_en") == "Long text"
    assert "signed out" in html


def test_expired_csrf_token_keeps_the_text(editor_client):
    response = editor_client.post(
        "/editor/new", data=form_data(editor_client, csrf_token="expired", title_en="Keep me too")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert kept_value(html, "title_en") == "Keep me too"
    assert "Your text is kept" in html
