"""Times that read right: "ago" counted in whole units, pages never late, exact dates with their zone."""

from datetime import datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup

from ainews import clock
from ainews.clock import text_changes_at
from ainews.i18n import relative_text
from conftest import htmx

NOW = datetime(2026, 11, 29, 8, 0, 5, tzinfo=timezone.utc)


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def frozen_clock(monkeypatch):
    """The site's clock stopped at NOW; `frozen_clock.advance(seconds=…)` moves it."""

    class Frozen(datetime):
        moment = NOW

        @classmethod
        def now(cls, tz=None):
            return cls.moment.astimezone(tz)

        @classmethod
        def advance(cls, **delta):
            cls.moment += timedelta(**delta)

    monkeypatch.setattr(clock, "datetime", Frozen)
    return Frozen


@pytest.mark.parametrize(
    "age, en, zh",
    [
        (timedelta(seconds=59), "just now", "刚刚"),
        (timedelta(seconds=60), "1m ago", "1分钟前"),
        (timedelta(seconds=90), "1m ago", "1分钟前"),
        (timedelta(seconds=119), "1m ago", "1分钟前"),
        (timedelta(seconds=120), "2m ago", "2分钟前"),
        (timedelta(minutes=59, seconds=59), "59m ago", "59分钟前"),
        (timedelta(minutes=60), "1h ago", "1小时前"),
        (timedelta(minutes=90), "1h ago", "1小时前"),
        (timedelta(minutes=119), "1h ago", "1小时前"),
        (timedelta(hours=23, minutes=59), "23h ago", "23小时前"),
        (timedelta(hours=24), "1d ago", "1天前"),
        (timedelta(days=6, hours=23), "6d ago", "6天前"),
        (timedelta(days=7), "1w ago", "1周前"),
        (timedelta(days=29), "4w ago", "4周前"),
        (timedelta(days=30), "1mo ago", "1个月前"),
        (timedelta(days=364), "12mo ago", "12个月前"),
        (timedelta(days=365), "1y ago", "1年前"),
        (-timedelta(minutes=10, seconds=30), "in 10m", "10分钟后"),
    ],
)
def test_ago_is_a_floor(age, en, zh):
    assert relative_text(NOW - age, "en", now=NOW) == en
    assert relative_text(NOW - age, "zh", now=NOW) == zh


@pytest.mark.parametrize(
    "age, changes_in",
    [
        (timedelta(seconds=0), timedelta(seconds=60)),  # "just now" → "1m ago"
        (timedelta(seconds=50), timedelta(seconds=10)),
        (timedelta(seconds=90), timedelta(seconds=30)),  # "1m ago" → "2m ago"
        (timedelta(minutes=59, seconds=30), timedelta(seconds=30)),  # "59m ago" → "1h ago"
        (timedelta(hours=5, minutes=20), timedelta(minutes=40)),
        (timedelta(days=29), timedelta(days=1)),  # "4w ago" → "1mo ago", not "5w ago"
        (-timedelta(minutes=10, seconds=30), timedelta(seconds=30)),  # "in 10m" → "in 9m"
    ],
)
def test_when_a_relative_time_next_reads_differently(age, changes_in):
    moment = NOW - age
    assert text_changes_at(moment, NOW) == NOW + changes_in
    just_before = NOW + changes_in - timedelta(microseconds=1)
    assert relative_text(moment, "en", now=just_before) == relative_text(moment, "en", now=NOW)
    if age >= timedelta(0):
        assert relative_text(moment, "en", now=NOW + changes_in) != relative_text(moment, "en", now=NOW)


def test_the_page_clock_answers_in_whole_units(client, frozen_clock):
    stamp = (NOW - timedelta(seconds=119)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = soup(client.get("/en/times", query_string={"t": stamp}, headers=htmx()))
    assert page.select_one("span[hx-swap-oob]").get_text() == "1m ago"


def test_a_remembered_page_is_not_served_once_a_time_on_it_has_moved_on(client, make_article, frozen_clock):
    make_article(published_at=NOW - timedelta(seconds=50))
    assert ">just now</time>" in client.get("/en/").get_data(as_text=True)

    frozen_clock.advance(seconds=9)  # 59 s: the page remembered is still right
    assert ">just now</time>" in client.get("/en/").get_data(as_text=True)
    frozen_clock.advance(seconds=1)  # 60 s, in the same minute of the page cache
    assert ">1m ago</time>" in client.get("/en/").get_data(as_text=True)


def test_the_article_page_shows_its_exact_dates_with_the_zone_named(client, make_article, frozen_clock):
    published = datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc)  # already the 29th in Beijing
    make_article(slug="tides", published_at=published, updated_at=published + timedelta(hours=9))

    english = soup(client.get("/en/articles/tides")).select_one(".dates").get_text(" ", strip=True)
    chinese = soup(client.get("/zh/articles/tides")).select_one(".dates").get_text(" ", strip=True)
    both = soup(client.get("/zh/articles/tides?view=both")).select(".dates > span")

    assert english == "Published November 28, 2026, 23:30 UTC · updated November 29, 2026, 08:30 UTC"
    assert chinese == "发布于 2026年11月29日 07:30（北京时间） · 更新于 2026年11月29日 16:30（北京时间）"
    assert [(span["lang"], span.get_text(" ", strip=True)) for span in both] == [
        ("zh-Hans", chinese),
        ("en", english),
    ]


def test_every_date_on_the_article_page_names_its_zone(client, make_article, frozen_clock):
    generated = datetime(2026, 11, 28, 20, 0, tzinfo=timezone.utc)
    make_article(slug="tides", model="tide-writer-2", generated_at=generated)

    provenance = soup(client.get("/zh/articles/tides?view=both")).select(".generated span")

    assert [span.get_text(" ", strip=True) for span in provenance] == [
        "由 tide-writer-2 生成于 2026年11月29日 04:00（北京时间）",
        "Generated by tide-writer-2 on November 28, 2026, 20:00 UTC",
    ]


def test_feed_pages_show_no_exact_dates(client, make_article):
    make_article()
    assert soup(client.get("/en/")).select(".dates") == []
