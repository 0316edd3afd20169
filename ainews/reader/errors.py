"""Error pages in the reader's language; JSON errors under /api/."""

import logging

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from ainews.api.errors import http_error
from ainews.reader.render import render_page

log = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("This address has a value the site cannot use. Check the link and try again.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved, or it was never published.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("Too much text"),
        _l(
            "What you sent is larger than the site accepts. Go back with your browser: "
            "your text is still in the form there. Shorten it and try again."
        ),
    ),
    500: (_l("Server error"), _l("Something went wrong on our side. Please try again in a moment.")),
}


def error_page(error):
    """Errors as pages in the reader's language."""
    if request.path.startswith("/api/"):
        return http_error(error)
    code = error.code or 500
    title, message = ERROR_TEXTS.get(code, ERROR_TEXTS[500 if code >= 500 else 400])
    # An editor's address that matched no route (a GET on a form's POST-only
    # address) has no blueprint yet: its path still says whose page it is.
    if request.blueprint == "editor" or request.path.startswith("/editor/"):
        return render_template("editor/message.html", title=title, message=message), code
    return error_page_text(code, title, message), code


def error_page_text(code, title, message):
    """The reader's error page; a bare one if even that cannot be rendered (the error page must not fail)."""
    g.error = True
    try:
        return render_page("reader/error.html", code=code, title=title, message=message)
    except Exception:
        log.exception("the error page failed for %s", request.path)
        return f"<!doctype html><title>{escape(title)}</title><h1>{code} {escape(title)}</h1><p>{escape(message)}</p>"
