"""POST /api/v1/images, and a cover set through the API: every answer checked against the OpenAPI document."""

import io

import image_samples as samples
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ainews import rules

ALTS = {"cover_alt_en": "A chart of prices", "cover_alt_zh": "价格走势图"}


def send(api, content, filename="photo.jpg", **kwargs):
    data = {"image": (io.BytesIO(content), filename)} if content is not None else {"other": "x"}
    return api.post("/images", data=data, content_type="multipart/form-data", **kwargs)


def test_a_pipeline_uploads_a_picture_and_sets_it_as_a_cover(api):
    response = send(api, samples.photo_jpeg(1200, 800))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["width"], body["height"]) == (1200, 800)
    assert [item["width"] for item in body["files"]] == [w for w in rules.IMAGE_WIDTHS if w < 1200] + [1200]
    assert body["files"][0]["url"] == f"http://localhost/media/{body['key']}-{rules.IMAGE_WIDTHS[0]}.webp"
    created = api.post("/articles", json={"title_en": "Prices fall", "cover": body["key"], **ALTS})
    assert created.status_code == 201
    assert created.get_json()["cover"] == body["key"]
    assert created.get_json()["cover_alt_zh"] == ALTS["cover_alt_zh"]


def test_a_cover_needs_both_descriptions_and_a_real_upload(api):
    key = send(api, samples.plain_png()).get_json()["key"]
    refused = api.post("/articles", json={"title_en": "Prices fall", "cover": key, "cover_alt_en": "A chart"})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"cover_alt_zh"}
    unknown = api.post("/articles", json={"title_en": "Prices fall", "cover": "f" * 32, **ALTS})
    assert unknown.status_code == 422 and "cover" in unknown.get_json()["errors"]


def test_bad_uploads(api):
    assert send(api, samples.TEXT_AS_JPG).status_code == 422
    assert "too large" in send(api, samples.bomb_png()).get_json()["errors"]["image"]
    assert send(api, None).status_code == 400
    assert send(api, samples.plain_png(), token=None).status_code == 401


def test_the_refusal_is_in_the_clients_language(api):
    response = send(api, samples.TEXT_AS_JPG, headers={"Accept-Language": "zh-CN"})
    assert "不是本站接受的图片" in response.get_json()["errors"]["image"]


def test_an_upload_over_the_limit_is_413_naming_the_uploads_limit(api):
    boundary, body = encode_multipart(
        MultiDict({"image": FileStorage(io.BytesIO(b"\xff" * (rules.UPLOAD_REQUEST_MAX_BYTES + 1)), "big.jpg")})
    )
    response = api.post("/images", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert rules.UPLOAD_REQUEST_MAX_TEXT in response.get_json()["errors"]["request"]
