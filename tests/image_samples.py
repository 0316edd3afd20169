"""Images made in the test itself, good and bad, as bytes an editor would upload."""

import io
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encoded(picture, fmt, **options):
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def photo_jpeg(width=1200, height=800, orientation=None):
    """A JPEG with EXIF holding a GPS position (and an orientation, when given)."""
    picture = Image.new("RGB", (width, height), (200, 40, 40))
    picture.paste((30, 60, 200), (0, 0, width // 2, height // 4))  # a blue band at the top left
    exif = Image.Exif()
    exif[0x010F] = "Test Camera Maker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    return encoded(picture, "JPEG", exif=exif, quality=90)


def plain_png(width=640, height=360, mode="RGB"):
    return encoded(Image.new(mode, (width, height), "teal"), "PNG")


def bomb_png(side=12_000):
    """A 12,000 x 12,000 PNG of a few tens of kilobytes: one bit a pixel, all white."""
    return encoded(Image.new("1", (side, side), 1), "PNG", optimize=True)


def huge_header_png(width=60_000, height=60_000):
    """A small PNG whose header claims a huge size: the header's numbers (and checksum) rewritten."""
    data = bytearray(plain_png(8, 8))
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # over the chunk's type and data
    return bytes(data)


def animated_gif():
    frames = [Image.new("P", (120, 80), colour) for colour in (1, 2, 3)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


TEXT_AS_JPG = b"This is a note, not a picture.\n" * 20
