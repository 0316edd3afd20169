"""Request helpers shared by the reader and editor pages."""

import re
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from htmx_flask.requests import HtmxAwareRequest
from werkzeug.datastructures import ImmutableMultiDict

from ainews.i18n import lang_from_header
from ainews.rules import DEFAULT_LANG, LANGS, MAX_PAGE, UPLOAD_REQUEST_MAX_BYTES

# The start of every reader URL: its language.
LANG_PREFIX = f"/<any({', '.join(LANGS)}):lang>"
LANG_COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def current_lang():
    """The page's language: its URL prefix, else (for other URLs) what the reader prefers."""
    lang = g.get("lang")  # one look-up: a page asks about fifty times
    if lang is None:
        prefix = request.path.split("/")[1]
        lang = g.lang = prefix if prefix in LANGS else preferred_lang()
    return lang


def preferred_lang():
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie
    return lang_from_header(request.accept_languages) or DEFAULT_LANG


def wants_fragment():
    """An htmx swap gets a fragment; boosted links and history restores get pages."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page_number():
    """?page=N, a whole number from 1 to MAX_PAGE; anything else is a 400."""
    number = whole_page(request.args.get("page", "1"))
    if number is None:
        abort(400)
    return number


def page_range(most):
    """?page=N, or ?page=A-B (pages A to B: what infinite scroll had loaded), as (A, B).

    More than `most` pages keep the last ones, where the reader was. A range
    that is not one (B before A, a page 0) is a 400.
    """
    first_text, dash, last_text = request.args.get("page", "1").partition("-")
    first = whole_page(first_text)
    last = whole_page(last_text) if dash else first
    if first is None or last is None or last < first:
        abort(400)
    return max(first, last - most + 1), last


def whole_page(text):
    """A page number from 1 to MAX_PAGE written plainly, or None."""
    if re.fullmatch(r"[1-9][0-9]*", text) and len(text) <= len(str(MAX_PAGE)) and int(text) <= MAX_PAGE:
        return int(text)
    return None


def page_count(total, per_page):
    """How many pages `total` items fill; an empty list still has its first page."""
    return max(1, -(-total // per_page))


def site_host():
    """The site's host name: the configured SITE_URL's, else (in development) the request's."""
    return urlsplit("//" + (current_app.config["SERVER_NAME"] or request.host)).hostname


# Routes whose requests may carry an image: the article form and the uploads.
UPLOAD_ENDPOINTS = ("editor.new", "editor.edit", "editor.upload_image", "api.upload_image")


class RequestValues(ImmutableMultiDict):
    """Werkzeug's query arguments, forms and cookies, whose get() of a missing name raises and catches an
    HTTP error inside; a page asks for a dozen missing ones (?view=, ?sort=, ?page=…)."""

    def get(self, key, default=None, type=None):  # noqa: A002 # Werkzeug's signature
        if key not in self:
            return default
        return super().get(key, default, type)


class SiteRequest(HtmxAwareRequest):
    """htmx-flask's request (request.htmx), with room for an image on the routes that take one.

    Other routes keep MAX_CONTENT_LENGTH.
    """

    parameter_storage_class = RequestValues
    dict_storage_class = RequestValues

    @property
    def max_content_length(self):
        if self.endpoint in UPLOAD_ENDPOINTS:
            return UPLOAD_REQUEST_MAX_BYTES
        return super().max_content_length
