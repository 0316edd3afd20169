"""An article's history: its revisions, two of them compared, one restored; and the Deleted list.

Restoring a version saves its content as a new version, through the same
version check (and merge) as the form: the page posts the version it saw.
"""

import difflib
import re

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from ainews import revisions
from ainews.articles import EditConflict, SlugTaken, restore_deleted, save_article
from ainews.editor.blueprint import bp, field_name, title_of
from ainews.editor.form_page import load_article
from ainews.editor.forms import ConfirmForm
from ainews.i18n import HTML_LANGS, absolute_text, list_text
from ainews.rules import COMPARE_MAX_WORDS, DELETED_KEPT, HISTORY_PAGE, LANGS, MAX_INTEGER, slug_ok
from ainews.web import current_lang, page_number

# Columns the form has no label for.
EXTRA_LABELS = {"published_at": _l("Publish time")}
# Chinese characters one by one, words, runs of spaces, any other character: the units a change is told in.
TOKENS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\w+|\s+|.", re.DOTALL)


def label(name):
    return EXTRA_LABELS.get(name) or field_name(name)


def lang_of(name):
    """The content language of a field ('title_zh' → 'zh-Hans'), or None."""
    code = name.rpartition("_")[2]
    return HTML_LANGS[code] if code in LANGS else None


def shown(data, name):
    """A field's value in a snapshot as text to compare."""
    value = data.get(name)
    if name == "tags":
        return ", ".join("|".join(part for part in tag[:2] if part) for tag in value or [])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def marked(old, new):
    """The two texts cut into (kind, text) pieces: kind is "same", "del" (only in old) or "ins" (only in new).

    Chinese is compared character by character, other text word by word.
    The pieces are plain text; the template escapes them.
    """
    old_tokens, new_tokens = TOKENS.findall(old), TOKENS.findall(new)
    if max(len(old_tokens), len(new_tokens)) > COMPARE_MAX_WORDS:
        return [("del", old)] if old else [], [("ins", new)] if new else []
    left, right = [], []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            left.append(("same", "".join(old_tokens[a1:a2])))
            right.append(("same", "".join(new_tokens[b1:b2])))
            continue
        if a2 > a1:
            left.append(("del", "".join(old_tokens[a1:a2])))
        if b2 > b1:
            right.append(("ins", "".join(new_tokens[b1:b2])))
    return left, right


def comparison(older, newer):
    """The rows of a comparison: each field that differs, both versions' text with the changes marked."""
    rows = []
    for name in revisions.changed_fields(older, newer):
        left, right = marked(shown(older, name), shown(newer, name))
        rows.append({"name": name, "label": label(name), "lang": lang_of(name), "old": left, "new": right})
    return rows


def version_arg(name):
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value <= MAX_INTEGER else None


@bp.get("/<int:article_id>/history")
def history(article_id):
    """The article's versions, the newest first; with ?a=&b=, two of them compared."""
    article = load_article(article_id)
    page = page_number()
    rows = revisions.history(article.id, (page - 1) * HISTORY_PAGE, HISTORY_PAGE + 1)
    if not rows and page > 1:
        abort(404)
    compared = None
    a, b = version_arg("a"), version_arg("b")
    if "a" in request.args or "b" in request.args:
        older, newer = (revisions.revision(article.id, v) if v else None for v in sorted([a or 0, b or 0]))
        if older is None or newer is None:
            flash(_("Choose two versions of this article to compare."))
        else:
            compared = (older, newer, comparison(revisions.snapshot_of(older), revisions.snapshot_of(newer)))
    return render_template(
        "editor/history.html",
        article=article,
        revisions=rows[:HISTORY_PAGE],
        page=page,
        has_next=len(rows) > HISTORY_PAGE,
        compared=compared,
        chosen=(a, b),
        form=ConfirmForm(),
        when=lambda moment: absolute_text(moment, current_lang()),
        label=label,
        changed_text=lambda rev: list_text([label(name) for name in rev.changed.split()], current_lang()),
    )


@bp.post("/<int:article_id>/history/<int:version>/restore")
def restore_version(article_id, version):
    """Make an earlier version the current one, as a new version."""
    article = load_article(article_id)
    rev = revisions.revision(article.id, version) if version <= MAX_INTEGER else None
    if rev is None or not ConfirmForm().validate_on_submit():
        abort(404 if rev is None else 400)
    seen = request.form.get("version", "")
    data = revisions.snapshot_of(rev)
    back = url_for(".history", article_id=article.id)
    try:
        saved = save_article(
            article,
            revisions.restorable_values(data),
            revisions.snapshot_tags(data),
            int(seen) if seen.isdigit() else None,
            by=g.editor.name,
            kind="restore",
            marks=data.get("outdated", ""),  # the version's own: restoring it is no edit of one language
        )
    except EditConflict:
        flash(_("Someone saved this article after you opened its history. Look at the versions again, then restore."))
        return redirect(back, 303)
    except IntegrityError:
        flash(_("Another article now uses this version's address. Change that article's address first."))
        return redirect(back, 303)
    flash(_("Version %(version)s restored: it is now version %(new)s.", version=version, new=saved.version))
    return redirect(url_for(".edit", article_id=article.id), 303)


# The Deleted list ----------------------------------------------------------------


@bp.get("/deleted")
def deleted():
    revisions.purge_deleted()
    return render_deleted()


def render_deleted(status=200, taken=None, typed=""):
    rows = [(rev, revisions.snapshot_of(rev)) for rev in revisions.deleted_articles()]
    return render_template(
        "editor/deleted.html",
        rows=rows,
        form=ConfirmForm(),
        kept_days=DELETED_KEPT.days,
        purge_on=lambda rev: absolute_text(rev.saved_at + DELETED_KEPT, current_lang()),
        when=lambda moment: absolute_text(moment, current_lang()),
        taken=taken,
        typed=typed,
    ), status


@bp.post("/deleted/<int:article_id>/restore")
def restore(article_id):
    """Bring a deleted article back with its id; if its address is taken now, ask for another."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    slug = request.form.get("slug", "").strip()
    if slug and not slug_ok(slug):
        flash(_("An address may hold only lowercase letters, digits and single hyphens."))
        return render_deleted(422, article_id, slug)
    try:
        article = restore_deleted(article_id, g.editor.name, slug) if article_id <= MAX_INTEGER else None
    except (SlugTaken, IntegrityError):
        flash(_("Another article uses this address now. Choose another address to restore it under."))
        return render_deleted(409, article_id, slug)
    if article is None:
        abort(404)
    flash(
        _(
            "Restored “%(title)s” as it was when deleted.",
            title=title_of(article),
        )
    )
    return redirect(url_for(".edit", article_id=article.id), 303)
