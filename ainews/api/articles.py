"""The JSON API at /api/v1: public reads, and writes for pipelines that hold a token.

Writes go through the editors' `ArticleForm`, so the API accepts exactly the
articles the form accepts, and refuses the rest with the form's messages, as
`{"errors": {"field": "message"}}` in the client's language (Accept-Language).
Tokens are made with `flask create-token NAME`; only their hashes are stored.
The document at /api/v1/openapi.json (openapi.py) describes all of this.
"""

import base64
import binascii
import json
from datetime import datetime, timezone

from flask import abort, request, url_for
from flask_babel import gettext as _
from peewee import IntegrityError
from werkzeug.datastructures import MultiDict

from ainews.api import openapi
from ainews.api.blueprint import bp
from ainews.api.errors import ApiError, Unauthorized, json_response
from ainews.articles import EditConflict, find_or_make_tags, save_article, tags_text
from ainews.db import write_transaction
from ainews.editor.forms import ArticleForm
from ainews.i18n import iso_utc, other_lang
from ainews.rules import (
    API_DEFAULT_LIMIT,
    API_MAX_LIMIT,
    CATEGORY_DEFAULTS,
    DEFAULT_SCORE,
    DEFAULT_STATUS,
    LANGS,
    MAX_INTEGER,
    MODEL_NAME_MAX,
    SCORES,
    SORTS,
    SOURCE_URL_MAX,
    TEXT_COLUMNS,
    TRANSLATED_FIELDS,
    YEARS,
    score_ok,
    web_url_ok,
)
from models import ApiToken, Article, ArticleTag, Tag, attach_tags, tags_with_counts


