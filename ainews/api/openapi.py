"""The OpenAPI 3.1 document for /api/v1, served at /api/v1/openapi.json.

The schemas of an article's fields are built from their rules in
ainews/rules.py (`ARTICLE_FIELDS`), the same ones the form, the API's type
checks and the importer read. The API tests check every response they
receive against this document, and that its paths are exactly the API's routes.
"""

from ainews.api.body import CHANGE_FIELDS, JSON_TYPES
from ainews.api.images import IMAGE_SCHEMA
from ainews.rules import (
    API_DEFAULT_LIMIT,
    API_MAX_LIMIT,
    ARTICLE_FIELDS,
    DEFAULT_SORT,
    IMAGE_MAX_PIXELS,
    IMAGE_MAX_TEXT,
    KEPT_FIELDS,
    LANGS,
    REQUEST_MAX_TEXT,
    SORTS,
    TEXT_COLUMNS,
    TEXT_LIMITS,
    TRANSLATED_FIELDS,
    UPLOAD_REQUEST_MAX_TEXT,
)

# Schemas ---------------------------------------------------------------------------

SCHEMA_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array"}


def field_schema(rule, description=None):
    """The JSON schema of a field, from its rule: type, maxLength, pattern, enum, minimum, maximum, maxItems."""
    kind = JSON_TYPES[rule.kind]
    if rule.kind == "choice":
        schema = {"enum": list(rule.choices)}
    elif kind == "time":
        schema = {"type": ["string", "null"], "format": "date-time"}
    else:
        schema = {"type": SCHEMA_TYPES[kind]}
    if rule.kind == "text":
        schema.update(text_limits(rule))
    if rule.kind == "integer":
        schema.update(minimum=rule.range[0], maximum=rule.range[1])
    if rule.kind == "tags":
        schema.update(maxItems=rule.max_items, items={"type": "string"})
    if description:
        schema["description"] = description
    return schema


def text_limits(rule):
    """maxLength, and the pattern of text that is not empty (empty text is allowed).

    A source address is described in words: its scheme may be in any case.
    """
    limits = {"maxLength": rule.max_length}
    if rule.pattern:
        limits["pattern"] = f"^$|{rule.pattern}"
    return limits


def years(rule):
    return f"its year (in UTC) from {rule.years[0]} to {rule.years[1]}"


# What a field means: the rule says what it may hold, this what it is for.
DESCRIPTIONS = {
    **{f"{field}_{lang}": f"{field.capitalize()} ({lang})" for field in TRANSLATED_FIELDS for lang in LANGS},
    "slug": "The article's address. Empty: made from the English title.",
    "status": "Readers see published articles whose publish time has come.",
    "published_at": "ISO 8601 with a zone (Z or +08:00), "
    f"{years(ARTICLE_FIELDS['published_at'])}; null: the moment it is published.",
    "tags": "Each 'English|中文', or one name; a Chinese-only name is the Chinese one. "
    f"Each name has at most {ARTICLE_FIELDS['tags'].max_length} characters and no comma "
    "(the form reads a comma as two tags).",
    "source_url": "Where the story came from: an absolute http or https address, or empty.",
    "model": "The model that wrote the text, or empty.",
    "generated_at": f"When the model wrote it: ISO 8601 with a zone, {years(ARTICLE_FIELDS['generated_at'])}.",
    "version": (
        "Required by PATCH: the version last read. A stale version is merged"
        " if no field it changes changed since; else a 409."
    ),
    "cover": "The key of a picture uploaded with POST /images, or empty for none.",
    **{f"cover_alt_{lang}": f"What the cover shows, in words ({lang}); required with a cover." for lang in LANGS},
}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def time(description):
    return {"type": ["string", "null"], "format": "date-time", "description": description}


def article_write_schema():
    return {
        "type": "object",
        "description": "Every field is optional; a new article needs a title in at least one language. "
        "Unknown fields are refused.",
        "additionalProperties": False,
        "properties": {name: write_schema(name, rule) for name, rule in CHANGE_FIELDS.items()},
    }


def write_schema(name, rule):
    """A field as a new article takes it: with the default it gets when it is not sent."""
    schema = field_schema(rule, DESCRIPTIONS.get(name))
    if name in ARTICLE_FIELDS and rule.default not in (None, "", ()):
        schema["default"] = rule.default
    return schema


# Fields an article shows that no one writes.
READ_ONLY = {
    "urls": {
        "type": "object",
        "required": list(LANGS),
        "additionalProperties": False,
        "properties": {lang: {"type": "string", "format": "uri"} for lang in LANGS},
    },
    "tags": {"type": "array", "items": ref("Tag")},
    "views": field_schema(KEPT_FIELDS["views"]),
    "version": field_schema(KEPT_FIELDS["version"], DESCRIPTIONS["version"]),
    "updated_at": time("Last change after publishing, UTC."),
}

# With ?lang, each text field once, in that language or the other.
ONE_LANGUAGE = {
    "lang": {"enum": list(LANGS)},
    "fallbacks": {"type": "array", "items": {"enum": list(TRANSLATED_FIELDS)}},
    **{field: {"type": "string", "maxLength": TEXT_LIMITS[field]} for field in TRANSLATED_FIELDS},
}


# As an article shows them, its times are UTC.
READ_DESCRIPTIONS = {
    **DESCRIPTIONS,
    "published_at": "When it was (or will be) published, UTC.",
    "generated_at": "When the model wrote it, UTC.",
}


