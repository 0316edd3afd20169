"""The editors' article pages: the one form behind "new" and "edit", preview, delete."""

import json

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from peewee import IntegrityError

from ainews.articles import EditConflict, delete_article, find_or_make_tags, save_article
from ainews.clock import utcnow
from ainews.editor.blueprint import bp, field_name, title_of
from ainews.editor.form_page import (
    fingerprint,
    fingerprints,
    form_text,
    initial_data,
    load_article,
    preview_article,
    preview_langs,
    render_form,
)
from ainews.editor.forms import ArticleForm, ConfirmForm
from ainews.editor.images import add_cover_error, take_cover_upload
from ainews.i18n import absolute_text, list_text
from ainews.rules import CATEGORY_DEFAULTS, DELETED_KEPT, TEXT_COLUMNS
from ainews.web import current_lang
from models import Article, attach_tags

# The article form ------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A blank form; saving it creates the article."""
    form = ArticleForm(article=None, lang=current_lang(), data=dict(CATEGORY_DEFAULTS))
    return article_form(Article(), form)


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
def edit(article_id):
    article = load_article(article_id)
    form = ArticleForm(article=article, lang=current_lang(), data=initial_data(article, current_lang()))
    return article_form(article, form)


def article_form(article, form):
    """Show the form, or save it: the one handler behind "new" and "edit"."""
    refused_cover = take_cover_upload(form) if request.method == "POST" else None
    if request.method == "POST" and request.form.get("action") == "preview":
        form.validate()  # the preview button, for editors without JavaScript: nothing is saved
        add_cover_error(form, refused_cover)
        return render_form(form, article)
    if not form.validate_on_submit() or refused_cover:
        add_cover_error(form, refused_cover)
        return render_form(form, article, 422 if form.is_submitted() else 200)
    values = form.article_values()
    if request.form.get("action") == "unpublish":
        values["status"] = "draft"
    checked = [name for name in request.form.getlist("checked") if name in TEXT_COLUMNS]
    tags = find_or_make_tags(form.tag_entries())
    try:
        saved = save_article(article, values, tags, form.submitted_version(), checked, by=g.editor.name)
    except EditConflict as conflict:
        merged, rows = merge_conflict(conflict.current)
        return render_form(merged, conflict.current, 409, conflict=rows)
    except IntegrityError:
        # Another save took the same address between the form's check and this write.
        form.slug.errors = [*form.slug.errors, _("Another article already uses this address.")]
        return render_form(form, article, 409)
    if saved.merged:
        flash(merged_message(saved.merged))
    flash(saved_message(saved, request.form.get("action")))
    return redirect(url_for(".edit", article_id=saved.id), 303)


def saved_message(article, action):
    if action == "unpublish":
        return _("Unpublished: readers no longer see it. It is kept as a draft.")
    if article.status == "draft":
        return _("Saved as a draft. Readers do not see it.")
    if article.published_at > utcnow():
        return _("Saved. It will be published on %(when)s.", when=absolute_text(article.published_at, current_lang()))
    return _("Saved and published. Readers see it now.")


def merged_message(merge):
    return _(
        "Merged with the changes %(names)s saved meanwhile, to: %(fields)s. Your changes to other fields are saved.",
        names=list_text(merge.names, current_lang()) or _("someone"),
        fields=list_text([field_name(name) for name in merge.fields], current_lang()),
    )


def merge_conflict(current):
    """The form to show after a conflict, and the rows of the side-by-side table.

    Fields this editor changed keep their text; fields only someone else
    changed take the newer stored text, so saving again cannot undo them.
    The table lists the fields this editor changed whose stored text differs.
    The form then carries the stored version, so saving again is deliberate.
    """
    attach_tags([current])
    theirs = form_text(current, current_lang())
    try:
        base = json.loads(request.form.get("base", "{}"))
    except (ValueError, RecursionError):
        base = {}
    if not isinstance(base, dict):  # not what the form sent: as if nothing was known of the loaded text
        base = {}
    posted = request.form.copy()
    rows = []
    for name, their_text in theirs.items():
        mine = posted.get(name, "")
        if fingerprint(mine) != base.get(name):
            if fingerprint(mine) != fingerprint(their_text):
                rows.append((name, mine, their_text))
        elif their_text:
            posted[name] = their_text
        else:
            posted.pop(name, None)
    posted["version"] = str(current.version)
    posted["base"] = fingerprints(theirs)
    return ArticleForm(formdata=posted, article=current, lang=current_lang()), rows


# Preview ---------------------------------------------------------------------


@bp.post("/preview", defaults={"article_id": None})
@bp.post("/<int:article_id>/preview")
def preview(article_id):
    """The card as readers will see it, from the form as typed, plus field errors."""
    article = load_article(article_id) if article_id else Article()
    form = ArticleForm(article=article, lang=current_lang())
    form.validate()
    if not (form.title_en.data or form.title_zh.data):
        # A form being filled in from the top has no title yet: saving says so.
        form.title_en.errors = []
    return render_template(
        "editor/_preview.html",
        form=form,
        preview=preview_article(article, form),
        preview_langs=preview_langs(request.form.get("preview_show")),
    )


# Deleting --------------------------------------------------------------------


@bp.route("/<int:article_id>/delete", methods=["GET", "POST"])
def delete(article_id):
    """Ask first; delete on the confirming POST."""
    article = load_article(article_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        delete_article(article, g.editor.name)
        flash(
            _(
                "Deleted “%(title)s”. It stays in the Deleted list for %(days)s days.",
                title=title_of(article),
                days=DELETED_KEPT.days,
            )
        )
        return redirect(url_for(".dashboard"), 303)
    return render_template("editor/delete.html", article=article, form=form, kept_days=DELETED_KEPT.days)
