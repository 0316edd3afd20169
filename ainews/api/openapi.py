"""The OpenAPI 3.1 document for /api/v1, served at /api/v1/openapi.json.

Its schemas are built from the rules in ainews/rules.py, the same ones the
form and the importer read. The API tests check every response they receive
against it, and that its paths are exactly the API's routes.
"""

from ainews.rules import (
    API_DEFAULT_LIMIT,
    API_MAX_LIMIT,
    DEFAULT_STATUS,
    LANGS,
    MAX_TAGS,
    MODEL_NAME_MAX,
    REQUEST_MAX_TEXT,
    SCORE_RANGE,
    SCORES,
    SLUG_MAX,
    SLUG_PATTERN,
    SORTS,
    SOURCE_URL_MAX,
    STATUSES,
    TEXT_LIMITS,
    TRANSLATED_FIELDS,
    YEARS,
)


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def time(description):
    return {"type": ["string", "null"], "format": "date-time", "description": description}


def text(field, lang=""):
    return {"type": "string", "maxLength": TEXT_LIMITS[field], "description": f"{field.capitalize()}{lang}"}


SCORE = {"type": "integer", "minimum": SCORE_RANGE[0], "maximum": SCORE_RANGE[1]}

TAG = {
    "type": "object",
    "required": ["slug", "name_en", "name_zh"],
    "additionalProperties": False,
    "properties": {"slug": {"type": "string"}, "name_en": {"type": "string"}, "name_zh": {"type": "string"}},
}

TAG_COUNT = {
    **TAG,
    "required": [*TAG["required"], "count"],
    "properties": {**TAG["properties"], "count": {"type": "integer", "minimum": 1}},
}

ARTICLE = {
    "type": "object",
    "description": "Without ?lang, every text field in both languages (field_en, field_zh). With ?lang, "
    "each text field once (title, summary…), in that language or, when it is not translated, "
    "in the other one, which `fallbacks` lists. Lists leave the analysis out.",
    "required": [
        "slug",
        "urls",
        "status",
        *SCORES,
        "ai_generated",
        "tags",
        "views",
        "version",
        "source_url",
        "model",
        "published_at",
        "updated_at",
        "generated_at",
    ],
    "additionalProperties": False,
    "properties": {
        "slug": {"type": "string"},
        "urls": {
            "type": "object",
            "required": list(LANGS),
            "additionalProperties": False,
            "properties": {lang: {"type": "string", "format": "uri"} for lang in LANGS},
        },
        "status": {"enum": list(STATUSES)},
        **{f"{field}_{lang}": text(field, f" ({lang})") for field in TRANSLATED_FIELDS for lang in LANGS},
        "lang": {"enum": list(LANGS)},
        "fallbacks": {"type": "array", "items": {"enum": list(TRANSLATED_FIELDS)}},
        **{field: text(field) for field in TRANSLATED_FIELDS},
        **{name: SCORE for name in SCORES},
        "ai_generated": {"type": "boolean"},
        "tags": {"type": "array", "items": ref("Tag")},
        "views": {"type": "integer", "minimum": 0},
        "version": {
            "type": "integer",
            "minimum": 1,
            "description": "Send it back with a PATCH: a stale version gets a 409.",
        },
        "source_url": {"type": "string", "maxLength": SOURCE_URL_MAX},
        "model": {"type": "string", "maxLength": MODEL_NAME_MAX},
        "published_at": time("When it was (or will be) published, UTC."),
        "updated_at": time("Last change after publishing, UTC."),
        "generated_at": time("When the model wrote it, UTC."),
    },
}

ARTICLE_WRITE = {
    "type": "object",
    "description": "Every field is optional; a new article needs a title in at least one language. "
    "Unknown fields are refused.",
    "additionalProperties": False,
    "properties": {
        **{f"{field}_{lang}": text(field, f" ({lang})") for field in TRANSLATED_FIELDS for lang in LANGS},
        "slug": {"type": "string", "maxLength": SLUG_MAX, "pattern": SLUG_PATTERN},
        **{name: SCORE for name in SCORES},
        "ai_generated": {"type": "boolean"},
        "status": {"enum": list(STATUSES), "default": DEFAULT_STATUS},
        "published_at": time(
            f"ISO 8601 with a zone (Z or +08:00), in the years {YEARS[0]}-{YEARS[1]}; empty means now when published."
        ),
        "tags": {
            "type": "array",
            "maxItems": MAX_TAGS,
            "items": {"type": "string"},
            "description": "Each 'English|中文', or one name; a Chinese-only name is the Chinese one.",
        },
        "source_url": {"type": "string", "maxLength": SOURCE_URL_MAX, "description": "An http(s) address, or empty."},
        "model": {"type": "string", "maxLength": MODEL_NAME_MAX},
        "generated_at": time("ISO 8601 with a zone."),
        "version": {"type": "integer", "description": "Required by PATCH: the version last read."},
    },
}

ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "A message per field (or 'body', 'request', 'token'), in the Accept-Language.",
        },
        "article": ref("Article"),
    },
}


