"""/media/<key>-<width>.webp: the stored bytes, cached for a year, and 404 for anything else."""

import io

import image_samples as samples
import pytest
from PIL import Image

from ainews import images
from ainews.db import database


@pytest.fixture
def stored(app):
    with database().connection_context():
        return images.store(samples.photo_jpeg(1200, 800), "alice")


def test_each_width_is_served_with_long_lived_caching(client, stored):
    for width in stored.widths:
        response = client.get(f"/media/{stored.key}-{width}.webp")
        assert response.status_code == 200
        assert response.content_type == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        cache = response.cache_control
        assert cache.public and cache.max_age == 365 * 24 * 3600 and cache.immutable
        assert response.headers["ETag"] == f'"{stored.key}-{width}"'
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "img-src 'self'" in response.headers["Content-Security-Policy"]
        picture = Image.open(io.BytesIO(response.data))
        assert picture.width == width and not picture.getexif()


def test_a_known_etag_gets_304(client, stored):
    url = f"/media/{stored.key}-{stored.widths[0]}.webp"
    response = client.get(url, headers={"If-None-Match": f'"{stored.key}-{stored.widths[0]}"'})
    assert response.status_code == 304 and not response.data


def test_the_bare_key_leads_to_the_widest_file(client, stored):
    response = client.get(f"/media/{stored.key}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/media/{stored.key}-{stored.widths[-1]}.webp")


@pytest.mark.parametrize(
    "name",
    ["0" * 32 + "-480.webp", "0" * 32, "{key}-481.webp", "{key}-480.png", "{key}-0480.webp", "../{key}-480.webp"],
)
def test_unknown_files_are_404(client, stored, name):
    assert client.get("/media/" + name.format(key=stored.key)).status_code == 404
