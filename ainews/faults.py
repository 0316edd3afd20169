"""When the database cannot do what a request needs: one answer, in every area.

A full disk, a read-only file, a lock held past the busy timeout or a
database server that is down raise Peewee's DatabaseError from wherever
the request was. Readers keep being served by reads; a request that needed
the failed write (or read) gets a 503 with Retry-After, in the user's
language, and loses nothing typed: an editor's article form comes back
with every value posted, the API answers JSON, any other page says so.
/healthz reports the last write failure of this process.
"""

import logging
import time

from flask import g, render_template, request
from flask_babel import gettext as _
from peewee import DatabaseError

from ainews.api.errors import json_response
from ainews.editor.form_page import FORM_ENDPOINTS, form_page_keeping_text
from ainews.reader.errors import error_page_text

RETRY_AFTER_SECONDS = 60
log = logging.getLogger(__name__)
_last_failure = {"at": None, "what": ""}


def init_app(app):
    app.register_error_handler(DatabaseError, cannot_complete)


def cannot_complete(error):
    """The 503 answer to a request the database could not complete."""
    log.warning("database error on %s %s: %s", request.method, request.path, error, exc_info=error)
    _last_failure.update(at=time.monotonic(), what=str(error).splitlines()[0][:200] if str(error) else "")
    body, status = answer(error)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def answer(error):
    if request.path.startswith("/api/"):
        message = _("The site cannot save right now. Try again in a few minutes.")
        return json_response({"errors": {"request": message}}, 503), 503
    if request.method == "POST" and request.endpoint in FORM_ENDPOINTS:
        message = _(
            "The site cannot save right now. Nothing you typed is lost: it is below. Try again in a few minutes."
        )
        try:
            return form_page_keeping_text(message, 503)
        except DatabaseError:
            # Not even reads work: the posted text alone, to copy.
            return render_template("editor/unsaved.html", message=message, fields=posted_text()), 503
    title, message = _("Cannot do this now"), _("The site cannot save right now. Try again in a few minutes.")
    if request.blueprint == "editor":
        g.editor = g.get("editor")
        return render_template("editor/message.html", title=title, message=message), 503
    return error_page_text(503, title, message), 503


def posted_text():
    """The posted fields with text in them, as (name, value) pairs, the CSRF token left out."""
    return [(name, value) for name, value in request.form.items() if value.strip() and name != "csrf_token"]


def write_health():
    """None while writes work (as far as this process knows), else what failed and how long ago."""
    if _last_failure["at"] is None or time.monotonic() - _last_failure["at"] > RETRY_AFTER_SECONDS:
        return None
    return {"error": _last_failure["what"], "seconds_ago": round(time.monotonic() - _last_failure["at"])}
