"""What search engines and chat apps read: robots.txt, the sitemap, OpenGraph and JSON-LD."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.reader import feeds

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_robots_keeps_crawlers_out_of_the_editor(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert "Disallow: /editor/" in response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in response.get_data(as_text=True)


def test_sitemap_lists_every_published_article_in_both_languages_with_alternates(client, make_article):
    make_article(slug="visible", updated_at=utcnow())
    make_article(slug="draft", status="draft", published_at=None)
    make_article(slug="later", published_at=utcnow() + timedelta(days=1))
    index = ET.fromstring(client.get("/sitemap.xml").data)
    parts = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert parts == ["http://localhost/sitemaps/1.xml"]
    urls = ET.fromstring(client.get("/sitemaps/1.xml").data).findall(f"{SITEMAP}url")
    locs = [url.find(f"{SITEMAP}loc").text for url in urls]
    assert locs == [
        "http://localhost/en/",
        "http://localhost/zh/",
        "http://localhost/en/articles/visible",
        "http://localhost/zh/articles/visible",
    ]
    alternates = {link.get("hreflang"): link.get("href") for link in urls[3].findall(f"{XHTML}link")}
    assert alternates == {
        "en": "http://localhost/en/articles/visible",
        "zh-Hans": "http://localhost/zh/articles/visible",
    }
    assert urls[3].find(f"{SITEMAP}lastmod").text.endswith("Z")
    assert client.get("/sitemaps/2.xml").status_code == 404


def test_sitemap_splits_into_parts(client, make_article, monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_ARTICLES", 2)
    for n in range(5):
        make_article(slug=f"story-{n}")
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert len(list(index.iter(f"{SITEMAP}loc"))) == 3
    seen = []
    for part in (1, 2, 3):
        root = ET.fromstring(client.get(f"/sitemaps/{part}.xml").data)
        seen += [url.find(f"{SITEMAP}loc").text for url in root.findall(f"{SITEMAP}url")]
    articles = [loc for loc in seen if "/articles/" in loc]
    assert len(articles) == 10 and len(set(articles)) == 10


def test_articles_carry_localized_opengraph_and_json_ld(client, make_tag, make_article):
    make_article(slug="shared", tags=[make_tag()])
    for lang, locale, other, title in (
        ("en", "en_US", "zh_CN", "Open models reach the classroom"),
        ("zh", "zh_CN", "en_US", "开源模型走进课堂"),
    ):
        page = BeautifulSoup(client.get(f"/{lang}/articles/shared").get_data(as_text=True), "html.parser")
        meta = {tag.get("property") or tag.get("name"): tag["content"] for tag in page.select("meta[content]")}
        assert meta["og:title"] == title and meta["twitter:title"] == title
        assert meta["og:locale"] == locale and meta["og:locale:alternate"] == other
        assert meta["og:url"] == f"http://localhost/{lang}/articles/shared"
        assert meta["og:type"] == "article" and meta["twitter:card"] == "summary"
        data = json.loads(page.find("script", type="application/ld+json").string)
        assert data["@type"] == "NewsArticle" and data["headline"] == title
        assert data["inLanguage"] == ("en" if lang == "en" else "zh-Hans")
        assert data["keywords"] == (["Open Source"] if lang == "en" else ["开源"])


def test_json_ld_cannot_be_closed_by_article_text(client, make_article):
    make_article(slug="sneaky", title_en="</script><script>alert(1)</script>")
    html = client.get("/en/articles/sneaky").get_data(as_text=True)
    assert "</script><script>alert(1)" not in html
