"""A visible feed link on lists, and a way to share an article with no third party involved."""

from bs4 import BeautifulSoup


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_feed_and_tag_pages_show_their_atom_feed(client, make_article, make_tag):
    make_article(tags=[make_tag()])

    feed = soup(client.get("/en/")).select_one(".list-head .feed-link")
    tag = soup(client.get("/zh/tags/open-source")).select_one(".list-head .feed-link")

    assert (feed["href"], feed["type"], feed.get_text()) == ("/en/feed.xml", "application/atom+xml", "Atom feed")
    assert (tag["href"], tag.get_text()) == ("/zh/tags/open-source/feed.xml", "Atom 订阅源")
    assert client.get(feed["href"]).status_code == 200 and client.get(tag["href"]).status_code == 200


def test_an_article_offers_its_link_to_share(client, make_article):
    make_article(slug="tides", title_en="Tides", title_zh="潮汐")

    page = soup(client.get("/zh/articles/tides?view=both"))
    share = page.select_one(".share")

    assert share["data-share-url"] == "http://localhost/zh/articles/tides"
    assert share["data-share-title"] == "潮汐 · Tides"
    assert share["data-copied"] == "链接已复制 · Link copied"
    assert share.select_one("a.permalink")["href"] == share["data-share-url"]  # all there is without JavaScript
    assert "js-only" in share.select_one(".share-copy")["class"]
    assert share.select_one(".share-native").has_attr("hidden")  # shown by app.js where the browser can share


def test_sharing_brings_in_nothing_from_elsewhere(client, make_article):
    make_article(slug="tides")
    page = soup(client.get("/en/articles/tides"))
    for element in page.select("script[src], link[href], img[src], iframe"):
        address = element.get("src") or element.get("href")
        assert address.startswith("/") or address.startswith("http://localhost/"), element
