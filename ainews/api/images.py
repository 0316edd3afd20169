"""POST /api/v1/images: a pipeline uploads a picture, then names its key as an article's cover."""

from flask import request, url_for
from flask_babel import gettext as _

from ainews.api.blueprint import bp
from ainews.api.errors import ApiError, json_response
from ainews.api.tokens import require_token
from ainews.images import FORMAT, ImageRefused, store
from ainews.rules import IMAGE_KEY_PATTERN, IMAGE_WIDTHS


@bp.post("/images")
def upload_image():
    """Store the picture sent as the multipart field `image`; its key, size and files."""
    token = require_token()
    upload = request.files.get("image")
    if upload is None:
        raise ApiError(400, {"image": _("Send the picture as the multipart/form-data field 'image'.")})
    try:
        image = store(upload.read(), token.name)
    except ImageRefused as refused:
        raise ApiError(422, {"image": str(refused.message)}) from None
    return json_response(image_json(image), 201)


def image_json(image):
    return {
        "key": image.key,
        "width": image.width,
        "height": image.height,
        "markdown": f"![](/media/{image.key})",
        "files": [
            {
                "width": width,
                "height": image.height_at(width),
                "url": url_for("media.image", name=f"{image.key}-{width}.{FORMAT}", _external=True),
            }
            for width in image.widths
        ],
    }


# What the upload answers, for the OpenAPI document (ainews/api/openapi.py).
IMAGE_SCHEMA = {
    "type": "object",
    "required": ["key", "width", "height", "markdown", "files"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "pattern": f"^{IMAGE_KEY_PATTERN}$", "description": "Name it as an article's cover."},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "markdown": {"type": "string", "description": "To show it in an analysis; write the alt text in the brackets."},
        "files": {
            "type": "array",
            "description": f"The stored WebP files, at {', '.join(map(str, IMAGE_WIDTHS))} pixels wide or less.",
            "items": {
                "type": "object",
                "required": ["width", "height", "url"],
                "additionalProperties": False,
                "properties": {
                    "width": {"type": "integer"},
                    "height": {"type": "integer"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
        },
    },
}
