"""Absolute URLs come from the configured SITE_URL, never from the Host header a request brings."""

import re

import pytest

from app import create_app
from conftest import database_url

EVIL = {"Host": "evil.example"}


@pytest.fixture
def site(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path), "SITE_URL": "https://news.example"}
    )
    return app.test_client()


def absolute_urls(text):
    return re.findall(r"(?:https?:)?//[^\s\"'<>]+", text)


@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/zh/?view=both",
        "/en/articles/open-models",
        "/en/feed.xml",
        "/sitemap.xml",
        "/sitemaps/1.xml",
        "/robots.txt",
        "/api/v1/articles?limit=1",
        "/api/v1/openapi.json",
        "/en/nope",
    ],
)
def test_every_absolute_url_names_the_configured_site(site, make_article, url):
    make_article(slug="open-models")
    make_article(slug="second")
    response = site.get(url, headers=EVIL)
    text = response.get_data(as_text=True)
    assert "evil.example" not in text
    own = [found for found in absolute_urls(text) if "news.example" in found]
    assert own or url in ("/en/nope",), text[:500]
    assert all(found.startswith("https://news.example/") for found in own)


def test_the_atom_ids_use_the_site_host(site, make_article):
    make_article(slug="open-models")
    assert "tag:news.example,2026:" in site.get("/en/feed.xml", headers=EVIL).get_data(as_text=True)


def test_trusted_hosts_refuse_other_hosts(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path), "TRUSTED_HOSTS": ["news.example"]}
    )
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "news.example"}).status_code == 200
    assert client.get("/en/", headers=EVIL).status_code == 400


def test_production_needs_a_site_url(tmp_path, monkeypatch):
    base = {"SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path), "ENV_NAME": "production"}
    with pytest.raises(RuntimeError, match="SITE_URL must be set"):
        create_app(base)
    with pytest.raises(RuntimeError, match="no path"):
        create_app({**base, "SITE_URL": "news.example/path"})


def test_api_next_links_use_the_site(site, make_article):
    for slug in ("a", "b"):
        make_article(slug=slug)
    data = site.get("/api/v1/articles?limit=1", headers=EVIL).get_json()
    assert data["next"].startswith("https://news.example/api/v1/articles?")
