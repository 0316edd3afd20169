"""Reading time per language: English words at 230 a minute, Chinese characters at 400."""

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from ainews.reading import CHINESE_CHARACTERS_PER_MINUTE, WORDS_PER_MINUTE, reading_minutes


def article(en="", zh=""):
    return SimpleNamespace(title_en="", summary_en="", analysis_en=en, title_zh="", summary_zh="", analysis_zh=zh)


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_rates_are_the_documented_ones():
    assert (WORDS_PER_MINUTE, CHINESE_CHARACTERS_PER_MINUTE) == (230, 400)


@pytest.mark.parametrize(
    "en, zh, minutes_en, minutes_zh",
    [
        ("word " * 230, "字" * 400, 1, 1),
        ("word " * 231, "字" * 401, 2, 2),
        ("word " * 1000, "字" * 2000, 5, 5),
        ("One [linked guide](https://example.org/a/very/long/path/of/many/words) only.", "", 1, None),
        ("", "开源" * 150 + " GPU" * 115, None, 2),  # 300 characters, and 115 words at the English rate
        ("don't stop 3.5 times", "", 1, None),
    ],
)
def test_reading_minutes_round_up(en, zh, minutes_en, minutes_zh):
    assert reading_minutes(article(en, zh), "en") == minutes_en
    assert reading_minutes(article(en, zh), "zh") == minutes_zh


def test_cards_and_articles_show_the_reading_time_in_each_language(client, make_article):
    make_article(slug="long", analysis_en="word " * 500, analysis_zh="字" * 1000)

    english = soup(client.get("/en/")).select_one(".reading-time").get_text()
    chinese = soup(client.get("/zh/articles/long")).select_one(".reading-time").get_text()
    both = soup(client.get("/zh/?view=both")).select(".reading-time > span")

    assert english == "3 min read"
    assert chinese == "阅读约 3 分钟"
    assert [(span["lang"], span.get_text()) for span in both] == [("zh-Hans", "阅读约 3 分钟"), ("en", "3 min read")]


def test_a_text_shown_for_a_missing_language_is_the_one_timed(client, make_article):
    make_article(title_en="", summary_en="", analysis_en="", analysis_zh="字" * 900)
    assert soup(client.get("/en/")).select_one(".reading-time").get_text() == "3 min read"
    assert soup(client.get("/en/?view=both")).select_one(".reading-time").get_text() == "阅读约 3 分钟"
