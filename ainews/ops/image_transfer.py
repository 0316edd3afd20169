"""Images in `flask export` and `flask import`: every stored file, base64-encoded.

An export carries the files exactly as stored (already checked, cleaned and
re-encoded when they were uploaded), so an import restores them byte for
byte under the same keys. A file without "images" (an export from before
images) imports as before.
"""

import base64
import binascii

from ainews.clock import utcnow
from ainews.i18n import iso_utc, parse_iso_utc
from ainews.images import ImageFile, UploadedImage
from ainews.rules import IMAGE_MAX_BYTES, IMAGE_MAX_SIDE, UPLOADER_MAX, cover_alt_missing, image_key_ok


def export_images():
    """Every stored picture and its files, by key."""
    files = {}
    for row in ImageFile.select().order_by(ImageFile.image, ImageFile.width):
        files.setdefault(row.image_id, []).append(
            {
                "width": row.width,
                "height": row.height,
                "format": row.format,
                "data": base64.b64encode(bytes(row.data)).decode("ascii"),
            }
        )
    return [
        {
            "key": image.key,
            "width": image.width,
            "height": image.height,
            "uploaded_by": image.uploaded_by,
            "created_at": iso_utc(image.created_at),
            "files": files.get(image.key, []),
        }
        for image in UploadedImage.select().order_by(UploadedImage.key)
    ]


def image_problems(images):
    """A line per problem in the file's "images" list; empty when they can be imported."""
    if not isinstance(images, list):
        return ['"images" must be a list']
    problems = []
    for n, record in enumerate(images):
        where = f"images[{n}]"
        if not isinstance(record, dict) or not isinstance(record.get("key"), str) or not image_key_ok(record["key"]):
            problems.append(f"{where}: needs a key of 32 hexadecimal digits")
            continue
        where += f" ({record['key']})"
        if not all(size_ok(record.get(name)) for name in ("width", "height")):
            problems.append(f"{where}: width and height must be whole numbers from 1 to {IMAGE_MAX_SIDE}")
        if not isinstance(record.get("uploaded_by", ""), str) or len(record.get("uploaded_by", "")) > UPLOADER_MAX:
            problems.append(f"{where}: uploaded_by must be text of at most {UPLOADER_MAX} characters")
        files = record.get("files")
        if not isinstance(files, list) or not files or not all(file_ok(item) for item in files):
            problems.append(f"{where}: files must be a list of webp files with width, height and base64 data")
    return problems


def cover_problems(data):
    """A line per article whose cover names a picture neither the file nor the site has, or lacks alt text."""
    images = data.get("images", [])
    known = {record.get("key") for record in images if isinstance(record, dict)} if isinstance(images, list) else set()
    problems = []
    for n, record in enumerate(data["articles"]):
        if not isinstance(record, dict) or not isinstance(record.get("cover"), str) or not record["cover"]:
            continue
        where = f"articles[{n}] ({record.get('slug')})"
        on_site = UploadedImage.select().where(UploadedImage.key == record["cover"]).exists()
        if record["cover"] not in known and not on_site:
            problems.append(f"{where}: cover names an image that is neither in the file nor on the site")
        problems += [f"{where}: {name} must not be empty when there is a cover" for name in cover_alt_missing(record)]
    return problems


def size_ok(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= IMAGE_MAX_SIDE


def file_ok(item):
    if not isinstance(item, dict) or item.get("format") != "webp" or not size_ok(item.get("width")):
        return False
    return size_ok(item.get("height")) and decoded(item.get("data")) is not None


def decoded(text):
    if not isinstance(text, str) or len(text) > IMAGE_MAX_BYTES * 2:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def import_images(images):
    """Store the pictures the site does not have yet (a key names the same picture everywhere). Returns how many."""
    created = 0
    for record in images:
        if UploadedImage.get_or_none(UploadedImage.key == record["key"]) is not None:
            continue
        image = UploadedImage.create(
            key=record["key"],
            width=record["width"],
            height=record["height"],
            uploaded_by=record.get("uploaded_by", ""),
            created_at=parse_iso_utc(record.get("created_at")) or utcnow(),
        )
        for item in record["files"]:
            ImageFile.create(
                image=image, width=item["width"], height=item["height"], format="webp", data=decoded(item["data"])
            )
        created += 1
    return created
