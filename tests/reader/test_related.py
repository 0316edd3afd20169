"""The end of an article: related articles (most shared tags, then the newest) and previous/next."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.related import NEWEST_LINKS


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def related_titles(page):
    return [a.select_one(".title-line").get_text() for a in page.select(".related li a")]


@pytest.fixture
def tags(make_tag):
    return make_tag("robots", "Robots", "机器人"), make_tag("farms", "Farms", "农场"), make_tag("law", "Law", "法律")


def hours_ago(hours):
    return utcnow() - timedelta(hours=hours)


def test_related_articles_share_most_tags_then_are_newest(client, make_article, tags):
    robots, farms, law = tags
    make_article(slug="main", title_en="Main", tags=[robots, farms], published_at=hours_ago(50))
    make_article(slug="both-old", title_en="Both, old", tags=[robots, farms], published_at=hours_ago(90))
    make_article(slug="one-new", title_en="One, new", tags=[robots], published_at=hours_ago(2))
    make_article(slug="one-old", title_en="One, old", tags=[farms], published_at=hours_ago(70))
    make_article(slug="none", title_en="No tag shared", tags=[law], published_at=hours_ago(1))
    make_article(slug="draft", title_en="Draft", tags=[robots, farms], status="draft", published_at=None)
    make_article(slug="later", title_en="Scheduled", tags=[robots, farms], published_at=hours_ago(-5))

    page = soup(client.get("/en/articles/main"))

    assert related_titles(page) == ["Both, old", "One, new", "One, old", "No tag shared"]
    assert page.select_one(".related li a")["href"] == "/en/articles/both-old"


def test_previous_and_next_are_the_articles_published_before_and_after(client, make_article):
    for slug, hours in [("first", 30), ("second", 20), ("third", 10)]:
        make_article(slug=slug, title_en=slug.title(), published_at=hours_ago(hours))

    middle = soup(client.get("/en/articles/second"))
    first = soup(client.get("/en/articles/first"))

    assert middle.select_one('.prev-next a[rel="prev"]')["href"] == "/en/articles/first"
    assert middle.select_one('.prev-next a[rel="next"]')["href"] == "/en/articles/third"
    assert middle.select_one('.prev-next a[rel="next"]').get_text(" ", strip=True) == "Next article Third"
    assert first.select('.prev-next a[rel="prev"]') == []


def test_the_end_of_an_article_speaks_the_pages_languages(client, make_article, tags):
    make_article(slug="main", tags=[tags[0]])
    make_article(slug="other", title_en="Other", title_zh="另一篇", tags=[tags[0]], published_at=hours_ago(20))

    page = soup(client.get("/zh/articles/main?view=both"))

    assert page.select_one(".related h2").get_text(" ", strip=True) == "相关资讯 Related articles"
    lines = page.select(".related li a .title-line")
    assert [(line["lang"], line.get_text()) for line in lines] == [("zh-Hans", "另一篇"), ("en", "Other")]


def test_an_article_alone_has_no_end_sections(client, make_article):
    make_article(slug="alone")
    page = soup(client.get("/en/articles/alone"))
    assert page.select(".related") == [] and page.select(".prev-next") == []


def test_the_end_of_an_article_costs_the_same_queries_whatever_it_shows(client, make_article, tags, count_queries):
    make_article(slug="main", tags=list(tags), published_at=hours_ago(50))
    for n in range(4):
        make_article(slug=f"first-{n}", tags=[tags[n % 3]], published_at=hours_ago(40 + n))
    client.get("/en/articles/main")
    client.application.extensions["value_cache"].clear()  # related articles worked out again
    count_queries.clear()
    client.get("/en/articles/main")
    few = len(count_queries)

    for n in range(10):
        make_article(slug=f"more-{n}", tags=list(tags), published_at=hours_ago(n))
    client.get("/en/articles/main")
    client.application.extensions["value_cache"].clear()
    count_queries.clear()
    client.get("/en/articles/main")

    assert len(count_queries) == few


def test_related_articles_are_remembered_until_the_site_changes(client, make_article, tags, count_queries):
    robots = tags[0]
    make_article(slug="main", tags=[robots], published_at=hours_ago(50))
    make_article(slug="old", title_en="Old", tags=[robots], published_at=hours_ago(60))
    assert related_titles(soup(client.get("/en/articles/main"))) == ["Old"]
    links = NEWEST_LINKS.prepare()[0]

    count_queries.clear()
    assert related_titles(soup(client.get("/en/articles/main"))) == ["Old"]
    assert links not in [sql for sql, _params in count_queries]  # no tag's links read again

    make_article(slug="new", title_en="New", tags=[robots], published_at=hours_ago(1))
    count_queries.clear()
    assert related_titles(soup(client.get("/en/articles/main"))) == ["New", "Old"]
    assert links in [sql for sql, _params in count_queries]
