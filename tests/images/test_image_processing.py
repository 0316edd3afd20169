"""What an upload becomes: only real images within limits, upright, without metadata, WebP at set widths."""

import io

import image_samples as samples
import pytest
from PIL import Image

from ainews import images, rules

IMAGE_FILE_FORMAT = "WEBP"


def opened(data):
    return Image.open(io.BytesIO(data))


def test_a_photo_is_stored_as_webp_at_each_width_not_wider_than_it_is():
    result = images.process(samples.photo_jpeg(1200, 800))
    assert (result.width, result.height) == (1200, 800)
    expected = [w for w in rules.IMAGE_WIDTHS if w < 1200] + [1200]
    assert sorted(result.files) == expected
    for width, data in result.files.items():
        picture = opened(data)
        assert picture.format == IMAGE_FILE_FORMAT
        assert picture.size == (width, round(800 * width / 1200))
    assert rules.image_key_ok(result.key)


def test_a_small_picture_is_never_enlarged():
    result = images.process(samples.plain_png(300, 200))
    assert list(result.files) == [300]


def test_exif_and_gps_are_gone():
    data = samples.photo_jpeg()
    assert samples.GPS_IFD in opened(data).getexif().get_ifd(samples.GPS_IFD) or opened(data).getexif()
    for stored in images.process(data).files.values():
        picture = opened(stored)
        assert not picture.getexif()
        assert "exif" not in picture.info and "icc_profile" not in picture.info and "xmp" not in picture.info
        assert b"Exif" not in stored and b"Test Camera" not in stored


def test_orientation_is_applied_then_dropped():
    # Orientation 6: the camera was turned; the picture shows rotated 90 degrees.
    result = images.process(samples.photo_jpeg(1200, 800, orientation=6))
    assert (result.width, result.height) == (800, 1200)
    picture = opened(result.files[max(result.files)]).convert("RGB")
    # The blue band at the top left of the sensor is now at the top right.
    top_right = picture.getpixel((picture.width - 5, 5))
    assert top_right[2] > 150 and top_right[0] < 100


def test_same_picture_same_key_whatever_its_metadata():
    assert images.process(samples.photo_jpeg()).key == images.process(samples.photo_jpeg()).key


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (samples.TEXT_AS_JPG, "not_image"),
        (samples.bomb_png(), "too_many_pixels"),
        (samples.huge_header_png(), "too_many_pixels"),
        (samples.plain_png()[:300], "broken"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not_image"),
    ],
    ids=["zero-bytes", "text-named-jpg", "bomb-12000", "huge-header", "truncated", "png-signature-only"],
)
def test_refused(data, problem):
    with pytest.raises(images.ImageRefused) as refused:
        images.process(data)
    assert refused.value.problem == problem


def test_the_bomb_is_small_on_disk_and_refused_before_decoding():
    data = samples.bomb_png()
    assert len(data) < rules.IMAGE_MAX_BYTES  # only the pixel limit can catch it
    with pytest.raises(images.ImageRefused):
        images.decode(data)


def test_over_the_byte_limit_is_refused_unread():
    with pytest.raises(images.ImageRefused) as refused:
        images.process(b"\xff" * (rules.IMAGE_MAX_BYTES + 1))
    assert refused.value.problem == "too_big"


def test_an_animated_gif_keeps_its_first_frame():
    result = images.process(samples.animated_gif())
    picture = opened(result.files[120])
    assert getattr(picture, "n_frames", 1) == 1
    assert picture.size == (120, 80)


def test_transparency_is_kept():
    picture = Image.new("RGBA", (200, 100), (0, 128, 128, 255))
    picture.paste((0, 0, 0, 0), (0, 0, 50, 50))
    result = images.process(samples.encoded(picture, "PNG"))
    assert opened(result.files[200]).mode == "RGBA"


def test_store_keeps_one_copy(db):
    first = images.store(samples.plain_png(), "alice")
    again = images.store(samples.plain_png(), "bob")
    assert first.key == again.key and again.uploaded_by == "alice"
    assert images.ImageFile.select().where(images.ImageFile.image == first.key).count() == len(first.widths)
    assert images.image_file(first.key, first.widths[-1])[:4] == b"RIFF"
    assert images.image_file(first.key, 12345) is None
    assert images.find_image("../etc/passwd") is None
