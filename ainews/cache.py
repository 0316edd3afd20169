"""Every in-process cache of the site, one implementation, one word: cache.

All of them are bounded LRU caches (cachetools' `LRUCache` behind a lock),
so no cache can grow without limit in a long-lived worker, except one plain
bounded dict:

- `memo(size)`: a decorator for pure functions (labels, times,
  translations catalogs, static fingerprints).
- `Bounded(size)`: a dict emptied when full, for the URLs a page builds
  (about forty per page), where a locked LRU's cost showed in profiles.
- the page cache: whole reader list pages (feed, tag, tags), valid while
  the site's content and the minute stay the same, one per app (each app
  has its own database): see `cached_page`.
- `CARDS`: rendered cards, keyed by everything the card template reads: see
  `template_key` and `reader.render.render_cards`.
- `FRAMES`: list pages without their cards, keyed by everything the page is
  rendered from: see `reader.render.framed`; `CARD_LISTS`: their cards, as
  one piece: see `reader.render.list_cards`.

The database keeps a change counter, bumped by triggers on every change
to articles, tags and their links, views aside (`schema.install_change_counter`;
on PostgreSQL a sum of rows that writers update at commit without waiting
for each other). One read of it tells whether a cached page is still the
page the database would give, whichever process or server wrote last. On
PostgreSQL each process hears of changes instead, with no read per request
(`ainews/changes.py`), and reads the counter only while it cannot listen. The
minute is part of the key too, so scheduled articles and view counts are
at most a minute late; and a page is served only until the first of its
"12h ago" texts would change, so it never shows a time late.
"""

import hashlib
import re
import threading
from datetime import datetime, timezone
from functools import wraps

from cachetools import LRUCache, cached
from cachetools.keys import hashkey
from flask import current_app, request
from jinja2 import meta
from peewee import Model

from ainews.clock import current_minute, text_changes_at, utcnow
from ainews.db import database
from ainews.schema import content_version


class LRU:
    """A bounded, thread-safe least-recently-used cache: get() and put()."""

    def __init__(self, size):
        self.entries, self.lock = LRUCache(maxsize=size), threading.Lock()

    def get(self, key):
        with self.lock:
            return self.entries.get(key)

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value

    def clear(self):
        with self.lock:
            self.entries.clear()


class Bounded:
    """A dict emptied when full: for values asked for very often, from a small set.

    A look-up costs a third of the locked LRU's (no lock: a dict's get and
    set are atomic in CPython; no reordering). When the set outgrows
    `size` it starts again from nothing, which is still a bound.
    """

    def __init__(self, size):
        self.entries, self.size = {}, size

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value):
        if len(self.entries) >= self.size:
            self.entries.clear()
        self.entries[key] = value
        return value

    def clear(self):
        self.entries.clear()


def memo(size):
    """Cache a pure function's results by its arguments, at most `size` of them."""
    return cached(LRUCache(maxsize=size), lock=threading.Lock())


# Pages -------------------------------------------------------------------------

PAGES_KEPT = 256  # a feed page is 20-40 KB: a few MB per worker
# The request headers and cookies that change what a list page shows.
PAGE_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
PAGE_COOKIES = ("view",)


# Values worked out from what the site holds (`while_unchanged`): an article
# page's related articles, four models holding about 30 KB of text (100,000
# generated articles): under 20 MB per worker with Python's strings. Keys
# hold the minute, so it is the most read articles' that stay.
VALUES_KEPT = 256


def init_app(app):
    app.extensions["page_cache"] = LRU(PAGES_KEPT)
    app.extensions["value_cache"] = LRU(VALUES_KEPT)


def site_address():
    """The scheme and host a request came to, which a page's absolute links are made of.

    Part of the key of everything cached per site address. request.host_url
    says the same, but builds and unquotes a URL for it at every request.
    """
    return request.scheme, request.host


def cache_version():
    """What cached pages and values are keyed by: the change counter, or on PostgreSQL what the
    listener heard. None when nothing is to be cached (CACHE_PAGES off, or no counter)."""
    if not current_app.config["CACHE_PAGES"]:
        return None
    db = database()
    listener = getattr(db, "changes", None) if current_app.config["LISTEN_FOR_CHANGES"] else None
    version = listener.version() if listener is not None else None
    return content_version(db) if version is None else version


def while_unchanged(key, compute):
    """compute(), kept under `key` while the site is unchanged and for the minute at most, as pages are.

    Views are not changes (NOT_CONTENT): models kept here show counts up
    to a minute old, as lists do.
    """
    version = cache_version()
    if version is None:
        return compute()
    key = (key, version, current_minute())
    values = current_app.extensions["value_cache"]
    value = values.get(key)
    if value is None:
        value = compute()
        values.put(key, value)
    return value


