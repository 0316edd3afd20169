"""SQLite's check for a short English term at a word start, as GLOB '*[^a-zA-Z0-9][aA][iI]*' did it."""

import pytest

from ainews.search.sqlite import word_start
from conftest import sqlite_only


@pytest.mark.parametrize(
    ("text", "term", "expected"),
    [
        ("AI rules", "ai", True),  # at the start, either case
        ("new ai rules", "ai", True),
        ("开源AI模型", "ai", True),  # after a Chinese character
        ("(AI)", "ai", True),
        ("snake_ai", "ai", True),  # an underscore is no English letter or digit
        ("he said so", "ai", False),  # inside a word only
        ("said, then 2ai", "ai", False),  # after a digit
        ("said AI", "ai", True),  # a later occurrence counts
        ("c# and c++", "c#", True),
        ("abc#", "c#", False),
        ("", "ai", False),
        (None, "ai", None),  # NULL stays NULL, as with GLOB
    ],
)
def test_word_start(text, term, expected):
    assert word_start(text, term) == expected


@sqlite_only("the function is registered on SQLite connections")
def test_word_start_through_sql(db, make_article):
    make_article(slug="one", title_en="The AI act", summary_en="He said so")
    rows = db.execute_sql(
        "SELECT search_word_start(title_en, 'ai'), search_word_start(summary_en, 'ai') FROM article"
    ).fetchall()
    assert rows == [(1, 0)]
