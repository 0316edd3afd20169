"""Images editors upload: checked, cleaned, re-encoded and stored in the database.

An upload is accepted only when Pillow decodes it whole as one of
`rules.IMAGE_FORMATS` within the byte and pixel limits; its name and the
type the browser claims are never trusted. What is kept is not the upload
but the picture: turned upright by its EXIF orientation, colours converted
to sRGB, every piece of metadata (EXIF, GPS, XMP, ICC, comments) left
behind, re-encoded as WebP at the widths of `rules.IMAGE_WIDTHS` that are
not wider than the picture (and at its own width when that is smaller).

The bytes live in the database (`image` and `image_file`), not on disk:
several app servers on one PostgreSQL see the same images, and backups and
exports carry them with no extra step. An image is named by a hash of its
pixels, so the same picture uploaded twice is stored once, and its files
never change under their name (served with a year's cache). Images are
never deleted automatically.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import BlobField, CharField, ForeignKeyField, IntegerField
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ainews import rules
from ainews.clock import utcnow
from ainews.db import BaseModel, write_transaction
from ainews.fields import UTCDateTimeField

FORMAT = "webp"  # what every stored file is
MEDIA_TYPE = "image/webp"

# Pillow refuses (DecompressionBombError) above twice this and warns above
# it; both are refusals here, and the header's size is checked first anyway.
Image.MAX_IMAGE_PIXELS = rules.IMAGE_MAX_PIXELS

MAX_SIDE_TEXT = f"{rules.IMAGE_MAX_SIDE:,}"

# Why an upload was refused, in the editor's (or API client's) language.
PROBLEMS = {
    "empty": _l("The file is empty."),
    "too_big": _l("The image is larger than %(size)s.", size=rules.IMAGE_MAX_TEXT),
    "not_image": _l("This file is not an image the site accepts (JPEG, PNG, WebP, GIF or AVIF)."),
    "too_many_pixels": _l(
        "The image is too large: at most %(pixels)s pixels in all and %(side)s pixels a side.",
        pixels=f"{rules.IMAGE_MAX_PIXELS:,}",
        side=MAX_SIDE_TEXT,
    ),
    "broken": _l("The image is damaged or cut short: it cannot be read."),
}


class ImageRefused(ValueError):
    """An upload that is not stored; `problem` is a key of PROBLEMS."""

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem

    @property
    def message(self):
        return PROBLEMS[self.problem]


class UploadedImage(BaseModel):
    """One picture: its content key and its size after turning it upright."""

    key = CharField(primary_key=True, max_length=rules.IMAGE_KEY_LENGTH)
    width = IntegerField()
    height = IntegerField()
    uploaded_by = CharField(max_length=rules.UPLOADER_MAX, default="")  # an editor's or a token's name
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "image"

    def height_at(self, width):
        return max(1, round(self.height * width / self.width))

    @property
    def widths(self):
        return stored_widths(self.width)


class ImageFile(BaseModel):
    """One encoding of a picture, at one width."""

    image = ForeignKeyField(UploadedImage, backref="files", on_delete="CASCADE")  # its key
    width = IntegerField()
    height = IntegerField()
    format = CharField(max_length=10, default=FORMAT)
    data = BlobField()

    class Meta:
        table_name = "image_file"
        indexes = ((("image", "width", "format"), True),)


@dataclass
class Processed:
    key: str
    width: int
    height: int
    files: dict  # width: WebP bytes


def stored_widths(width):
    """The widths a picture `width` pixels wide is stored at: never wider than it is."""
    return [w for w in rules.IMAGE_WIDTHS if w < width] + [min(width, rules.IMAGE_WIDTHS[-1])]


def file_path(key, width):
    """Where a stored file is served (ainews/media.py), as a path."""
    return f"/media/{key}-{width}.{FORMAT}"


def file_srcset(image):
    """Every stored width of a picture, for an <img srcset>."""
    return ", ".join(f"{file_path(image.key, width)} {width}w" for width in image.widths)


def decode(data):
    """The first frame of an accepted image, fully decoded; ImageRefused otherwise."""
    if not data:
        raise ImageRefused("empty")
    if len(data) > rules.IMAGE_MAX_BYTES:
        raise ImageRefused("too_big")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=rules.IMAGE_FORMATS) as probe:
                check_size(*probe.size)
                probe.verify()  # the file's structure and checksums, without decoding
            picture = Image.open(io.BytesIO(data), formats=rules.IMAGE_FORMATS)
            picture.seek(0)  # an animation: its first frame
            picture.load()
        except UnidentifiedImageError:
            raise ImageRefused("not_image") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused("too_many_pixels") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
            raise ImageRefused("broken") from None
    return picture


def check_size(width, height):
    if width * height > rules.IMAGE_MAX_PIXELS or max(width, height) > rules.IMAGE_MAX_SIDE:
        raise ImageRefused("too_many_pixels")


SRGB = ImageCms.createProfile("sRGB")


def cleaned(picture):
    """Upright, in sRGB, RGB or RGBA, with no metadata left."""
    icc = picture.info.get("icc_profile")
    picture = ImageOps.exif_transpose(picture)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    mode = "RGBA" if has_alpha else "RGB"
    if icc and picture.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            picture = ImageCms.profileToProfile(picture, source, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile that cannot be read: the colours as they are
    # A fresh image of the pixels alone: no EXIF, XMP, ICC or comment can follow.
    converted = picture.convert(mode)
    bare = Image.new(mode, converted.size)
    bare.paste(converted)
    return bare


def process(data):
    """Decode, clean and encode an upload at every stored width. ImageRefused if it is not accepted."""
    picture = cleaned(decode(data))
    width, height = picture.size
    key = hashlib.sha256(f"{picture.mode} {width}x{height} ".encode() + picture.tobytes()).hexdigest()
    files = {}
    for target in stored_widths(width):
        size = (target, max(1, round(height * target / width)))
        resized = picture if target == width else picture.resize(size, Image.LANCZOS)
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=rules.IMAGE_QUALITY, method=4)
        files[target] = out.getvalue()
    return Processed(key[: rules.IMAGE_KEY_LENGTH], width, height, files)


def store(data, uploaded_by=""):
    """Process an upload and keep it (once, whoever uploads it again); its UploadedImage."""
    processed = process(data)
    with write_transaction():
        existing = UploadedImage.get_or_none(UploadedImage.key == processed.key)
        if existing is not None:
            return existing
        return save_processed(processed, uploaded_by)


def save_processed(processed, uploaded_by="", created_at=None):
    image = UploadedImage.create(
        key=processed.key,
        width=processed.width,
        height=processed.height,
        uploaded_by=uploaded_by[: rules.UPLOADER_MAX],
        created_at=created_at or utcnow(),
    )
    for width, data in processed.files.items():
        ImageFile.create(image=image, width=width, height=image.height_at(width), format=FORMAT, data=data)
    return image


def find_image(key):
    """The stored image with this key, or None (any string may be asked about)."""
    if not isinstance(key, str) or not rules.image_key_ok(key):
        return None
    return UploadedImage.get_or_none(UploadedImage.key == key)


def image_file(key, width):
    """The bytes of one stored file, or None."""
    if not rules.image_key_ok(key):
        return None
    row = (
        ImageFile.select(ImageFile.data)
        .where((ImageFile.image == key) & (ImageFile.width == width) & (ImageFile.format == FORMAT))
        .first()
    )
    return bytes(row.data) if row else None


def image_sizes(keys):
    """{key: UploadedImage} for the keys that name stored images: one query for all."""
    keys = [key for key in set(keys) if isinstance(key, str) and rules.image_key_ok(key)]
    if not keys:
        return {}
    return {image.key: image for image in UploadedImage.select().where(UploadedImage.key.in_(keys))}
