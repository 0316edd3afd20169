"""One rule, three doors: the editors' form, the API and `flask import` refuse the
same bad values and accept the same good ones, and name the same field.

Each case is one value for one field, sent through all three doors in turn:
(a) a signed-in editor posts the new-article form, (b) a pipeline POSTs it to
/api/v1/articles with a token, (c) `flask import` reads it from a file. A value
is written the way each door takes it: typed text in the form (times in the
editor's zone, UTC for English), JSON in the API and in the import file.
"""

import json
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from ainews.db import database
from ainews.i18n import iso_utc
from ainews.rules import tag_slug
from conftest import form_data
from models import ApiToken, Article, ArticleTag, Tag

SLUG = "rules-case"
TITLE = "Robots learn to fold laundry"


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def tag_names(count, length=None):
    return [("t" * length) if length else f"Tag {n}" for n in range(count)]


# (field, value): the same value through every door.
BAD = [
    ("slug", "Has Spaces/and?slash"),
    ("slug", "s" * 101),
    ("title_en", "t" * 301),
    ("hot", 101),
    ("hot", -1),
    ("status", "archived"),
    ("tags", tag_names(13)),
    ("tags", tag_names(1, length=61)),
    ("source_url", "javascript:alert(1)"),
    ("source_url", "https://evil.example\\@trusted.example/path"),  # a browser goes to evil.example
    ("source_url", "https://user@trusted.example/"),
    ("model", "m" * 101),
    ("published_at", utc(1999, 12, 31, 12, 0)),
    ("published_at", utc(2101, 1, 1, 12, 0)),
    ("generated_at", utc(1999, 6, 1, 8, 0)),
]

# The same fields at the edge of their rules: every door takes these.
GOOD = [
    ("slug", "s" * 100),
    ("title_en", "t" * 300),
    ("hot", 100),
    ("hot", 0),
    ("status", "published"),
    ("tags", tag_names(12)),
    ("tags", tag_names(1, length=60)),
    ("source_url", "https://example.com/story?id=1"),
    ("model", "m" * 100),
    ("published_at", utc(2000, 1, 1, 0, 0)),
    ("published_at", utc(2100, 12, 31, 23, 59)),
    ("generated_at", utc(2026, 5, 1, 9, 30)),
]


def case_id(case):
    field, value = case
    if isinstance(value, datetime):
        return f"{field}={value:%Y-%m-%d}"
    if isinstance(value, list):
        return f"{field}={len(value)} of {max(map(len, value))} chars"
    return f"{field}={value if isinstance(value, int) or len(value) < 25 else f'{len(value)} chars'}"


# The three doors ----------------------------------------------------------------


def through_form(client, field, value):
    """The new-article form, posted with `value` typed in `field`; the error beside that field, if any."""
    if isinstance(value, datetime):
        typed = value.strftime("%Y-%m-%dT%H:%M")  # an English editor types UTC
    elif isinstance(value, list):
        typed = ", ".join(value)
    else:
        typed = str(value)
    response = client.post("/editor/new", data=form_data(client, **{"title_en": TITLE, field: typed}))
    if response.status_code == 303:
        return None
    assert response.status_code == 422, response.status_code
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = page.find(id=f"error-{field}").get_text(strip=True)
    marked = {element["name"]: element["aria-invalid"] for element in page.select("[aria-invalid]")}
    assert error and marked == {field: "true"}, (error, marked)
    if field != "status":  # a choice that is not offered cannot be shown again
        assert page.find(attrs={"name": field})["value"] == typed  # what was typed is kept
    return error


def through_api(client, token, field, value):
    """POST /api/v1/articles with `value` in `field`; the errors answered, if any."""
    sent = iso_utc(value) if isinstance(value, datetime) else value
    response = client.post(
        "/api/v1/articles", json={"title_en": TITLE, field: sent}, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code == 201:
        return None
    assert response.status_code == 422, response.data
    return response.get_json()["errors"]


def through_import(runner, tmp_path, field, value):
    """`flask import` of a file with one article holding `value` in `field`; its problem lines, if any."""
    record = {"slug": SLUG, "title_en": TITLE}
    tags = []
    if field == "tags":
        tags = [{"slug": tag_slug(name), "name_en": name, "name_zh": ""} for name in value]
        record["tags"] = [tag["slug"] for tag in tags]
    else:
        record[field] = iso_utc(value) if isinstance(value, datetime) else value
    path = tmp_path / "import.json"
    path.write_text(json.dumps({"format": "ai-news/1", "tags": tags, "articles": [record]}), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    if result.exit_code == 0:
        return None
    assert "nothing imported" in result.output
    return [line for line in result.output.splitlines() if not line.startswith("Error:")]


def names_field(line, field, slug):
    """Whether an import problem line names `field` of the article (or, for tags, one of its tag records)."""
    return line.startswith(f"articles[0] ({slug}): {field} ") or (field == "tags" and line.startswith("tags["))


def stored_value(field):
    with database().connection_context():
        article = Article.get()
        if field == "tags":
            return sorted(tag.name_en for tag in Tag.select().join(ArticleTag).where(ArticleTag.article == article))
        return getattr(article, field)


def count_articles():
    with database().connection_context():
        return Article.select().count()


def start_over():
    with database().connection_context():
        Article.delete().execute()
        Tag.delete().execute()


@pytest.fixture
def token(app):
    with database().connection_context():
        return ApiToken.issue("pipeline")


# The cases ----------------------------------------------------------------------


@pytest.mark.parametrize("field, value", BAD, ids=[case_id(case) for case in BAD])
def test_every_door_refuses_a_bad_value_and_names_its_field(editor_client, token, runner, tmp_path, field, value):
    error = through_form(editor_client, field, value)
    assert error, f"the form took {field}"
    assert count_articles() == 0

    errors = through_api(editor_client, token, field, value)
    assert errors and field in errors, f"the API took {field} or named another field: {errors}"
    assert count_articles() == 0

    slug = value if field == "slug" else SLUG
    lines = through_import(runner, tmp_path, field, value)
    assert lines and any(names_field(line, field, slug) for line in lines), f"import took {field}: {lines}"
    assert count_articles() == 0


@pytest.mark.parametrize("field, value", GOOD, ids=[case_id(case) for case in GOOD])
def test_every_door_takes_a_value_at_the_edge_of_its_rule(editor_client, token, runner, tmp_path, field, value):
    expected = sorted(value) if field == "tags" else value
    assert through_form(editor_client, field, value) is None
    assert stored_value(field) == expected
    start_over()

    assert through_api(editor_client, token, field, value) is None
    assert stored_value(field) == expected
    start_over()

    assert through_import(runner, tmp_path, field, value) is None
    assert stored_value(field) == expected
