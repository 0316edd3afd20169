"""Atom feeds: entries in the feed's language, stable ids, conditional requests."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from models import Article

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def entries(response):
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    return root, root.findall(f"{ATOM}entry")


def test_the_chinese_feed_has_chinese_titles_and_falls_back_per_field(client, make_article):
    make_article(title_en="Both languages", title_zh="两种语言")
    make_article(title_en="English only", title_zh="", summary_zh="", published_at=utcnow() - timedelta(days=1))
    make_article(title_en="Draft", status="draft", published_at=None)
    root, items = entries(client.get("/zh/feed.xml"))
    assert root.get(XML_LANG) == "zh-Hans"
    titles = [(item.find(f"{ATOM}title").text, item.find(f"{ATOM}title").get(XML_LANG)) for item in items]
    assert titles == [("两种语言", "zh-Hans"), ("English only", "en")]
    assert items[0].find(f"{ATOM}link").get("href") == "http://localhost/zh/articles/both-languages"


def test_entry_ids_survive_edits_and_updated_follows_them(client, make_article):
    article = make_article()
    _root, before = entries(client.get("/en/feed.xml"))
    with database().connection_context():
        article.title_en = "A corrected title"
        article.updated_at = utcnow()
        article.save()
    _root, after = entries(client.get("/en/feed.xml"))
    assert before[0].find(f"{ATOM}id").text == after[0].find(f"{ATOM}id").text
    assert after[0].find(f"{ATOM}title").text == "A corrected title"
    assert after[0].find(f"{ATOM}updated").text > before[0].find(f"{ATOM}updated").text


def test_an_unchanged_feed_answers_304(client, make_article):
    article = make_article()
    first = client.get("/en/feed.xml")
    assert client.get("/en/feed.xml", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/en/feed.xml", headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    with database().connection_context():
        Article.update(version=Article.version + 1).where(Article.id == article.id).execute()
    assert client.get("/en/feed.xml", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_a_tag_feed_has_only_that_tags_articles(client, make_tag, make_article):
    tag = make_tag()
    make_article(title_en="Tagged", tags=[tag])
    make_article(title_en="Not tagged")
    root, items = entries(client.get("/en/tags/open-source/feed.xml"))
    assert [item.find(f"{ATOM}title").text for item in items] == ["Tagged"]
    assert root.find(f"{ATOM}title").text.startswith("Open Source")
    assert client.get("/en/tags/unknown/feed.xml").status_code == 404


def test_the_feed_keeps_to_the_newest_fifty(client, make_article):
    for n in range(52):
        make_article(slug=f"story-{n}", published_at=utcnow() - timedelta(minutes=n))
    _root, items = entries(client.get("/en/feed.xml"))
    assert len(items) == 50


def test_pages_link_their_feeds(client, make_tag, make_article):
    make_article(tags=[make_tag()])
    links = BeautifulSoup(client.get("/zh/tags/open-source").get_data(as_text=True), "html.parser").select(
        'link[type="application/atom+xml"]'
    )
    assert [link["href"] for link in links] == ["/zh/feed.xml", "/zh/tags/open-source/feed.xml"]


def test_an_empty_feed_is_still_valid(client):
    root, items = entries(client.get("/en/feed.xml"))
    assert items == [] and root.find(f"{ATOM}updated").text
