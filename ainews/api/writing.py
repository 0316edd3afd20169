"""The API's writing routes: create, change and delete articles, for pipelines that hold a token.

Writes go through the editors' `ArticleForm`, so the API accepts exactly the
articles the form accepts, and refuses the rest with the form's messages, as
`{"errors": {"field": "message"}}` in the client's language (Accept-Language).
"""

from flask import abort, url_for
from flask_babel import gettext as _
from peewee import IntegrityError
from werkzeug.datastructures import MultiDict

from ainews.api.blueprint import bp
from ainews.api.body import CHANGE_FIELDS, CREATE_FIELDS, read_article_body, time_message
from ainews.api.errors import ApiError, json_response
from ainews.api.shapes import article_json
from ainews.api.tokens import require_token
from ainews.articles import EditConflict, find_or_make_tags, save_article, tags_text
from ainews.articles import delete_article as delete_stored
from ainews.editor.forms import ArticleForm
from ainews.i18n import LOCAL_ZONES, local_input_text
from ainews.rules import ARTICLE_FIELDS, DATETIME_SECONDS
from models import Article, attach_tags

# The form reads times in the zone of its language; the API hands it UTC,
# the zone English editors type in.
FORM_LANG = "en"


@bp.post("/articles")
def create_article():
    """A new article: a draft unless "status": "published" is sent."""
    token = require_token()
    values, errors = read_article_body(CREATE_FIELDS)
    article = write_article(None, values, errors, token)
    response = json_response(article_json(article), 201)
    response.headers["Location"] = url_for("api.get_article", slug=article.slug, _external=True)
    return response


@bp.patch("/articles/<slug>")
def update_article(slug):
    """Change some fields of an article; `version` must be the one last read."""
    token = require_token()
    article = Article.get_or_none(Article.slug == slug)
    if article is None:
        abort(404)
    values, errors = read_article_body(CHANGE_FIELDS)
    if "version" not in values and "version" not in errors:
        errors["version"] = _("Send the article's version, as last read, to change it.")
    article = write_article(article, values, errors, token)
    response = json_response(article_json(article))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/articles/<slug>")
def delete_article(slug):
    token = require_token()
    article = Article.get_or_none(Article.slug == slug)
    if article is None or not delete_stored(article, api_name(token)):
        abort(404)
    return "", 204


def api_name(token):
    """Who saved, as the history shows a save through the API."""
    return f"API: {token.name}"


def write_article(article, sent, errors, token):
    """Check `sent` over the article's current fields with the editors' form, then save.

    `errors` holds the problems found so far; any at all means a 422 with all of them.
    """
    form_data = current_form_data(article)
    form_data.update({name: form_value(name, value) for name, value in sent.items() if name in form_data})
    form = ArticleForm(formdata=as_formdata(form_data), article=article, lang=FORM_LANG, meta={"csrf": False})
    if not form.validate():
        for name, messages in form.errors.items():
            errors.setdefault(name, api_message(name, messages))
    if errors:
        raise ApiError(422, errors)
    tags = find_or_make_tags(form.tag_entries())
    try:
        return save_article(article or Article(), form.article_values(), tags, sent.get("version"), by=api_name(token))
    except EditConflict as conflict:
        attach_tags([conflict.current])
        message = _(
            "Someone saved this article after you read it. Read it again, apply your change and send the new version."
        )
        raise ApiError(409, {"version": message}, article=article_json(conflict.current)) from None
    except IntegrityError:
        # Another request took the same slug between the check and the write.
        raise ApiError(422, {"slug": _("Another article already uses this address.")}) from None


def api_message(name, messages):
    """The form's message for a field; for a time, one in the API's own format."""
    return time_message() if name in ArticleForm.TIME_FIELDS else messages[0]


def current_form_data(article):
    """The form's fields as the article has them now (a new article: each rule's default).

    A stored time is given as the form shows it, so the form keeps it as stored when it is not sent.
    """
    if article is None:
        return {name: rule.default for name, rule in ARTICLE_FIELDS.items()}
    attach_tags([article])
    data = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    data["tags"] = [tags_text([tag]) for tag in article.tags]
    data.update({name: local_input_text(data[name], FORM_LANG) for name in ArticleForm.TIME_FIELDS})
    return data


def form_value(name, value):
    """A sent value as the form reads it: a time as its wall clock in the form's zone, to the second."""
    if ARTICLE_FIELDS[name].kind == "time":
        return value.astimezone(LOCAL_ZONES[FORM_LANG]).strftime(DATETIME_SECONDS) if value else ""
    return value


def as_formdata(data):
    """Typed JSON values as the strings a browser would post."""
    form = MultiDict()
    for name, value in data.items():
        kind = ARTICLE_FIELDS[name].kind
        if kind == "tags":
            form[name] = ", ".join(value)
        elif kind == "boolean":
            if value:
                form[name] = "y"
        else:
            form[name] = "" if value is None else str(value)
    return form
