"""The API's PATCH from a stale version: merged when no field changed on both sides, and the history it leaves."""

import json

from ainews.db import database
from api.conftest import stored
from models import Revision


def revisions_of(article_id):
    with database().connection_context():
        return list(Revision.select().where(Revision.article_id == article_id).order_by(Revision.version))


def test_a_stale_patch_of_other_fields_is_merged(api, make_article):
    make_article(slug="story")
    assert api.patch("/articles/story", json={"title_en": "First change", "version": 1}).status_code == 200
    response = api.patch("/articles/story", json={"summary_zh": "另一处修改。", "version": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title_en"], body["summary_zh"], body["version"]) == ("First change", "另一处修改。", 3)
    assert (stored("story").title_en, stored("story").summary_zh) == ("First change", "另一处修改。")


def test_a_stale_patch_of_the_same_field_is_a_conflict(api, make_article):
    make_article(slug="story")
    api.patch("/articles/story", json={"hot": 10, "version": 1})
    response = api.patch("/articles/story", json={"hot": 20, "quality": 5, "version": 1})
    assert response.status_code == 409
    assert (stored("story").hot, stored("story").quality) == (10, 75)


def test_api_saves_and_deletes_are_kept_with_the_tokens_name(api, make_article):
    article = make_article(slug="story")
    api.patch("/articles/story", json={"title_en": "Changed by the pipeline", "version": 1})
    assert api.delete("/articles/story").status_code == 204
    kept = revisions_of(article.id)
    assert [(rev.version, rev.kind, rev.saved_by) for rev in kept] == [
        (1, "save", ""),
        (2, "save", "API: pipeline"),
        (3, "delete", "API: pipeline"),
    ]
    assert json.loads(kept[-1].snapshot)["title_en"] == "Changed by the pipeline"


def test_an_api_created_article_has_its_first_revision(api):
    body = api.post("/articles", json={"title_en": "From a pipeline"}).get_json()
    [first] = revisions_of(stored(body["slug"]).id)
    assert (first.version, first.saved_by) == (1, "API: pipeline")
