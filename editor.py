"""The editors' side of the site: sign-in, the dashboard and the article form.

Every page here needs a signed-in editor except the sign-in page itself.
The interface follows the reader's language choice (the `lang` cookie, else
Accept-Language); `/editor/language/<code>` switches it.
"""
import hashlib
import json
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint, abort, flash, g, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from peewee import fn

from forms import ARTICLE_FIELD_LABELS, FIELD_LABELS, MAX_TAGS, ArticleForm, ConfirmForm, LoginForm, find_or_make_tags, tags_text
from i18n import HTML_LANGS, LANG_NAMES, LANGS, absolute_text, local_input_text, other_lang
from models import (
    SCORES, TEXT_COLUMNS, TRANSLATED_FIELDS, Article, EditConflict, Editor, EditorSession, LoginFailure, Tag,
    attach_tags, save_article, utcnow, write_transaction,
)
from web import COOKIE_MAX_AGE, LANG_COOKIE, current_lang, page_number

bp = Blueprint("editor", __name__, url_prefix="/editor")

LOGIN_LIMIT = 5                    # failed sign-ins allowed per address and per name…
LOGIN_WINDOW = timedelta(minutes=10)  # …within this window
DASHBOARD_PAGE = 50
# POSTs that carry an article's text: if they fail before saving, the text is
# shown again rather than dropped.
FORM_ENDPOINTS = ("editor.new", "editor.edit")


STATE_NAMES = {"draft": _l("Draft"), "scheduled": _l("Scheduled"), "published": _l("Published")}


@bp.context_processor
def editor_context():
    lang = current_lang()
    return dict(
        lang=lang, html_lang=HTML_LANGS[lang], view="one", fragment=False,
        article_state=article_state, STATE_NAMES=STATE_NAMES, field_name=field_name,
        outdated_names=outdated_names,
    )


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
    return ", ".join(field_name(name) for name in article.outdated.split())


# Who is signed in --------------------------------------------------------------

@bp.before_request
def require_editor():
    g.editor = EditorSession.editor_for(session.get("token"))
    if g.editor is not None or request.endpoint in ("editor.login", "editor.language"):
        return None
    if request.method == "POST" and request.endpoint in FORM_ENDPOINTS:
        return form_page_keeping_text(signed_out_message(), 401)
    if request.htmx:
        return render_template("editor/_message.html", message=signed_out_message(), login_url=url_for(".login")), 401
    return redirect(url_for(".login", next=request.full_path.rstrip("?")))


def signed_out_message():
    return _("You are signed out. Your text stays here: sign in again in a new tab, then save.")


@bp.app_errorhandler(CSRFError)
def csrf_failed(error):
    """A form without a valid token: refuse it, but never drop an article's text."""
    g.editor = EditorSession.editor_for(session.get("token"))
    if g.editor is None:
        message = signed_out_message()
    else:
        message = _("This form has expired, for example because you signed in again. Your text is kept: save once more.")
    if request.endpoint in FORM_ENDPOINTS:
        return form_page_keeping_text(message, 400)
    login_url = url_for(".login") if g.editor is None else None
    if request.htmx:
        return render_template("editor/_message.html", message=message, login_url=login_url), 400
    return render_template("editor/message.html", title=_("Form expired"), message=message), 400


def safe_next(target):
    """`target` if it is a path on this site, else the dashboard (no open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not any(ord(c) < 32 for c in target):
            return target
    return url_for(".dashboard")


def client_address():
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if g.editor is not None and request.method == "GET":
        return redirect(safe_next(form.next.data))
    if not form.validate_on_submit():
        return render_template("editor/login.html", form=form), 422 if form.is_submitted() else 200
    keys = [f"ip:{client_address()}", f"name:{form.name.data.strip().lower()}"[:120]]
    attempt = LoginFailure.reserve(keys, LOGIN_LIMIT, LOGIN_WINDOW)
    if attempt is None:
        form.form_errors.append(_("Too many failed sign-ins. Wait 10 minutes, then try again."))
        return render_template("editor/login.html", form=form), 429
    editor = Editor.authenticate(form.name.data.strip(), form.password.data)
    if editor is None:
        form.form_errors.append(_("That name and password do not match."))
        left = LOGIN_LIMIT - max(LoginFailure.recent(key, LOGIN_WINDOW) for key in keys)
        if 0 < left <= 2:
            form.form_errors.append(ngettext(
                "%(num)d more failed attempt pauses sign-in for 10 minutes.",
                "%(num)d more failed attempts pause sign-in for 10 minutes.", left))
        return render_template("editor/login.html", form=form), 401
    LoginFailure.cancel(attempt, forget_key=keys[1])
    session.clear()  # a fresh session: nothing from before sign-in carries over
    session["token"] = EditorSession.start(editor)
    session.permanent = True
    return redirect(safe_next(form.next.data), 303)


@bp.post("/logout")
def logout():
    """End this browser's session on the server, so a copied cookie stops working."""
    if ConfirmForm().validate_on_submit():
        EditorSession.end(session["token"])
        session.clear()
    return redirect(url_for(".login"), 303)


@bp.get("/language/<any(en, zh):code>")
def language(code):
    """Switch the editor interface's language, then go back where the editor was."""
    response = redirect(safe_next(request.args.get("next")), 303)
    response.set_cookie(LANG_COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax",
                        secure=request.is_secure, httponly=True)
    return response


