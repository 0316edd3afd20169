"""Signing in and out, and the check that every other editor page makes.

Failed sign-ins are limited per address and per name (`rules.LOGIN_LIMIT`
within `rules.LOGIN_WINDOW`), counted in the database so the limit holds
across server processes.
"""

from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError

from ainews.editor.blueprint import bp
from ainews.editor.form_page import FORM_ENDPOINTS, form_page_keeping_text, signed_out_message
from ainews.editor.forms import ConfirmForm, LoginForm
from ainews.rules import LOGIN_LIMIT, LOGIN_WINDOW
from ainews.web import COOKIE_MAX_AGE, LANG_COOKIE
from models import Editor, EditorSession, LoginFailure

LOGIN_WINDOW_MINUTES = int(LOGIN_WINDOW.total_seconds() // 60)


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


@bp.app_errorhandler(CSRFError)
def csrf_failed(error):
    """A form without a valid token: refuse it, but never drop an article's text."""
    g.editor = EditorSession.editor_for(session.get("token"))
    if g.editor is None:
        message = signed_out_message()
    else:
        message = _(
            "This form has expired, for example because you signed in again. Your text is kept: save once more."
        )
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
        form.form_errors.append(locked_message())
        return render_template("editor/login.html", form=form), 429
    editor = Editor.authenticate(form.name.data.strip(), form.password.data)
    if editor is None:
        form.form_errors.append(_("That name and password do not match."))
        form.form_errors.extend(attempts_left_message(keys))
        return render_template("editor/login.html", form=form), 401
    LoginFailure.cancel(attempt, forget_key=keys[1])
    session.clear()  # a fresh session: nothing from before sign-in carries over
    session["token"] = EditorSession.start(editor)
    session.permanent = True
    return redirect(safe_next(form.next.data), 303)


def locked_message():
    return _("Too many failed sign-ins. Wait %(minutes)d minutes, then try again.", minutes=LOGIN_WINDOW_MINUTES)


def attempts_left_message(keys):
    """After a failed sign-in: how many tries are left when few are, or that this one paused sign-in."""
    left = LOGIN_LIMIT - max(LoginFailure.recent(key, LOGIN_WINDOW) for key in keys)
    if left <= 0:  # this attempt was the last one allowed: say so now, not at the next one
        return [
            _(
                "That was the last attempt allowed: after %(num)d failed sign-ins, sign-in is paused. "
                "Wait %(minutes)d minutes, then try again.",
                num=LOGIN_LIMIT,
                minutes=LOGIN_WINDOW_MINUTES,
            )
        ]
    if left <= 2:
        return [
            ngettext(
                "%(num)d more failed attempt pauses sign-in for %(minutes)d minutes.",
                "%(num)d more failed attempts pause sign-in for %(minutes)d minutes.",
                left,
                minutes=LOGIN_WINDOW_MINUTES,
            )
        ]
    return []


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
    response.set_cookie(
        LANG_COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure, httponly=True
    )
    return response
