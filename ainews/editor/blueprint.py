"""The editor blueprint, under /editor: what every editor page shares.

Every page here needs a signed-in editor except the sign-in page itself
(auth.py). The interface follows the reader's language choice (the `lang`
cookie, else Accept-Language); `/editor/language/<code>` switches it.
"""

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ainews.clock import utcnow
from ainews.editor.forms import ARTICLE_FIELD_LABELS, FIELD_LABELS
from ainews.i18n import HTML_LANGS, LANG_NAMES, list_text, other_lang
from ainews.rules import LANGS
from ainews.web import current_lang

bp = Blueprint("editor", __name__, url_prefix="/editor")

STATE_NAMES = {"draft": _l("Draft"), "scheduled": _l("Scheduled"), "published": _l("Published")}


@bp.context_processor
def editor_context():
    lang = current_lang()
    return dict(
        lang=lang,
        html_lang=HTML_LANGS[lang],
        view="one",
        fragment=False,
        article_state=article_state,
        STATE_NAMES=STATE_NAMES,
        field_name=field_name,
        outdated_names=outdated_names,
        title_of=title_of,
        title_lang=title_lang,
    )


def title_lang(article):
    """The language an article's title is shown in: the editor's, if it has a title in it."""
    lang = current_lang()
    values = article if isinstance(article, dict) else article.__data__
    return lang if values.get(f"title_{lang}") else other_lang(lang)


def title_of(article):
    """An article's title (a model or a revision's snapshot) in the editor's language, else the other one."""
    values = article if isinstance(article, dict) else article.__data__
    return values.get(f"title_{title_lang(article)}") or ""


def article_state(article):
    if article.status == "draft":
        return "draft"
    return "scheduled" if article.published_at and article.published_at > utcnow() else "published"


def field_name(name):
    """'summary_zh' → 'Summary (中文)': a field as the editor knows it."""
    field, _sep, code = name.rpartition("_")
    if code in LANGS and field in FIELD_LABELS:
        return _("%(field)s (%(language)s)", field=FIELD_LABELS[field], language=LANG_NAMES[code])
    return ARTICLE_FIELD_LABELS.get(name, name)


def outdated_names(article):
    return list_text([field_name(name) for name in article.outdated.split()], current_lang())


@bp.after_request
def never_cached(response):
    """Editors' pages hold unpublished text: never cached, never indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