def error(description):
    return {"description": description, "content": {"application/json": {"schema": ref("Errors")}}}


def json_content(schema):
    return {"application/json": {"schema": schema}}


def query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
LANG = query("lang", {"enum": list(LANGS)}, "One language, with per-field fallback, instead of both.")
WRITE = [{"bearer": []}]
BAD_TOKEN = error("No token, or one that is not valid.")


def document(base_url):
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AI News · AI资讯 API",
            "version": "1",
            "description": "Published articles are public. Writing needs a token from `flask create-token NAME`, "
            f"sent as `Authorization: Bearer <token>`. Bodies are JSON, at most {REQUEST_MAX_TEXT}.",
        },
        "servers": [{"url": base_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Article": ARTICLE, "ArticleWrite": ARTICLE_WRITE, "Tag": TAG, "Errors": ERRORS},
        },
        "paths": {
            "/articles": {
                "get": {
                    "summary": "Published articles, newest first or by a score, a page at a time.",
                    "parameters": [
                        query("sort", {"enum": list(SORTS), "default": "new"}, "The order."),
                        query("tag", {"type": "string"}, "Only articles with this tag (its slug)."),
                        query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT, "default": API_DEFAULT_LIMIT},
                            "Articles per page.",
                        ),
                        query("cursor", {"type": "string"}, "From the previous page's `next`."),
                        LANG,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page; `next` is the following page's address, null at the end.",
                            "content": json_content(
                                {
                                    "type": "object",
                                    "required": ["articles", "next"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "articles": {"type": "array", "items": ref("Article")},
                                        "next": {"type": ["string", "null"]},
                                    },
                                }
                            ),
                        },
                        "400": error("A bad sort, limit, lang or cursor."),
                        "404": error("No such tag."),
                    },
                },
                "post": {
                    "summary": "Create an article, a draft unless status says otherwise.",
                    "security": WRITE,
                    "requestBody": {"required": True, "content": json_content(ref("ArticleWrite"))},
                    "responses": {
                        "201": {
                            "description": "Created; Location is its address.",
                            "content": json_content(ref("Article")),
                        },
                        "400": error("The body is not a JSON object."),
                        "401": BAD_TOKEN,
                        "413": error(f"The body is over {REQUEST_MAX_TEXT}."),
                        "422": error("A field is of the wrong type or fails the editors' checks."),
                    },
                },
            },
            "/articles/{slug}": {
                "parameters": [SLUG],
                "get": {
                    "summary": "One published article, with its analysis; with a token, drafts too.",
                    "parameters": [LANG],
                    "responses": {
                        "200": {"description": "The article.", "content": json_content(ref("Article"))},
                        "400": error("A bad lang."),
                        "401": BAD_TOKEN,
                        "404": error("No such published article."),
                    },
                },
                "patch": {
                    "summary": "Change some fields; send the version last read.",
                    "security": WRITE,
                    "requestBody": {"required": True, "content": json_content(ref("ArticleWrite"))},
                    "responses": {
                        "200": {"description": "Saved.", "content": json_content(ref("Article"))},
                        "400": error("The body is not a JSON object."),
                        "401": BAD_TOKEN,
                        "404": error("No such article."),
                        "409": error("Someone saved it after that version; `article` is the stored one."),
                        "413": error(f"The body is over {REQUEST_MAX_TEXT}."),
                        "422": error("A field is of the wrong type, fails the editors' checks, or version is missing."),
                    },
                },
                "delete": {
                    "summary": "Delete an article.",
                    "security": WRITE,
                    "responses": {
                        "204": {"description": "Deleted."},
                        "401": BAD_TOKEN,
                        "404": error("No such article."),
                    },
                },
            },
            "/tags": {
                "get": {
                    "summary": "Tags that have published articles, with their number, the largest first.",
                    "responses": {
                        "200": {
                            "description": "The tags.",
                            "content": json_content(
                                {
                                    "type": "object",
                                    "required": ["tags"],
                                    "additionalProperties": False,
                                    "properties": {"tags": {"type": "array", "items": TAG_COUNT}},
                                }
                            ),
                        }
                    },
                },
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "responses": {"200": {"description": "OpenAPI 3.1.", "content": json_content({"type": "object"})}},
                },
            },
        },
    }
