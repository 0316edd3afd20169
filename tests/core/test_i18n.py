"""Relative times, language negotiation and the completeness of the Chinese catalog."""

import os
from datetime import datetime, timedelta, timezone

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ainews.i18n import iso_utc, lang_from_header, list_text, parse_iso_utc, relative_text, time_tag
from ainews.ops.translate import GETTEXT_KEYWORDS
from ainews.ops.translate import PROJECT as HERE

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "delta, en, zh",
    [
        (timedelta(0), "just now", "刚刚"),
        (timedelta(seconds=-59), "just now", "刚刚"),
        (timedelta(seconds=30), "just now", "刚刚"),
        (timedelta(minutes=-1), "1m ago", "1分钟前"),
        (timedelta(minutes=-5), "5m ago", "5分钟前"),
        (timedelta(minutes=-59), "59m ago", "59分钟前"),
        (timedelta(hours=-1), "1h ago", "1小时前"),
        (timedelta(hours=-12), "12h ago", "12小时前"),
        (timedelta(hours=-23), "23h ago", "23小时前"),
        (timedelta(days=-1), "1d ago", "1天前"),
        (timedelta(days=-6), "6d ago", "6天前"),
        (timedelta(days=-14), "2w ago", "2周前"),
        (timedelta(days=-60), "2mo ago", "2个月前"),
        (timedelta(days=-800), "2y ago", "2年前"),
        (timedelta(minutes=10), "in 10m", "10分钟后"),
        (timedelta(hours=3), "in 3h", "3小时后"),
    ],
)
def test_relative_time(delta, en, zh):
    assert relative_text(NOW + delta, "en", now=NOW) == en
    assert relative_text(NOW + delta, "zh", now=NOW) == zh


def test_time_tag_carries_iso_and_absolute_time():
    """The tooltip names the zone as the article page does: UTC, or Beijing time."""
    tag = time_tag(NOW - timedelta(hours=12), "zh", now=NOW)
    assert tag == (
        '<time datetime="2026-11-29T00:00:00Z" title="2026年11月29日星期日 08:00（北京时间）" '
        "data-relative>12小时前</time>"
    )
    assert 'title="Sunday, November 29, 2026, 00:00 UTC"' in time_tag(NOW - timedelta(hours=12), "en", now=NOW)


def test_iso_round_trip():
    assert parse_iso_utc(iso_utc(NOW)) == NOW
    assert parse_iso_utc("2026-11-29 12:00") is None
    assert parse_iso_utc("") is None


@pytest.mark.parametrize(
    "header, expected",
    [
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh_Hans_CN", "zh"),
        ("ZH-hk", "zh"),
        ("en-GB,en;q=0.8", "en"),
        ("ja,zh;q=0.5", "zh"),
        ("ja", None),
        ("", None),
    ],
)
def test_lang_from_header(header, expected):
    assert lang_from_header(parse_accept_header(header, LanguageAccept)) == expected


def interface_strings():
    """Every string marked for translation in the code and templates."""
    method_map = [("*.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {}
    for keyword in GETTEXT_KEYWORDS:
        name, _, spec = keyword.partition(":")
        keywords[name] = tuple(int(n) for n in spec.split(",")) if spec else None
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        HERE,
        method_map=method_map,
        keywords=keywords,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_string_has_a_chinese_translation():
    with open(os.path.join(HERE, "translations", "zh", "LC_MESSAGES", "messages.po"), "rb") as f:
        catalog = read_po(f)

    strings = interface_strings()
    untranslated = sorted(
        message
        for message in strings
        if message not in catalog
        or "fuzzy" in catalog[message].flags
        or not all(catalog[message].string if isinstance(catalog[message].string, tuple) else [catalog[message].string])
    )

    assert len(strings) > 30
    assert untranslated == []


def test_lists_are_written_as_each_language_writes_them():
    assert list_text(["Title (EN)", "Summary (中文)", "Tags"], "en") == "Title (EN), Summary (中文), and Tags"
    assert list_text(["标题（EN）", "摘要（中文）", "标签"], "zh") == "标题（EN）、摘要（中文）和标签"
    assert list_text([], "zh") == ""
