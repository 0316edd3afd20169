"""Reader lists remembered whole, until the site's content or the minute changes.

A feed page of twenty cards costs several times a bare request (measured:
7.5 ms of CPU against 1.3 ms for /healthz), and readers ask for the same
few pages again and again between edits. On SQLite the database keeps a
change counter, bumped by triggers on every change to articles, tags and
their links, views included (`models.install_change_counter`). One read of
it tells whether a remembered page is still the page the database would
give. The minute is part of the key too, so the "12h ago" texts and
scheduled articles are at most a minute late, as they are with the page
clock anyway.

On PostgreSQL there is no counter (one shared row would make every writer
wait for every other), and pages are rendered each time.
"""
from functools import wraps

from flask import current_app, request

from i18n import current_minute
from models import content_version

# The request headers and cookies that change what a list page shows.
HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
COOKIES = ("view",)
PAGES_KEPT = 256  # a feed page is 20-40 KB: a few MB per worker


def remembered(view):
    """Decorate a list view: answer from memory while nothing it shows has changed."""

    @wraps(view)
    def remembering_view(**kwargs):
        version = content_version() if current_app.config["REMEMBER_PAGES"] else None
        if version is None:
            return view(**kwargs)
        key = (
            version, current_minute(), request.method, request.full_path, request.host_url,
            *(request.cookies.get(name) for name in COOKIES),
            *(request.headers.get(name) for name in HTMX_HEADERS),
        )
        pages = current_app.extensions["remembered_pages"]
        page = pages.get(key)
        if page is None:
            page = view(**kwargs)
            if isinstance(page, str):  # not a redirect or an error
                pages.put(key, page)
        return page

    return remembering_view