# Dashboard -------------------------------------------------------------------

@bp.get("/")
def dashboard():
    """Every article, drafts included, the most recently changed first."""
    page = page_number()
    last_change = fn.COALESCE(Article.updated_at, Article.published_at, Article.created_at)
    rows = list(
        Article.select().order_by(last_change.desc(), Article.id.desc())
        .offset((page - 1) * DASHBOARD_PAGE).limit(DASHBOARD_PAGE + 1)
    )
    if not rows and page > 1:
        abort(404)
    return render_template(
        "editor/dashboard.html", articles=rows[:DASHBOARD_PAGE], page=page,
        has_next=len(rows) > DASHBOARD_PAGE,
    )


# The article form ------------------------------------------------------------

def form_text(article, lang):
    """Each field of a stored article as the form shows it: the text a browser posts back."""
    text = {f"{field}_{code}": getattr(article, f"{field}_{code}")
            for field in TRANSLATED_FIELDS for code in LANGS}
    text.update({name: str(getattr(article, name)) for name in SCORES})
    text.update(
        slug=article.slug, ai_generated="y" if article.ai_generated else "", status=article.status,
        published_at=local_input_text(article.published_at, lang), tags=tags_text(article.tags),
    )
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
    article = Article.get_or_none(Article.id == article_id) or abort(404)
    attach_tags([article])
    return article


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A blank form; saving it creates the article."""
    form = ArticleForm(article=None, lang=current_lang(), data={"category_en": "AI News", "category_zh": "AI资讯"})
    return article_form(Article(), form)


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
def edit(article_id):
    article = load_article(article_id)
    form = ArticleForm(article=article, lang=current_lang(), data=initial_data(article, current_lang()))
    return article_form(article, form)


def article_form(article, form):
    """Show the form, or save it: the one handler behind "new" and "edit"."""
    if request.method == "POST" and request.form.get("action") == "preview":
        form.validate()  # the preview button, for editors without JavaScript: nothing is saved
        return render_form(form, article)
    if not form.validate_on_submit():
        return render_form(form, article, 422 if form.is_submitted() else 200)
    values = form.article_values()
    if request.form.get("action") == "unpublish":
        values["status"] = "draft"
    checked = [name for name in request.form.getlist("checked") if name in TEXT_COLUMNS]
    tags = find_or_make_tags(form.tag_entries())
    try:
        saved = save_article(article, values, tags, form.submitted_version(), checked)
    except EditConflict as conflict:
        merged, rows = merge_conflict(conflict.current)
        return render_form(merged, conflict.current, 409, conflict=rows)
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


def render_form(form, article, status=200, **extra):
    """The form page. After a refused save it says the text is not saved yet,
    so the browser warns before the editor leaves, and focuses the first bad field."""
    existing_tags = Tag.select().order_by(Tag.name_en) if g.editor else []
    first_error = next((field.name for field in form if field.errors), None)
    return render_template(
        "editor/form.html", form=form, article=article, existing_tags=existing_tags,
        preview=preview_article(article, form), preview_langs=preview_langs(request.form.get("preview_show")),
        unsaved=request.method == "POST", first_error=first_error, **extra,
    ), status


def form_page_keeping_text(message, status):
    """The form again with what was posted, when it could not be saved."""
    article = Article()
    if g.editor is not None and request.view_args.get("article_id"):
        article = load_article(request.view_args["article_id"])
    form = ArticleForm(article=article, lang=current_lang())
    return render_form(form, article, status, notice=message)


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
    except ValueError:
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
        "editor/_preview.html", form=form, preview=preview_article(article, form),
        preview_langs=preview_langs(request.form.get("preview_show")),
    )


def preview_langs(show):
    """Content languages of the preview: one of them, or both led by the interface's."""
    lang = current_lang()
    return [show] if show in LANGS else [lang, other_lang(lang)]


def preview_article(stored, form):
    """An unsaved article holding what the form says, good values only."""
    article = Article(**{name: getattr(stored, name) for name in ("id", "views", "updated_at", "outdated")})
    for field in TRANSLATED_FIELDS:
        for code in LANGS:
            setattr(article, f"{field}_{code}", getattr(form, f"{field}_{code}").data or "")
    for name in SCORES:
        value = getattr(form, name).data
        setattr(article, name, value if isinstance(value, int) and 0 <= value <= 100 else 0)
    article.ai_generated = bool(form.ai_generated.data)
    article.published_at = form.publish_time() or stored.published_at or utcnow()
    typed_slug = form.slug.data if not form.slug.errors else None
    article.slug = typed_slug or stored.slug or Article.base_slug(article.title_en, article.title_zh)
    article.tags = find_or_make_tags(form.tag_entries()[:MAX_TAGS])
    return article


# Deleting --------------------------------------------------------------------

@bp.route("/<int:article_id>/delete", methods=["GET", "POST"])
def delete(article_id):
    """Ask first; delete on the confirming POST."""
    article = load_article(article_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with write_transaction():
            article.delete_instance()
        flash(_("Deleted “%(title)s”.", title=article.title_en or article.title_zh))
        return redirect(url_for(".dashboard"), 303)
    return render_template("editor/delete.html", article=article, form=form)
