"""Feeds stay valid XML whatever text is stored, control characters included."""

import xml.etree.ElementTree as ET

import pytest

# NUL aside: PostgreSQL cannot store it, and every way in drops it.
CONTROL = "".join(chr(code) for code in range(1, 32) if chr(code) not in "\t\n\r") + "\ufffe\uffff"


@pytest.mark.parametrize("url", ["/en/feed.xml", "/zh/feed.xml", "/en/tags/odd/feed.xml", "/sitemaps/1.xml"])
def test_control_characters_already_stored_do_not_break_feeds(client, make_article, make_tag, url):
    tag = make_tag(slug="odd", name_en="Odd\x08tag", name_zh="奇\x1b怪")
    make_article(slug="odd-one", title_en=f"Line\x0bbreak {CONTROL}", summary_zh=f"摘\x0c要{CONTROL}", tags=[tag])
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # raises on a character XML cannot carry
    text = "".join(root.itertext()) + "".join(value for element in root.iter() for value in element.attrib.values())
    assert not set(CONTROL) & set(text)
    if "feed.xml" in url and url.startswith("/en/"):
        assert "Linebreak" in text