def require_token():
    """The caller's token, or a 401 that says what was wrong."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(_("Send an API token as: Authorization: Bearer <token>."), 'Bearer realm="api"')
    token = ApiToken.find(secret.strip())
    if token is None:
        raise Unauthorized(
            _("This API token is not valid. It may have been revoked."), 'Bearer realm="api", error="invalid_token"'
        )
    return token


def has_token():
    """Whether the request carries a token at all (a bad one is still a 401)."""
    return "Authorization" in request.headers


# Reading ------------------------------------------------------------------------


LIST_ARGS = ("sort", "tag", "limit", "lang")  # what the next page keeps; the cursor is its own


@bp.get("/articles")
def list_articles():
    sort = request.args.get("sort", "new")
    if sort not in SORTS:
        raise ApiError(400, {"sort": _("Use one of: %(choices)s.", choices=", ".join(SORTS))})
    lang = requested_lang()
    limit = whole_number_arg("limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT)
    query = Article.published(sort)
    tag = None
    if "tag" in request.args:
        tag = Tag.get_or_none(Tag.slug == request.args["tag"])
        if tag is None:
            raise ApiError(404, {"tag": _("There is no tag with this address.")})
        query = query.where(Article.id.in_(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))
    if "cursor" in request.args:
        query = query.where(*after_cursor(request.args["cursor"], sort))
    rows = list(query.limit(limit + 1))
    articles = rows[:limit]
    attach_tags(articles)
    next_url = None
    if len(rows) > limit:
        # Only the arguments this list reads: anything else (say `_external`
        # or `_anchor`) would be taken by url_for as an instruction.
        args = {name: request.args[name] for name in LIST_ARGS if name in request.args}
        next_url = url_for("api.list_articles", **args, cursor=make_cursor(articles[-1], sort), _external=True)
    return json_response(
        {
            "articles": [article_json(article, lang, full=False) for article in articles],
            "next": next_url,
        }
    )


@bp.get("/articles/<slug>")
def get_article(slug):
    """A published article; with a token, drafts and scheduled articles too."""
    lang = requested_lang()
    if has_token():
        require_token()
        article = Article.get_or_none(Article.slug == slug)
        if article is not None:
            attach_tags([article])
    else:
        article = Article.get_published(slug)
    if article is None:
        abort(404)
    response = json_response(article_json(article, lang))
    if has_token():
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tags")
def list_tags():
    """Tags that have published articles, with their number, the largest first."""
    return json_response({"tags": [dict(tag_json(tag), count=tag.count) for tag in tags_with_counts()]})


@bp.get("/openapi.json")
def openapi_document():
    return json_response(openapi.document(url_for("api.list_articles", _external=True).rsplit("/", 1)[0]))


def requested_lang():
    lang = request.args.get("lang")
    if lang is not None and lang not in LANGS:
        raise ApiError(400, {"lang": _("Use one of: %(choices)s.", choices=", ".join(LANGS))})
    return lang


def whole_number_arg(name, default, low, high):
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, {name: _("Use a whole number from %(low)d to %(high)d.", low=low, high=high)})
    return int(raw)


def tag_json(tag):
    return {"slug": tag.slug, "name_en": tag.name_en, "name_zh": tag.name_zh}


def article_json(article, lang=None, full=True):
    """An article as the API shows it: both languages, or one with per-field fallback."""
    data = {
        "slug": article.slug,
        "urls": {code: url_for("reader.article", lang=code, slug=article.slug, _external=True) for code in LANGS},
        "status": article.status,
    }
    fields = [field for field in TRANSLATED_FIELDS if full or field != "analysis"]
    if lang is None:
        data.update({f"{field}_{code}": getattr(article, f"{field}_{code}") for field in fields for code in LANGS})
    else:
        other = other_lang(lang)
        data["lang"] = lang
        data["fallbacks"] = []
        for field in fields:
            value = getattr(article, f"{field}_{lang}")
            if not value and getattr(article, f"{field}_{other}"):
                value = getattr(article, f"{field}_{other}")
                data["fallbacks"].append(field)
            data[field] = value
    data.update({name: getattr(article, name) for name in SCORES})
    data.update(
        ai_generated=article.ai_generated,
        tags=[tag_json(tag) for tag in article.tags],
        views=article.views,
        version=article.version,
        source_url=article.source_url,
        model=article.model,
    )
    for name in ("published_at", "updated_at", "generated_at"):
        moment = getattr(article, name)
        data[name] = iso_utc(moment) if moment else None
    return data


# Cursors: the sort keys of the last article on a page, so the next page starts
# right after it even when articles are published meanwhile.


def make_cursor(article, sort):
    keys = [sort, article.published_at.isoformat(), article.id]
    if sort != "new":
        keys.append(getattr(article, sort))
    return base64.urlsafe_b64encode(json.dumps(keys).encode()).decode().rstrip("=")


def after_cursor(cursor, sort):
    """WHERE terms for the articles after the cursor, in the order of `sort`."""
    try:
        keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(keys, list):
            raise ValueError
        published_at = datetime.fromisoformat(keys[1])
        if published_at.tzinfo is None:
            raise ValueError
        published_at = published_at.astimezone(timezone.utc)  # OverflowError near year 1 or 9999
        article_id = keys[2]
        if keys[0] != sort or not isinstance(article_id, int) or not 0 <= article_id <= MAX_INTEGER:
            raise ValueError
        score = keys[3] if sort != "new" else None
        if sort != "new" and not score_ok(score):
            raise ValueError
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, binascii.Error, RecursionError):
        raise ApiError(400, {"cursor": _("This cursor is not valid here: use the 'next' address as given.")}) from None
    moment = Article.published_at
    same_time_after = (moment < published_at) | ((moment == published_at) & (Article.id < article_id))
    if sort == "new":
        # The plain range on published_at lets the index skip straight there.
        return [moment <= published_at, same_time_after]
    column = getattr(Article, sort)
    return [column <= score, (column < score) | ((column == score) & same_time_after)]


# Writing ------------------------------------------------------------------------

FIELD_TYPES = {
    **{name: str for name in TEXT_COLUMNS},
    "slug": str,
    "status": str,
    "source_url": str,
    "model": str,
    **{name: int for name in SCORES},
    "ai_generated": bool,
    "published_at": "time",
    "generated_at": "time",
    "tags": list,
    "version": int,
}


@bp.post("/articles")
def create_article():
    """A new article: a draft unless "status": "published" is sent."""
    require_token()
    values, errors = read_article_body(allowed=set(FIELD_TYPES) - {"version"})
    article = write_article(None, values, errors)
    response = json_response(article_json(article), 201)
    response.headers["Location"] = url_for("api.get_article", slug=article.slug, _external=True)
    return response


@bp.patch("/articles/<slug>")
def update_article(slug):
    """Change some fields of an article; `version` must be the one last read."""
    require_token()
    article = Article.get_or_none(Article.slug == slug)
    if article is None:
        abort(404)
    values, errors = read_article_body(allowed=set(FIELD_TYPES))
    if "version" not in values and "version" not in errors:
        errors["version"] = _("Send the article's version, as last read, to change it.")
    article = write_article(article, values, errors)
    response = json_response(article_json(article))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/articles/<slug>")
def delete_article(slug):
    require_token()
    with write_transaction():
        deleted = Article.delete().where(Article.slug == slug).execute()
    if not deleted:
        abort(404)
    return "", 204


def read_article_body(allowed):
    """The JSON object sent, and an error for each unknown field or value of the wrong type.

    The fields in error are left out, so the form can still check the others
    and the client hears about every problem at once. Not an object: a 400.
    """
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        raise ApiError(400, {"body": _("The body is not valid JSON.")}) from None
    if not isinstance(data, dict):
        raise ApiError(400, {"body": _('Send a JSON object, such as {"title_en": "…"}.')})
    values, errors = {}, {}
    for name, value in data.items():
        if name not in allowed:
            # Named back as sent, cut short, with what UTF-8 cannot carry (a lone surrogate) escaped.
            errors[name[:100].encode("utf-8", "backslashreplace").decode()] = _("There is no such field.")
        elif not has_type(value, FIELD_TYPES[name]):
            errors[name] = type_message(FIELD_TYPES[name])
        else:
            values[name] = value
    return values, errors


def has_type(value, kind):
    if kind == "time":
        return value is None or isinstance(value, str)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is list:
        return isinstance(value, list) and all(is_text(item) for item in value)
    if kind is str:
        return is_text(value)
    return isinstance(value, kind)


def is_text(value):
    """A string that can be stored anywhere: JSON allows lone surrogates and NULs, UTF-8 and PostgreSQL do not."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def type_message(kind):
    return {
        str: _("Must be text."),
        int: _("Must be a whole number."),
        bool: _("Must be true or false."),
        list: _('Must be a list of tag names, such as ["Open Source|开源"].'),
        "time": _("Must be a time such as 2026-05-01T09:30:00Z, or null."),
    }[kind]


