"""HTTP caching and compression.

- Reader pages and htmx fragments carry a weak ETag (a hash of the body
  before compression) and answer 304 when the browser has that body already.
- Static files are linked with a fingerprint of their content
  (`/static/style.css?v=…`), so those URLs can be cached for a year.
- HTML, XML, JSON, CSS and JavaScript are compressed with brotli or gzip
  (Flask-Compress), except the editors' pages.
"""

import hashlib
import os

from flask import current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join

from ainews.cache import body_etag, memo

YEAR = 365 * 24 * 3600
# A static URL without its fingerprint (an old page, a hand-typed link)
# may change under the same name at the next deployment.
UNFINGERPRINTED_MAX_AGE = 300

# Pages whose body depends only on the URL, the language and view cookies
# and the htmx headers (all in Vary). Not the article page: it counts a view
# and shows the count, so it changes with every load.
CONDITIONAL_ENDPOINTS = {
    "reader.feed",
    "reader.tags",
    "reader.tag",
    "reader.search_page",
    "reader.card",
    "reader.times",
    "feeds.robots",
    "feeds.sitemap",
    "feeds.sitemap_part",
}


def init_app(app):
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config["COMPRESS_REGISTER"] = False  # compress_response decides
    app.extensions["compress"] = Compress(app)
    # Flask runs after-request functions last-registered first: headers,
    # then the ETag and its 304, then compression of what is left.
    app.after_request(compress_response)
    app.after_request(cache_response)
    app.url_defaults(add_fingerprint)


# Static files ----------------------------------------------------------------


def add_fingerprint(endpoint, values):
    """`url_for('static', filename=…)` gets `v=` a hash of the file's content."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        fingerprint = static_fingerprint(values["filename"])
        if fingerprint:
            values["v"] = fingerprint


def static_fingerprint(filename):
    """A short hash of a static file's content, or None if there is no such file."""
    path = safe_join(current_app.static_folder, filename)
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    if stat is None:
        return None
    # Keyed by modification time and size, so an edited file gets a new hash
    # without a restart, and the file is read once otherwise.
    return file_hash(path, stat.st_mtime_ns, stat.st_size)


@memo(64)
def file_hash(path, _mtime, _size):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def cache_static(response):
    """A year, immutable, for a URL with the file's current fingerprint; minutes otherwise.

    A fingerprint that is not the file's current one (a page from another
    version of the site) gets the short cache too, so no wrong content is
    kept for a year.
    """
    fingerprinted = request.args.get("v") == static_fingerprint(request.view_args["filename"])
    response.cache_control.no_cache = None  # Flask's default for files
    response.cache_control.public = True
    response.cache_control.max_age = YEAR if fingerprinted else UNFINGERPRINTED_MAX_AGE
    if fingerprinted:
        response.cache_control.immutable = True
    if response.is_streamed:
        # Read the (small) file into memory: Flask-Compress then compresses
        # it whole, with a Content-Length, instead of as a stream.
        chunks = response.response
        try:
            body = b"".join(chunks)
        finally:
            chunks.close()
        response.direct_passthrough = False
        response.set_data(body)
    return response


# Pages -------------------------------------------------------------------------


def cache_response(response):
    if request.endpoint == "static":
        return cache_static(response) if response.status_code in (200, 304) else response
    if request.blueprint == "media":
        return response  # the same bytes for everyone, cached a year (ainews/media.py)
    # HX-Target: "load more" and the search box get a block of the page.
    response.vary.update(["HX-Request", "HX-Target", "Cookie"])
    if request.endpoint in CONDITIONAL_ENDPOINTS and request.method in ("GET", "HEAD") and response.status_code == 200:
        # Weak: the same validator stands for the body whether it is sent
        # compressed or not, so a 304 works through any Content-Encoding.
        # A remembered page or frame brings its body's (`body_etag`), hashed once.
        etag = getattr(response, "body_etag", None) or body_etag(response.get_data())
        response.set_etag(etag, weak=True)
        response.cache_control.no_cache = True  # keep it, but ask before using it
        response.make_conditional(request)
    return response


def compress_response(response):
    """Compress, except editors' pages.

    Those hold the CSRF token beside text the editor typed; compressing
    both together would let an attacker who sees the sizes of HTTPS
    responses guess the token (BREACH). They are small anyway.
    """
    if request.blueprint == "editor" or not current_app.config["COMPRESS"]:
        return response
    return current_app.extensions["compress"].after_request(response)
