"""Request helpers shared by the reader and editor pages."""

import re

from flask import abort, g, request

from ainews.i18n import lang_from_header
from ainews.rules import DEFAULT_LANG, LANGS, MAX_PAGE

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
    raw = request.args.get("page", "1")
    if not (re.fullmatch(r"[1-9][0-9]*", raw) and len(raw) <= len(str(MAX_PAGE)) and int(raw) <= MAX_PAGE):
        abort(400)
    return int(raw)


def page_count(total, per_page):
    """How many pages `total` items fill; an empty list still has its first page."""
    return max(1, -(-total // per_page))
