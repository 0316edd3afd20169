"""The JSON API refuses bad bodies: every problem named by field, never a 500, nothing written.

Every response is checked against the OpenAPI document (see conftest.py).
"""

import json

import pytest

from api.conftest import count_articles, stored

LONG = "x" * 301

BAD_FIELDS = [
    ({"hot": 150}, "hot"),
    ({"hot": -1}, "hot"),
    ({"hot": "50"}, "hot"),
    ({"hot": True}, "hot"),
    ({"hot": 4.5}, "hot"),
    ({"hot": None}, "hot"),
    ({"title_en": "", "title_zh": "  "}, "title_en"),
    ({"title_en": LONG}, "title_en"),
    ({"title_zh": 42}, "title_zh"),
    ({"title_en": "nul \u0000 inside"}, "title_en"),
    ({"summary_en": "s" * 2001}, "summary_en"),
    ({"category_en": "c" * 61}, "category_en"),
    ({"slug": "Not A Slug!"}, "slug"),
    ({"slug": "-leading"}, "slug"),
    ({"status": "archived"}, "status"),
    ({"ai_generated": "yes"}, "ai_generated"),
    ({"tags": "AI, Robots"}, "tags"),
    ({"tags": [f"tag {n}" for n in range(13)]}, "tags"),
    ({"tags": ["t" * 61]}, "tags"),
    ({"tags": [1, 2]}, "tags"),
    ({"tags": ["Open Source, Regulation"]}, "tags"),  # one item, one tag: a comma would make two
    ({"tags": ["开源，监管"]}, "tags"),
    ({"published_at": "next tuesday"}, "published_at"),
    ({"published_at": "2026-05-01T09:30"}, "published_at"),  # no zone: ambiguous
    ({"published_at": "1999-12-31T23:00:00Z"}, "published_at"),
    ({"published_at": 1714555800}, "published_at"),
    ({"generated_at": "soon"}, "generated_at"),
    ({"source_url": "javascript:alert(1)"}, "source_url"),
    ({"source_url": "ftp://example.com/file"}, "source_url"),
    ({"source_url": "https://example.com/" + "p" * 500}, "source_url"),
    ({"source_url": "//example.com/x"}, "source_url"),
    ({"model": "m" * 101}, "model"),
    ({"model": ["gpt"]}, "model"),
    ({"views": 1_000_000}, "views"),
    ({"version": 3}, "version"),  # not for a new article
    ({"nonsense": 1}, "nonsense"),
]


@pytest.mark.parametrize("fields, field", BAD_FIELDS)
def test_create_refuses_bad_fields(api, fields, field):
    body = {"title_en": "A fine title", **fields}
    response = api.post("/articles", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert count_articles() == 0


def test_every_problem_is_reported_at_once(api):
    response = api.post("/articles", json={"hot": 150, "status": "archived", "title_en": "", "oops": 1, "model": 7})
    assert set(response.get_json()["errors"]) == {"hot", "status", "title_en", "oops", "model"}


def test_duplicate_slug_is_refused(api, make_article):
    make_article(slug="taken")
    response = api.post("/articles", json={"title_en": "Another", "slug": "taken"})
    assert response.status_code == 422 and "slug" in response.get_json()["errors"]


MALFORMED = [
    b"",
    b"{",
    b"}",
    b"null",
    b"[]",
    b"[{}]",
    b'"a string"',
    b"42",
    b"true",
    b'{"title_en": }',
    b'{"title_en": "unterminated}',
    b"{'title_en': 'single quotes'}",
    b'{"title_en": "x",}',
    b"\xff\xfe\xfa",
    b"\x00\x00\x00",
    b'{"title_en": "\\ud800"}',
    b"[" * 100_000,
    b'{"a":' * 50_000,
    b"NaN",
    b'{"hot": NaN}',
    b'{"hot": Infinity}',
    b'{"hot": 1e999}',
    b'{"hot": 1' + b"0" * 5000 + b"}",
    b'{"title_en": "ok"} trailing',
    '{"title_en": "\u00e9"}'.encode("latin-1"),
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_bodies_never_crash(api, make_article, body):
    make_article(slug="target")
    for response in (
        api.post("/articles", data=body, content_type="application/json"),
        api.patch("/articles/target", data=body, content_type="application/json"),
    ):
        assert response.status_code in (400, 422), response.data[:200]
        assert response.get_json()["errors"]
    assert count_articles() == 1 and stored("target").version == 1


@pytest.mark.parametrize("value", [None, 0, 1.5, -7, "", "text", [], ["x"], {}, {"a": 1}, True, "\ud800"])
def test_any_type_in_any_field_is_answered_cleanly(api, make_article, value):
    make_article(slug="target")
    for name in [
        "title_en",
        "summary_zh",
        "slug",
        "hot",
        "ai_generated",
        "status",
        "published_at",
        "tags",
        "source_url",
        "model",
        "generated_at",
        "version",
    ]:
        created = api.post("/articles", json={"title_en": "Typed", name: value})
        patched = api.patch("/articles/target", json={"version": 1, name: value})
        assert created.status_code in (201, 422), (name, value, created.data)
        assert patched.status_code in (200, 409, 422), (name, value, patched.data)


def test_body_over_the_limit_is_413(api):
    response = api.post("/articles", data=json.dumps({"analysis_en": "x" * 1_100_000}), content_type="application/json")
    assert response.status_code == 413
    assert count_articles() == 0


def test_json_is_accepted_whatever_the_content_type(api):
    response = api.post("/articles", data=json.dumps({"title_en": "Plain text type"}), content_type="text/plain")
    assert response.status_code == 201


def edge_values(name, schema):
    """A value at each edge of a field's documented limits, and one just past it."""
    if "maxLength" in schema:
        prefix = "https://example.com/" if name == "source_url" else ""
        filler = "a" if "pattern" in schema else "x"
        return [(prefix + filler * (schema["maxLength"] - len(prefix)), prefix + filler * (schema["maxLength"] + 1))]
    if "maximum" in schema:
        return [(schema["minimum"], schema["minimum"] - 1), (schema["maximum"], schema["maximum"] + 1)]
    if "maxItems" in schema:
        return [([f"tag {n}" for n in range(schema["maxItems"])], [f"tag {n}" for n in range(schema["maxItems"] + 1)])]
    if "enum" in schema:
        return [(schema["enum"][-1], "not-" + schema["enum"][-1])]
    return []


def test_the_documented_limits_are_the_ones_enforced(api, document):
    properties = document["components"]["schemas"]["ArticleWrite"]["properties"]
    checked = []
    for name, schema in properties.items():
        if name in ("version", "cover"):  # not part of a new article; a cover must name an upload (tests/images)
            continue
        for good, bad in edge_values(name, schema):
            refused = api.post("/articles", json={"title_en": "Edge", name: bad})
            assert refused.status_code == 422 and name in refused.get_json()["errors"], (name, bad)
            taken = api.post("/articles", json={"title_en": "Edge", name: good})
            assert taken.status_code == 201, (name, taken.get_json())
            api.delete(f"/articles/{taken.get_json()['slug']}")
            checked.append(name)
    assert {"slug", "title_en", "analysis_zh", "hot", "tags", "status", "source_url", "model"} <= set(checked)
    assert count_articles() == 0
