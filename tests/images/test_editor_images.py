"""Images in the article form: the cover without JavaScript, refusals that keep the text, and the upload route."""

import io

import image_samples as samples
import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ainews import rules
from ainews.db import database
from conftest import csrf_token, form_data, form_values_in
from models import Article, ImageFile, UploadedImage

ALTS = {"cover_alt_en": "A robot arm folding a shirt", "cover_alt_zh": "机械臂正在叠衬衫"}


def stored_article():
    with database().connection_context():
        return Article.select().first()


def image_count():
    with database().connection_context():
        return UploadedImage.select().count()


def with_file(data, name, content, filename):
    return {**data, name: (io.BytesIO(content), filename)}


def page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_a_cover_posted_with_the_form_is_stored_and_shown(editor_client):
    data = with_file(form_data(editor_client, **ALTS), "cover_file", samples.photo_jpeg(), "photo.jpg")
    response = editor_client.post("/editor/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    article = stored_article()
    assert rules.image_key_ok(article.cover)
    assert (article.cover_alt_en, article.cover_alt_zh) == (ALTS["cover_alt_en"], ALTS["cover_alt_zh"])
    with database().connection_context():
        assert UploadedImage.get_by_id(article.cover).uploaded_by == "alice"
    form = page(editor_client.get(response.headers["Location"]))
    assert form.find("input", attrs={"name": "cover"})["value"] == article.cover
    assert form.select_one("#cover-thumb img")["src"].startswith(f"/media/{article.cover}-")


def test_a_cover_without_alt_text_is_refused_and_kept_for_the_next_save(editor_client):
    data = with_file(form_data(editor_client, cover_alt_zh="机械臂"), "cover_file", samples.photo_jpeg(), "photo.jpg")
    response = editor_client.post("/editor/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = page(response)
    assert "readers who cannot see it" in html.find(id="error-cover_alt_en").get_text()
    assert html.find(id="cover_alt_en")["aria-invalid"] == "true"
    assert html.find(id="cover_alt_zh")["value"] == "机械臂"
    assert html.find("textarea", attrs={"name": "analysis_en"}).text.strip() == "It is slow.\n\nIt is cheap."
    key = html.find("input", attrs={"name": "cover"})["value"]
    assert rules.image_key_ok(key) and image_count() == 1
    # Saved again as the browser would post the page, with the description typed, and no file.
    again = form_values_in(response.get_data(as_text=True))
    again.update(cover_alt_en="A robot arm", cover_file=(io.BytesIO(b""), ""))
    saved = editor_client.post("/editor/new", data=again, content_type="multipart/form-data")
    assert saved.status_code == 303
    assert stored_article().cover == key


@pytest.mark.parametrize(
    ("content", "filename", "words"),
    [
        (samples.TEXT_AS_JPG, "photo.jpg", "not an image the site accepts"),
        (samples.bomb_png(), "big.png", "too large"),
        (samples.plain_png()[:200], "cut.png", "damaged or cut short"),
    ],
    ids=["text-named-jpg", "bomb", "truncated"],
)
def test_a_bad_cover_is_refused_beside_the_field_with_the_text_kept(editor_client, content, filename, words):
    data = with_file(form_data(editor_client, **ALTS), "cover_file", content, filename)
    response = editor_client.post("/editor/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = page(response)
    assert words in html.find(id="error-cover").get_text()
    assert html.find(id="cover_file")["aria-invalid"] == "true"
    assert html.find(id="title_zh")["value"] == "机器人学会叠衣服"
    assert html.find(id="cover_alt_en")["value"] == ALTS["cover_alt_en"]
    assert stored_article() is None and image_count() == 0


def test_the_refusal_is_in_chinese_for_a_chinese_editor(editor_client):
    editor_client.set_cookie("lang", "zh")
    data = with_file(form_data(editor_client, **ALTS), "cover_file", samples.TEXT_AS_JPG, "photo.jpg")
    response = editor_client.post("/editor/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "不是本站接受的图片" in page(response).find(id="error-cover").get_text()


def test_a_cover_key_that_is_no_upload_is_refused(editor_client):
    response = editor_client.post("/editor/new", data=form_data(editor_client, cover="0" * 32, **ALTS))
    assert response.status_code == 422
    assert "Upload it again" in page(response).find(id="error-cover").get_text()


def test_the_cover_can_be_removed(editor_client):
    data = with_file(form_data(editor_client, **ALTS), "cover_file", samples.photo_jpeg(), "photo.jpg")
    location = editor_client.post("/editor/new", data=data, content_type="multipart/form-data").headers["Location"]
    values = form_values_in(editor_client.get(location).get_data(as_text=True))
    values["cover_remove"] = "y"
    assert editor_client.post(location, data=values).status_code == 303
    assert stored_article().cover == ""


def post_encoded(client, url, data):
    """A multipart POST encoded here, in memory: the test client spools large bodies to files it leaves open."""
    files = {name: FileStorage(*value) for name, value in data.items() if isinstance(value, tuple)}
    boundary, body = encode_multipart(MultiDict({**data, **files}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_an_upload_over_the_request_limit_gets_a_clear_413(editor_client):
    too_much = b"\xff" * (rules.UPLOAD_REQUEST_MAX_BYTES + 1)
    data = with_file(form_data(editor_client, **ALTS), "cover_file", too_much, "huge.jpg")
    response = post_encoded(editor_client, "/editor/new", data)
    assert response.status_code == 413
    assert "Go back with your browser" in response.get_data(as_text=True)
    assert rules.IMAGE_MAX_TEXT in response.get_data(as_text=True)


def test_an_image_just_under_the_limit_is_read_not_refused_by_size_of_request(editor_client):
    content = samples.TEXT_AS_JPG + b"x" * (rules.IMAGE_MAX_BYTES - len(samples.TEXT_AS_JPG))
    data = with_file(form_data(editor_client, **ALTS), "cover_file", content, "big.jpg")
    response = post_encoded(editor_client, "/editor/new", data)
    assert response.status_code == 422  # read, and refused as no image: the request limit left room for it


# POST /editor/images ----------------------------------------------------------------


def upload(client, content, filename="photo.jpg", **fields):
    data = {"csrf_token": csrf_token(client, "/editor/new"), **fields}
    if content is not None:
        data["image"] = (io.BytesIO(content), filename)
    return client.post("/editor/images", data=data, content_type="multipart/form-data")


def test_insert_image_gets_markdown_in_each_language(editor_client):
    response = upload(editor_client, samples.photo_jpeg(), purpose="insert", alt_en="A [robot] arm", alt_zh="机械臂")
    assert response.status_code == 200
    body = response.get_json()
    assert body["markdown"] == {
        "en": f"![A (robot) arm](/media/{body['key']})",
        "zh": f"![机械臂](/media/{body['key']})",
    }
    assert body["thumbnail"] == f"/media/{body['key']}-{rules.IMAGE_WIDTHS[0]}.webp"
    with database().connection_context():
        assert ImageFile.select().where(ImageFile.image == body["key"]).count() == 3


def test_insert_image_needs_both_descriptions(editor_client):
    response = upload(editor_client, samples.photo_jpeg(), purpose="insert", alt_en="A robot arm", alt_zh=" ")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"alt_zh"}
    assert image_count() == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [(samples.TEXT_AS_JPG, "not an image"), (samples.bomb_png(), "too large"), (None, "Choose an image file")],
)
def test_bad_uploads_are_422_with_a_message(editor_client, content, problem):
    response = upload(editor_client, content, purpose="cover")
    assert response.status_code == 422
    assert problem in response.get_json()["errors"]["image"]


def test_uploads_need_the_csrf_token_and_a_signed_in_editor(editor_client):
    data = {"image": (io.BytesIO(samples.plain_png()), "a.png")}
    assert editor_client.post("/editor/images", data=data, content_type="multipart/form-data").status_code == 400
    token = csrf_token(editor_client, "/editor/new")
    editor_client.post("/editor/logout", data={"csrf_token": token})
    data = {"csrf_token": token, "image": (io.BytesIO(samples.plain_png()), "a.png")}
    response = editor_client.post("/editor/images", data=data, content_type="multipart/form-data")
    assert response.status_code in (302, 303, 400, 401)
    assert image_count() == 0


def test_text_far_over_its_limit_is_refused_by_the_form_not_by_the_request_limit(editor_client):
    analysis = "a" * (rules.REQUEST_MAX_BYTES * 2)
    response = editor_client.post("/editor/new", data=form_data(editor_client, analysis_en=analysis))
    assert response.status_code == 422
    assert "At most" in page(response).find(id="error-analysis_en").get_text()
    assert stored_article() is None
