"""Serving uploaded images: /media/<key>-<width>.webp, from the database.

A file's name holds the hash of its picture and its width, so what is
served under a name never changes: browsers and proxies may keep it for a
year without asking again. `/media/<key>` (the address editors write in
Markdown) leads to the widest file.
"""

import re

from flask import Blueprint, abort, current_app, redirect, request, url_for

from ainews import rules
from ainews.cache import LRU
from ainews.images import FORMAT, MEDIA_TYPE, file_srcset, find_image, image_file
from ainews.rules import IMAGE_KEY_PATTERN

bp = Blueprint("media", __name__, url_prefix="/media")

FILE_NAME = re.compile(rf"({IMAGE_KEY_PATTERN})-([1-9][0-9]{{0,4}})\.{FORMAT}")
YEAR = 365 * 24 * 3600


def init_app(app):
    """The blueprint, and what templates need to show a stored picture."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        stored_image=stored_image,
        media_url=media_url,
        srcset=file_srcset,
        cover_alt=cover_alt,
        EAGER_CARDS=rules.EAGER_CARDS,
        IMAGE_MAX_BYTES=rules.IMAGE_MAX_BYTES,
        IMAGE_MAX_TEXT=rules.IMAGE_MAX_TEXT,
        CARD_IMAGE_SIZES=rules.CARD_IMAGE_SIZES,
        ARTICLE_IMAGE_SIZES=rules.ARTICLE_IMAGE_SIZES,
    )


def media_url(key, width, **options):
    return url_for("media.image", name=f"{key}-{width}.{FORMAT}", **options)


# Pictures by key. A key names the same picture forever, so a found one is
# kept; a key not found is asked again next time (it may be imported later).
IMAGES = LRU(4096)


def stored_image(key):
    """The stored picture with this key (its size and widths), or None."""
    if not key:
        return None
    image = IMAGES.get(key)
    if image is None:
        image = find_image(key)
        if image is not None:
            IMAGES.put(key, image)
    return image


def cover_alt(article, lang):
    """The cover's description in `lang`, else in the other language."""
    return getattr(article, f"cover_alt_{lang}") or article.cover_alt_en or article.cover_alt_zh


@bp.get("/<name>")
def image(name):
    """One stored file, or (for a bare key) a redirect to the widest one."""
    found = FILE_NAME.fullmatch(name)
    if found is None:
        picture = find_image(name)
        if picture is None:
            abort(404)
        return redirect(media_url(picture.key, picture.widths[-1]), 301)
    key, width = found.group(1), int(found.group(2))
    etag = f"{key}-{width}"
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        data = image_file(key, width)
        if data is None:
            abort(404)
        response = current_app.response_class(data, mimetype=MEDIA_TYPE)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response
