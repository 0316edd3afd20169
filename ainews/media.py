"""Serving uploaded images: /media/<key>-<width>.webp, from the database.

A file's name holds the hash of its picture and its width, so what is
served under a name never changes: browsers and proxies may keep it for a
year without asking again. `/media/<key>` (the address editors write in
Markdown) leads to the widest file.
"""

import re

from flask import Blueprint, abort, current_app, redirect, request, url_for

from ainews.images import FORMAT, MEDIA_TYPE, find_image, image_file
from ainews.rules import IMAGE_KEY_PATTERN

bp = Blueprint("media", __name__, url_prefix="/media")

FILE_NAME = re.compile(rf"({IMAGE_KEY_PATTERN})-([1-9][0-9]{{0,4}})\.{FORMAT}")
YEAR = 365 * 24 * 3600


def media_url(key, width, **options):
    return url_for("media.image", name=f"{key}-{width}.{FORMAT}", **options)


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
