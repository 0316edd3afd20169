"""The API's reading routes: published articles a page at a time, one article, the tags, the document.

Reads are public; with a token, a single article can be a draft or scheduled.
"""

from flask import abort, request, url_for
from flask_babel import gettext as _

from ainews.api import openapi
from ainews.api.blueprint import bp
from ainews.api.errors import ApiError, json_response
from ainews.api.shapes import after_cursor, article_json, make_cursor, tag_json
from ainews.api.tokens import has_token, require_token
from ainews.rules import API_DEFAULT_LIMIT, API_MAX_LIMIT, DEFAULT_SORT, LANGS, SORTS
from ainews.tags import tag_by_slug, tags_with_counts
from models import Article, ArticleTag, attach_tags

LIST_ARGS = ("sort", "tag", "limit", "lang")  # what the next page keeps; the cursor is its own


@bp.get("/articles")
def list_articles():
    sort = request.args.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        raise ApiError(400, {"sort": _("Use one of: %(choices)s.", choices=", ".join(SORTS))})
    lang = requested_lang()
    limit = whole_number_arg("limit", API_DEFAULT_LIMIT, 1, API_MAX_LIMIT)
    query = Article.published(sort)
    if "tag" in request.args:
        tag = tag_by_slug(request.args["tag"])
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
