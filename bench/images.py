"""What an upload costs: decoding, cleaning and encoding time, and the bytes stored.

    .venv/bin/python bench/images.py [--repeat 3]

Makes pictures in memory (a 12-megapixel photo-like JPEG with EXIF and GPS,
a 1600 x 900 one, a 800 x 400 PNG chart), runs each through
`ainews.images.process` (what every upload does before its rows are
written), and prints the median time and the bytes of each stored width.
The baseline in the same run is Pillow's plain decode of the same bytes,
so the ratio says what cleaning and re-encoding add on this machine. Then
it runs each refused sample of the tests and prints what it got.
"""

import argparse
import io
import os
import statistics
import sys
import time

from PIL import Image

sys.path[:0] = [os.path.join(os.path.dirname(__file__), ".."), os.path.join(os.path.dirname(__file__), "..", "tests")]

import image_samples as samples  # noqa: E402

from ainews import images  # noqa: E402


def photo(width, height):
    """A picture with detail at every scale (a Mandelbrot set in three channels) and a little grain."""
    fractal = Image.effect_mandelbrot((width, height), (-2.2, -1.2, 1.0, 1.2), 120)
    channels = (
        fractal,
        fractal.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        fractal.transpose(Image.Transpose.ROTATE_180),
    )
    grain = Image.effect_noise((width, height), 12).convert("RGB")
    picture = Image.blend(Image.merge("RGB", channels), grain, 0.15)
    exif = Image.Exif()
    exif.get_ifd(samples.GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0)})
    return samples.encoded(picture, "JPEG", quality=88, exif=exif)


def timed(work, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    uploads = {
        "photo 4000x3000 JPEG": photo(4000, 3000),
        "photo 1600x900 JPEG": photo(1600, 900),
        "chart 800x400 PNG": samples.plain_png(800, 400),
    }
    for name, data in uploads.items():
        baseline, _ = timed(lambda data=data: Image.open(io.BytesIO(data)).load(), args.repeat)
        seconds, result = timed(lambda data=data: images.process(data), args.repeat)
        stored = {width: len(file) for width, file in result.files.items()}
        print(
            f"{name}: {len(data) / 1024:.0f} KB uploaded; process {seconds * 1000:.0f} ms "
            f"({seconds / baseline:.1f}x a plain decode); stored {sum(stored.values()) / 1024:.0f} KB: "
            + ", ".join(f"{width} px {size / 1024:.0f} KB" for width, size in stored.items())
        )
    refused = {
        "zero bytes": b"",
        "text named .jpg": samples.TEXT_AS_JPG,
        "12,000 x 12,000 PNG": samples.bomb_png(),
        "60,000 x 60,000 header, 8 x 8 data": samples.huge_header_png(),
        "PNG cut at 300 bytes": samples.plain_png()[:300],
    }
    for name, data in refused.items():
        seconds, problem = timed(lambda data=data: refusal(data), args.repeat)
        print(f"{name} ({len(data):,} bytes): refused as {problem} in {seconds * 1000:.1f} ms")


def refusal(data):
    try:
        images.process(data)
    except images.ImageRefused as refused:
        return refused.problem
    return "ACCEPTED"


if __name__ == "__main__":
    main()