def cached_page(view):
    """Decorate a list view: answer from the cache while nothing it shows has changed."""

    @wraps(view)
    def caching_view(**kwargs):
        version = cache_version()
        if version is None:
            return view(**kwargs)
        key = (
            version,
            current_minute(),
            request.method,
            request.full_path,
            site_address(),
            *(request.cookies.get(name) for name in PAGE_COOKIES),
            *(request.headers.get(name) for name in PAGE_HEADERS),
        )
        pages = current_app.extensions["page_cache"]
        now = utcnow()
        body, etag, good_until = pages.get(key) or (None, None, None)
        if body is None or (good_until is not None and now >= good_until):
            page = current_app.make_response(view(**kwargs))
            if page.status_code != 200:  # a redirect
                return page
            body = page.get_data()
            etag = getattr(page, "body_etag", None) or body_etag(body)
            good_until = times_good_until(body.decode(), now)
            pages.put(key, (body, etag, good_until))
        # Kept encoded and with its ETag (for http_cache), so a remembered page is not hashed again.
        response = current_app.response_class(body, mimetype="text/html")
        response.body_etag = etag
        return response

    return caching_view


def body_etag(body):
    """A page's validator: a hash of its body before compression (SHA-256, which processors hash
    in hardware: a third faster than BLAKE2b on a 50 KB page)."""
    return hashlib.sha256(body).hexdigest()[:32]


# The relative times a page shows, as time_tag() writes them.
RELATIVE_TIME = re.compile(r'<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"[^>]*\bdata-relative\b')


def times_good_until(page, now):
    """When the first relative time on `page` ("12h ago") will read differently, or None.

    A cached page is served only until then, so its times are as right as a
    fresh page's whenever it is served, and the page clock, once a minute,
    keeps them right after that.
    """
    moments = {datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") for stamp in RELATIVE_TIME.findall(page)}
    return min((text_changes_at(moment.replace(tzinfo=timezone.utc), now) for moment in moments), default=None)


# Cards -------------------------------------------------------------------------

CARDS = LRU(1024)  # about 50 pages of cards; each entry holds the card and its article's text, 10-20 KB
# Pages without their cards (`render.framed`), 5-10 KB, each with the last page made
# from it (up to 60 KB): 8 MB at most per worker.
FRAMES = LRU(128)
# A list page's cards as one piece, with the rows they were made from (`render.list_cards`):
# 100-200 KB each, 13 MB at most per worker.
CARD_LISTS = LRU(64)


@memo(16)
def template_inputs(environment, name):
    """The names a template reads from its context (its includes' and imports' too).

    Found in the template's source by Jinja itself, so a new variable in the
    template joins every cache key built from this, with no list to keep.
    """
    source, _filename, _uptodate = environment.loader.get_source(environment, name)
    tree = environment.parse(source)
    names = set(meta.find_undeclared_variables(tree))
    for included in meta.find_referenced_templates(tree):
        if included:
            names |= template_inputs(environment, included)
    return frozenset(names)


PLAIN = (str, int, float, bool, type(None))


def frozen(value):
    """A hashable stand-in for a context value: models by their columns (and tags), lists as tuples."""
    if type(value) in PLAIN:
        return value
    if isinstance(value, Model):
        tags = getattr(value, "tags", None)
        return (type(value).__name__, tuple(value.__data__.items()), frozen(tags) if tags is not None else None)
    if isinstance(value, (list, tuple)):
        return tuple(frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    hash(value)  # anything else must be hashable as it is, or this fails loudly
    return value


_read_names = {}  # (environment, template name): its inputs, sorted; a template's source is fixed once loaded


def template_key(environment, name, context, variables, ambient):
    """The cache key of template `name` rendered with `context` (a mapping) and `variables` added.

    Every value the template reads is part of it, except the environment's
    globals (functions and constants of the process); what those functions
    read besides their arguments (the page language, the site's address,
    the clock) comes in as `ambient`. The key hashes once, however often
    it is looked up.
    """
    names = _read_names.get((environment, name))
    if names is None:
        names = _read_names[environment, name] = tuple(sorted(template_inputs(environment, name)))
    values = []
    for var in names:
        value = variables[var] if var in variables else context.get(var)
        if value is not environment.globals.get(var):
            values.append((var, frozen(value)))
    return hashkey(name, tuple(values), ambient)
