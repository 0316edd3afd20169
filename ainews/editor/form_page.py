"""The article form page: what it shows for a stored article, its preview card,
and showing it again with the posted text when a save cannot happen."""

import hashlib
import json

from flask import abort, g, render_template, request
from flask_babel import gettext as _

from ainews.articles import find_or_make_tags, tags_text
from ainews.clock import utcnow
from ainews.editor.forms import COVER_COLUMNS, ArticleForm, count_patterns, count_text, limit_of
from ainews.i18n import local_input_text, other_lang
from ainews.rules import (
    ARTICLE_FIELDS,
    LANGS,
    MAX_INTEGER,
    MAX_TAGS,
    SCORES,
    TRANSLATED_FIELDS,
    article_slug,
    web_url_ok,
)
from ainews.web import current_lang
from models import Article, Tag, attach_tags

# POSTs that carry an article's text: if they fail before saving, the text is
# shown again rather than dropped.
FORM_ENDPOINTS = ("editor.new", "editor.edit")


def signed_out_message():
    return _("You are signed out. Your text stays here: sign in again in a new tab, then save.")


def form_text(article, lang):
    """Each field of a stored article as the form shows it: the text a browser posts back."""
    text = {f"{field}_{code}": getattr(article, f"{field}_{code}") for field in TRANSLATED_FIELDS for code in LANGS}
    text.update({name: str(getattr(article, name)) for name in SCORES})
    text.update(
        slug=article.slug,
        ai_generated="y" if article.ai_generated else "",
        status=article.status,
        published_at=local_input_text(article.published_at, lang),
        tags=tags_text(article.tags),
        source_url=article.source_url,
        model=article.model,
        generated_at=local_input_text(article.generated_at, lang),
    )
    text.update({name: getattr(article, name) for name in COVER_COLUMNS})
    return text


def fingerprint(value):
    return hashlib.sha256(value.replace("\r\n", "\n").encode()).hexdigest()[:16]


def fingerprints(text):
    """The `base` field: what each field held when the form was loaded, so a
    conflict can tell the fields this editor changed from those someone else did."""
    return json.dumps({name: fingerprint(value) for name, value in text.items()}, sort_keys=True)


def initial_data(article, lang):
    """What the form shows for a stored article."""
    text = form_text(article, lang)
    return dict(text, ai_generated=article.ai_generated, version=str(article.version), base=fingerprints(text))


def load_article(article_id):
    return find_article(article_id) or abort(404)


def find_article(article_id):
    """The article with this id, tags attached, or None."""
    if not 0 < article_id <= MAX_INTEGER:  # more than the database's integers hold: no such id
        return None
    article = Article.get_or_none(Article.id == article_id)
    if article is not None:
        attach_tags([article])
    return article


def render_form(form, article, status=200, **extra):
    """The form page. After a refused save it says the text is not saved yet,
    so the browser warns before the editor leaves, and focuses the first bad field."""
    existing_tags = Tag.select().order_by(Tag.name_en) if g.editor else []
    invalid = form.invalid_fields()
    return render_template(
        "editor/form.html",
        form=form,
        article=article,
        existing_tags=existing_tags,
        preview=preview_article(article, form),
        preview_langs=preview_langs(request.form.get("preview_show")),
        unsaved=request.method == "POST",
        invalid=invalid,
        first_error=invalid[0].name if invalid else None,
        limit_of=limit_of,
        count_text=count_text,
        count_patterns=count_patterns(),
        **extra,
    ), status


def form_page_keeping_text(message, status):
    """The form again with what was posted, when it could not be saved.

    Called from error handlers, so it must not fail itself: an article that
    is gone shows as a new one, with the posted text.
    """
    article = None
    if g.editor is not None and (request.view_args or {}).get("article_id"):
        article = find_article(request.view_args["article_id"])
    article = article or Article()
    form = ArticleForm(article=article, lang=current_lang())
    return render_form(form, article, status, notice=message)


def preview_langs(show):
    """Content languages of the preview: one of them, or both led by the interface's."""
    lang = current_lang()
    return [show] if show in LANGS else [lang, other_lang(lang)]


def typed(field):
    """What was typed into `field`, as text: "150", "abc", or "" for nothing."""
    return (field.raw_data or [""])[0].strip() if field.data is None else str(field.data)


def preview_article(stored, form):
    """An unsaved article holding what the form says, as typed.

    A bad value shows as typed (Hot 150, beside its error), never as a
    value nobody typed. Only a source address that is not a web address is
    left out, as the card would make it a link.
    """
    article = Article(**{name: getattr(stored, name) for name in ("id", "views", "updated_at", "outdated")})
    for field in TRANSLATED_FIELDS:
        for code in LANGS:
            setattr(article, f"{field}_{code}", getattr(form, f"{field}_{code}").data or "")
    for name in SCORES:
        setattr(article, name, typed(getattr(form, name)))
    article.ai_generated = bool(form.ai_generated.data)
    article.model = form.model.data or ""
    source_url = form.source_url.data or ""
    article.source_url = source_url if web_url_ok(source_url) else ""
    article.generated_at = form.typed_time(form.generated_at)
    for name in COVER_COLUMNS:
        value = getattr(form, name).data or ""
        setattr(article, name, value if ARTICLE_FIELDS[name].accepts(value) else "")
    article.published_at = form.publish_time() or stored.published_at or utcnow()
    typed_slug = form.slug.data if not form.slug.errors else None
    article.slug = typed_slug or stored.slug or article_slug(article.title_en, article.title_zh)
    article.tags = find_or_make_tags(form.tag_entries()[:MAX_TAGS])
    return article
