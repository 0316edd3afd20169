"""HTTP caching and compression: ETags and 304s, static fingerprints, gzip and brotli."""

import gzip
import hashlib
import os
import re
from datetime import datetime, timezone

import brotli
import pytest

from ainews.db import database
from app import create_app
from conftest import htmx, sign_in
from models import Article

ARTICLE = "/en/articles/open-models-reach-the-classroom"


def decoded(response):
    """The body as the browser reads it, whatever its Content-Encoding."""
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None
    return body


def static_urls(client):
    html = client.get("/en/").get_data(as_text=True)
    return dict(re.findall(r'"/static/([^"?]+)\?v=([0-9a-f]+)"', html))


# Pages and fragments --------------------------------------------------------------


def test_feed_answers_304_when_unchanged_and_200_after_a_change(client, make_article):
    make_article()
    first = client.get("/en/")
    assert first.status_code == 200
    assert "Open models reach the classroom" in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "no-cache"

    again = client.get("/en/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag

    make_article(title_en="A second story", slug="a-second-story")
    changed = client.get("/en/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "A second story" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_a_remembered_page_has_the_etag_of_its_body(app, make_article):
    """Kept with the page, the ETag is the one the page rendered afresh gets: servers with and
    without the page cache (or before and after a restart) agree."""
    make_article()
    client = app.test_client()
    rendered = client.get("/en/")
    remembered = client.get("/en/")  # from the page cache, not hashed again
    app.config["CACHE_PAGES"] = False
    afresh = client.get("/en/")
    assert remembered.get_data() == rendered.get_data() == afresh.get_data()
    assert remembered.headers["ETag"] == rendered.headers["ETag"] == afresh.headers["ETag"]
    assert remembered.headers["ETag"] == f'W/"{hashlib.sha256(afresh.get_data()).hexdigest()[:32]}"'


@pytest.mark.parametrize(
    "first_encoding, second_encoding",
    [
        ("br", "br"),
        ("gzip", "gzip"),
        ("br", "gzip"),
        ("gzip", ""),
    ],
)
def test_304_through_the_compressed_path(client, make_article, first_encoding, second_encoding):
    make_article()
    plain = client.get("/en/")
    compressed = client.get("/en/", headers={"Accept-Encoding": first_encoding})
    assert (plain.status_code, compressed.status_code) == (200, 200)
    assert "Open models reach the classroom" in plain.get_data(as_text=True)
    assert compressed.headers["Content-Encoding"] == first_encoding
    assert len(compressed.get_data()) < len(plain.get_data())
    assert decoded(compressed) == plain.get_data()
    # The validator names the content, not its encoding.
    assert compressed.headers["ETag"] == plain.headers["ETag"]
    assert "Accept-Encoding" in compressed.headers["Vary"]

    revalidated = client.get(
        "/en/",
        headers={
            "Accept-Encoding": second_encoding,
            "If-None-Match": compressed.headers["ETag"],
        },
    )
    assert revalidated.status_code == 304
    assert revalidated.get_data() == b""
    assert "Content-Encoding" not in revalidated.headers


def test_htmx_fragments_have_their_own_etags(client, make_article):
    make_article()
    url = "/en/articles/open-models-reach-the-classroom/card?show=zh"
    fragment = client.get(url, headers=htmx())
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert "开源模型走进课堂" in fragment.get_data(as_text=True)
    assert {"HX-Request", "HX-Target", "Cookie"} <= set(fragment.headers["Vary"].replace(" ", "").split(","))
    assert client.get(url, headers=htmx(**{"If-None-Match": fragment.headers["ETag"]})).status_code == 304

    load_more = client.get("/en/?page=1", headers=htmx(**{"HX-Target": "load-more"}))
    page = client.get("/en/?page=1")
    assert (load_more.status_code, page.status_code) == (200, 200)
    # "Load more" gets the cards alone; the page gets them inside the whole page.
    assert "<html" not in load_more.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    for response in (load_more, page):
        assert 'id="card-open-models-reach-the-classroom"' in response.get_data(as_text=True)
    assert load_more.headers["ETag"] != page.headers["ETag"]
    # The whole page is not what "load more" has: asking with its ETag gets the page.
    whole = client.get("/en/?page=1", headers={"If-None-Match": load_more.headers["ETag"]})
    assert whole.status_code == 200
    assert whole.get_data() == page.get_data()


def test_clock_answers_304_while_the_times_read_the_same(client, clock):
    clock.now = datetime(2020, 1, 1, 3, 0, tzinfo=timezone.utc)
    url = "/en/times?t=2020-01-01T00:00:00Z"
    first = client.get(url, headers=htmx())
    assert first.status_code == 200
    assert first.get_data(as_text=True).strip() == (
        """<span hx-swap-oob="innerHTML:time[datetime='2020-01-01T00:00:00Z']:lang(en)">3h ago</span>"""
    )
    clock.advance(minutes=20)  # still "3h ago"
    again = client.get(url, headers=htmx(**{"If-None-Match": first.headers["ETag"]}))
    assert again.status_code == 304
    assert again.get_data() == b""
    clock.advance(minutes=40)  # 4:00: "ago" is a floor, so now it reads 4h
    later = client.get(url, headers=htmx(**{"If-None-Match": first.headers["ETag"]}))
    assert later.status_code == 200
    assert ">4h ago</span>" in later.get_data(as_text=True)


def test_article_page_is_not_conditional_and_counts_every_view(client, make_article):
    article = make_article()
    first = client.get(ARTICLE)
    assert first.status_code == 200
    assert "1 view<" in first.get_data(as_text=True)
    assert "ETag" not in first.headers
    second = client.get(ARTICLE, headers={"If-None-Match": '"anything"', "Accept-Encoding": "gzip"})
    assert second.status_code == 200
    assert "2 views" in decoded(second).decode()
    with database().connection_context():
        assert Article.get_by_id(article.id).views == 2


def test_front_door_varies_on_language_and_cookie(client):
    response = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/zh/")
    assert {"Accept-Language", "Cookie"} <= set(response.headers["Vary"].replace(" ", "").split(","))
    assert "ETag" not in response.headers


def test_editor_pages_are_never_cached_or_compressed(editor_client):
    response = editor_client.get("/editor/new", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert 'id="article-form"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
    assert "Content-Encoding" not in response.headers


def test_sign_in_page_is_not_compressed(client, make_editor):
    make_editor()
    login = client.get("/editor/login", headers={"Accept-Encoding": "gzip"})
    assert login.status_code == 200
    assert 'name="csrf_token"' in login.get_data(as_text=True)
    assert "Content-Encoding" not in login.headers
    assert sign_in(client).status_code == 303


def test_compression_can_be_left_to_a_proxy(app, make_article):
    make_article()
    app = create_app(dict(app.config, COMPRESS=False))
    client = app.test_client()
    page = client.get("/en/", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200
    assert "Content-Encoding" not in page.headers
    assert "Open models reach the classroom" in page.get_data(as_text=True)
    response = client.get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    with open(os.path.join(app.static_folder, "vendor/htmx.min.js"), "rb") as f:
        assert response.get_data() == f.read()


def test_atom_feed_is_compressed_and_conditional(client, make_article):
    for n in range(5):
        make_article(title_en=f"Story {n}", slug=f"story-{n}")
    feed = client.get("/en/feed.xml", headers={"Accept-Encoding": "gzip"})
    assert feed.status_code == 200
    assert feed.headers["Content-Encoding"] == "gzip"
    assert decoded(feed).startswith(b"<?xml")
    assert b">Story 4</title>" in decoded(feed)
    again = client.get("/en/feed.xml", headers={"Accept-Encoding": "gzip", "If-None-Match": feed.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


# Static files ----------------------------------------------------------------------


def test_pages_link_static_files_by_content_hash(client, app):
    urls = static_urls(client)
    assert {"style.css", "app.js", "vendor/htmx.min.js"} <= set(urls)
    for name, fingerprint in urls.items():
        with open(os.path.join(app.static_folder, name), "rb") as f:
            assert fingerprint == hashlib.sha256(f.read()).hexdigest()[:12]


@pytest.mark.parametrize("name", ["style.css", "app.js", "vendor/htmx.min.js"])
def test_fingerprinted_static_files_are_cached_for_a_year(client, name):
    fingerprint = static_urls(client)[name]
    response = client.get(f"/static/{name}?v={fingerprint}")
    assert response.status_code == 200
    with open(os.path.join(client.application.static_folder, name), "rb") as f:
        assert response.get_data() == f.read()
    cache = response.cache_control
    assert (cache.public, cache.max_age, cache.immutable, cache.no_cache) == (True, 31536000, True, None)


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_other_static_urls_get_a_short_cache(client, query):
    response = client.get(f"/static/style.css{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_missing_static_file_is_not_cached(client):
    response = client.get("/static/nothing.css")
    assert response.status_code == 404
    assert "max-age" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.parametrize("name", ["style.css", "app.js", "vendor/htmx.min.js"])
def test_static_files_are_compressed(client, app, name, encoding):
    response = client.get(f"/static/{name}?v={static_urls(client)[name]}", headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    with open(os.path.join(app.static_folder, name), "rb") as f:
        assert decoded(response) == f.read()


def test_static_files_answer_304_through_the_compressed_path(client):
    url = f"/static/style.css?v={static_urls(client)['style.css']}"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    assert first.status_code == 200
    assert first.headers["Content-Encoding"] == "br"
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