def article_schema():
    written = {name: rule for name, rule in ARTICLE_FIELDS.items() if name not in READ_ONLY}
    always = [name for name in written if name not in TEXT_COLUMNS]
    return {
        "type": "object",
        "description": "Without ?lang, every text field in both languages (field_en, field_zh). With ?lang, "
        "each text field once (title, summary…), in that language or, when it is not translated, "
        "in the other one, which `fallbacks` lists. Lists leave the analysis out. Times are UTC.",
        "required": [*always, *READ_ONLY],
        "additionalProperties": False,
        "properties": {
            **{name: field_schema(rule, READ_DESCRIPTIONS.get(name)) for name, rule in written.items()},
            **READ_ONLY,
            **ONE_LANGUAGE,
        },
    }


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


def components():
    return {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Article": article_schema(), "ArticleWrite": article_write_schema(), "Tag": TAG, "Errors": ERRORS},
    }


# Paths -----------------------------------------------------------------------------


def error(description):
    return {"description": description, "content": {"application/json": {"schema": ref("Errors")}}}


def json_content(schema):
    return {"application/json": {"schema": schema}}


def ok(description, schema):
    return {"description": description, "content": json_content(schema)}


def query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def page_of(name, items):
    """An object holding one list, and nothing else."""
    return {
        "type": "object",
        "required": [name],
        "additionalProperties": False,
        "properties": {name: {"type": "array", "items": items}},
    }


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
LANG = query("lang", {"enum": list(LANGS)}, "One language, with per-field fallback, instead of both.")
WRITE = [{"bearer": []}]
BAD_TOKEN = error("No token, or one that is not valid.")
TOO_LARGE = error(f"The body is over {REQUEST_MAX_TEXT}.")
NOT_AN_OBJECT = error("The body is not a JSON object.")
WRITE_BODY = {"required": True, "content": json_content(ref("ArticleWrite"))}


def list_articles():
    limit = {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT, "default": API_DEFAULT_LIMIT}
    page = page_of("articles", ref("Article"))
    page["required"].append("next")
    page["properties"]["next"] = {"type": ["string", "null"]}
    return {
        "summary": "Published articles, newest first or by a score, a page at a time.",
        "parameters": [
            query("sort", {"enum": list(SORTS), "default": DEFAULT_SORT}, "The order."),
            query("tag", {"type": "string"}, "Only articles with this tag (its slug)."),
            query("limit", limit, "Articles per page."),
            query("cursor", {"type": "string"}, "From the previous page's `next`."),
            LANG,
        ],
        "responses": {
            "200": ok("A page; `next` is the following page's address, null at the end.", page),
            "400": error("A bad sort, limit, lang or cursor."),
            "404": error("No such tag."),
        },
    }


def create_article():
    return {
        "summary": "Create an article, a draft unless status says otherwise.",
        "security": WRITE,
        "requestBody": WRITE_BODY,
        "responses": {
            "201": ok("Created; Location is its address.", ref("Article")),
            "400": NOT_AN_OBJECT,
            "401": BAD_TOKEN,
            "413": TOO_LARGE,
            "422": error("A field is of the wrong type or fails the editors' checks."),
        },
    }


def get_article():
    return {
        "summary": "One published article, with its analysis; with a token, drafts too.",
        "parameters": [LANG],
        "responses": {
            "200": ok("The article.", ref("Article")),
            "400": error("A bad lang."),
            "401": BAD_TOKEN,
            "404": error("No such published article."),
        },
    }


def change_article():
    return {
        "summary": "Change some fields; send the version last read.",
        "security": WRITE,
        "requestBody": WRITE_BODY,
        "responses": {
            "200": ok("Saved.", ref("Article")),
            "400": NOT_AN_OBJECT,
            "401": BAD_TOKEN,
            "404": error("No such article."),
            "409": error("Someone changed the same field after that version; `article` is the stored one."),
            "413": TOO_LARGE,
            "422": error("A field is of the wrong type, fails the editors' checks, or version is missing."),
        },
    }


def delete_article():
    return {
        "summary": "Delete an article.",
        "security": WRITE,
        "responses": {"204": {"description": "Deleted."}, "401": BAD_TOKEN, "404": error("No such article.")},
    }


def list_tags():
    return {
        "summary": "Tags that have published articles, with their number, the largest first.",
        "responses": {"200": ok("The tags.", page_of("tags", TAG_COUNT))},
    }


def upload_image():
    return {
        "summary": "Upload a picture (JPEG, PNG, WebP, GIF or AVIF) as the multipart field `image`.",
        "description": f"At most {IMAGE_MAX_TEXT} and {IMAGE_MAX_PIXELS:,} pixels. It is decoded, turned upright, "
        "stripped of metadata (EXIF, GPS) and stored as WebP; the same picture sent twice gets the same key.",
        "security": WRITE,
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["image"],
                        "properties": {"image": {"type": "string", "format": "binary"}},
                    }
                }
            },
        },
        "responses": {
            "201": ok("Stored.", IMAGE_SCHEMA),
            "400": error("No `image` field."),
            "401": BAD_TOKEN,
            "413": error(f"The body is over {UPLOAD_REQUEST_MAX_TEXT}."),
            "422": error("Not an image the site accepts, damaged, or over the limits."),
        },
    }


def this_document():
    return {"summary": "This document.", "responses": {"200": ok("OpenAPI 3.1.", {"type": "object"})}}


def paths():
    return {
        "/articles": {"get": list_articles(), "post": create_article()},
        "/articles/{slug}": {
            "parameters": [SLUG],
            "get": get_article(),
            "patch": change_article(),
            "delete": delete_article(),
        },
        "/images": {"post": upload_image()},
        "/tags": {"get": list_tags()},
        "/openapi.json": {"get": this_document()},
    }


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
        "components": components(),
        "paths": paths(),
    }
