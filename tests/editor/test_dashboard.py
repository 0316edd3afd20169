"""The dashboard: search by title in either language, filters, counts, paging that keeps them."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from ainews.rules import DASHBOARD_PAGE, DASHBOARD_QUERY_MAX
from models import Article


def listed(client, query=""):
    response = client.get(f"/editor/?{query}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup, [row.select_one(".title-line").get_text(strip=True) for row in soup.select(".articles tbody tr")]


def tab_counts(soup):
    tabs = soup.select(".status-tabs a")
    return {tab.get_text(" ", strip=True).rsplit(" ", 1)[0]: tab.select_one(".count").get_text() for tab in tabs}


@pytest.fixture
def desk(clock, make_article, make_tag):
    """Articles of every status and state of translation, on the clock of 1 May 2026."""
    robots = make_tag("robots", "Robots", "机器人")
    make_article(title_en="Robots fold laundry", title_zh="机器人叠衣服", slug="fold", tags=[robots])
    make_article(title_en="Chips get cheaper", title_zh="芯片变便宜", slug="chips")
    make_article(title_en="Draft about robots", title_zh="", slug="draft", status="draft", published_at=None)
    make_article(
        title_en="Scheduled launch",
        title_zh="定时发布",
        slug="later",
        published_at=datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc),
    )
    make_article(title_en="Outdated one", title_zh="过时的一篇", slug="old", outdated="summary_zh")
    make_article(title_en="", title_zh="只有中文", slug="zh-only", summary_en="", analysis_en="")
    # No analysis in either language (from the API): nothing is missing a translation.
    make_article(title_en="Brief", title_zh="简讯", slug="brief", analysis_en="", analysis_zh="")


def test_search_finds_titles_in_either_language(editor_client, desk):
    assert listed(editor_client, "q=robots")[1] == ["Draft about robots", "Robots fold laundry"]
    assert listed(editor_client, "q=ROBOTS")[1] == ["Draft about robots", "Robots fold laundry"]
    assert listed(editor_client, "q=芯片")[1] == ["Chips get cheaper"]
    assert listed(editor_client, "q=100%25")[1] == []  # a % is a character, not a wildcard
    assert listed(editor_client, "q=robots%00%1b")[1] == ["Draft about robots", "Robots fold laundry"]


def test_filters_by_status_including_scheduled_with_its_date(editor_client, desk):
    soup, titles = listed(editor_client, "status=scheduled")
    assert titles == ["Scheduled launch"]
    status = soup.select_one(".articles td").get_text(" ", strip=True)
    assert "Scheduled for December 3, 2026, 09:00 UTC" in " ".join(status.split())
    assert listed(editor_client, "status=draft")[1] == ["Draft about robots"]
    assert "Scheduled launch" not in listed(editor_client, "status=published")[1]
    assert len(listed(editor_client, "status=published")[1]) == 5
    editor_client.set_cookie("lang", "zh")
    soup, _titles = listed(editor_client, "status=scheduled")
    assert "2026年12月3日 17:00" in soup.select_one(".articles td").get_text()


def test_filters_by_tag_and_translation(editor_client, desk):
    assert listed(editor_client, "tag=robots")[1] == ["Robots fold laundry"]
    assert listed(editor_client, "translation=outdated")[1] == ["Outdated one"]
    assert listed(editor_client, "translation=missing-zh")[1] == ["Draft about robots"]
    assert listed(editor_client, "translation=missing-en")[1] == ["No English title"]


def test_filters_combine_and_the_tabs_count_within_them(editor_client, desk):
    soup, titles = listed(editor_client, "q=robot&status=draft")
    assert titles == ["Draft about robots"]
    assert tab_counts(soup) == {"All": "2", "Draft": "1", "Scheduled": "0", "Published": "1"}
    assert "1 article" in soup.select_one(".result-count").get_text()
    tab = soup.select_one(".status-tabs a[aria-current]")
    assert "status=draft" in tab["href"] and "q=robot" in tab["href"]
    assert soup.find(id="dashboard-q")["value"] == "robot"


def test_an_empty_result_says_so(editor_client, desk):
    soup, titles = listed(editor_client, "q=nothing+like+this")
    assert titles == []
    assert "No articles match these filters." in soup.select_one(".empty").get_text()


def test_paging_keeps_the_filters(editor_client, make_article):
    with database().connection_context():
        Article.insert_many(
            [
                dict(slug=f"n{n}", title_en=f"Numbered {n}", status="draft", created_at=utcnow() - timedelta(minutes=n))
                for n in range(DASHBOARD_PAGE + 3)
            ]
        ).execute()
    make_article(title_en="Not numbered", slug="other")
    soup, titles = listed(editor_client, "q=numbered&status=draft")
    assert len(titles) == DASHBOARD_PAGE and titles[0] == "Numbered 0"
    assert f"{DASHBOARD_PAGE + 3} articles · page 1 of 2" in soup.select_one(".result-count").get_text()
    next_page = soup.select_one(".pager a[rel=next]")["href"]
    assert re.search(r"q=numbered", next_page) and "status=draft" in next_page and "page=2" in next_page
    soup, titles = listed(editor_client, next_page.partition("?")[2])
    assert titles == [f"Numbered {n}" for n in range(DASHBOARD_PAGE, DASHBOARD_PAGE + 3)]
    assert "page=" not in soup.select_one(".pager a[rel=prev]")["href"]


def test_the_last_change_is_a_save_never_a_publish_time(editor_client, make_article):
    make_article(title_en="Far ahead", slug="far", status="draft", published_at=utcnow() + timedelta(days=1100))
    make_article(title_en="Scheduled far", slug="sched", published_at=utcnow() + timedelta(days=1100))
    soup, _titles = listed(editor_client)
    times = [row.select("td")[3].get_text(strip=True) for row in soup.select(".articles tbody tr")]
    assert times and not any(text.startswith("in ") for text in times)


@pytest.mark.parametrize(
    "query, words",
    [
        ("status=archived", "no status"),
        ("translation=fr", "no translation filter"),
        ("tag=no-such-tag", "no tag"),
        ("tag=robots%00", "no tag"),
        (f"q={'x' * (DASHBOARD_QUERY_MAX + 1)}", f"at most {DASHBOARD_QUERY_MAX}"),
        ("page=0", ""),
        ("page=x", ""),
    ],
)
def test_bad_filters_are_a_clear_400(editor_client, desk, query, words):
    response = editor_client.get(f"/editor/?{query}")
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)


def test_bad_filters_are_explained_in_chinese(editor_client):
    editor_client.set_cookie("lang", "zh")
    response = editor_client.get("/editor/?status=archived")
    assert response.status_code == 400 and "没有“archived”这个状态" in response.get_data(as_text=True)


def test_on_a_phone_each_cell_still_says_what_it_is(editor_client, make_article):
    """The phone layout hides the table's header; the cells carry its words for the stylesheet to show."""
    make_article(hot=20, quality=47, impact=36)
    editor_client.get("/editor/language/zh")
    page = BeautifulSoup(editor_client.get("/editor/").get_data(as_text=True), "html.parser")
    scores = page.select_one("td.score-list")
    assert scores["data-label"] == "热度 · 质量 · 影响力" and scores.get_text(strip=True) == "20 · 47 · 36"
    assert page.select_one("td.score-list + td")["data-label"] == "最后保存"