def write_article(article, sent, errors):
    """Check `sent` over the article's current fields with the editors' form, then save.

    `errors` holds the problems found so far; any at all means a 422 with all of them.
    """
    form_data = current_form_data(article)
    form_data.update({name: value for name, value in sent.items() if name in form_data})
    form = ArticleForm(formdata=as_formdata(form_data), article=article, meta={"csrf": False})
    if not form.validate():
        errors.update({name: messages[0] for name, messages in form.errors.items() if name not in errors})
    published_at = read_time(sent, "published_at", errors)
    generated_at = read_time(sent, "generated_at", errors)
    source_url = sent.get("source_url", article.source_url if article else "")
    if source_url and (len(source_url) > SOURCE_URL_MAX or not web_url_ok(source_url)):
        errors["source_url"] = _("Give an http or https address of at most %(max)d characters.", max=SOURCE_URL_MAX)
    model = sent.get("model", article.model if article else "")
    if len(model) > MODEL_NAME_MAX:
        errors["model"] = _("At most %(max)d characters.", max=MODEL_NAME_MAX)
    if errors:
        raise ApiError(422, errors)

    values = form.article_values()
    values.update(source_url=source_url, model=model)
    values["published_at"] = published_at if "published_at" in sent else (article.published_at if article else None)
    values["generated_at"] = generated_at if "generated_at" in sent else (article.generated_at if article else None)
    tags = find_or_make_tags(form.tag_entries())
    try:
        return save_article(article or Article(), values, tags, sent.get("version"))
    except EditConflict as conflict:
        attach_tags([conflict.current])
        raise ApiError(
            409,
            {
                "version": _(
                    "Someone saved this article after you read it. "
                    "Read it again, apply your change and send the new version."
                )
            },
            article=article_json(conflict.current),
        ) from None
    except IntegrityError:
        # Another request took the same slug between the check and the write.
        raise ApiError(422, {"slug": _("Another article already uses this address.")}) from None


def current_form_data(article):
    """The form fields as the article has them now (a new article: the form's defaults)."""
    if article is None:
        data = {name: "" for name in TEXT_COLUMNS}
        data.update(CATEGORY_DEFAULTS, slug="", tags=[], ai_generated=False, status=DEFAULT_STATUS)
        data.update({name: DEFAULT_SCORE for name in SCORES})
        return data
    attach_tags([article])
    data = {name: getattr(article, name) for name in (*TEXT_COLUMNS, "slug", *SCORES, "ai_generated", "status")}
    data["tags"] = [tags_text([tag]) for tag in article.tags]
    return data


def as_formdata(data):
    """Typed JSON values as the strings a browser would post."""
    form = MultiDict()
    for name, value in data.items():
        if name == "tags":
            form[name] = ", ".join(value)
        elif name == "ai_generated":
            if value:
                form[name] = "y"
        else:
            form[name] = str(value)
    return form


def read_time(sent, name, errors):
    """An ISO 8601 time with its zone, as aware UTC; errors[name] when it is not one."""
    text = sent.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not YEARS[0] <= moment.year <= YEARS[1]:
        errors[name] = type_message("time")
        return None
    return moment.astimezone(timezone.utc)
