"""Headers, sanitized Markdown and pages free of inline script."""

import re

import pytest
from bs4 import BeautifulSoup

from ainews.text import ALLOWED_TAGS, render_markdown, sanitize_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="/x" hx-get="/en/times" hx-trigger="load">x</a>',
    '<div data-hx-post="/x" hx-on:click="alert(1)">x</div>',
    '<iframe src="https://example.org"></iframe>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<p style="background:url(x)" class="card">x</p>',
    '<svg><animate onbegin="alert(1)"/></svg>',
    '<form action="/x"><input name="q"></form>',
]


def assert_harmless(html):
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name in ALLOWED_TAGS, element
        for name, value in element.attrs.items():
            assert name in ("href", "title", "rel", "start", "align"), element
            if name == "href":
                assert value.startswith(("http:", "https:", "mailto:", "/")), element


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitizer_removes_script_handlers_and_htmx(attack):
    assert_harmless(sanitize_html(attack))


@pytest.mark.parametrize(
    "attack",
    ATTACKS
    + [
        "[click](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '[x](https://example.org "t" onmouseover="alert(1)")',
    ],
)
def test_markdown_cannot_inject(attack):
    assert_harmless(render_markdown(attack))


def test_markdown_keeps_ordinary_formatting():
    html = render_markdown("# Title\n\nSome *emphasis* and `code`.\n\n> quote")
    assert "<h3>Title</h3>" in html
    assert "<em>emphasis</em>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html


def test_images_become_links_to_keep_their_alt_text():
    html = render_markdown("![A chart of costs](https://example.org/chart.png)")
    assert 'href="https://example.org/chart.png"' in html
    assert ">A chart of costs</a>" in html
    assert "<img" not in html


def test_stored_text_is_escaped_on_cards(client, make_article):
    make_article(title_en='<script>alert("t")</script>', summary_en="<img src=x onerror=alert(1)>")
    body = client.get("/en/").get_data(as_text=True)
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;" in body


def test_security_headers(client):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_handlers(client, make_article, runner):
    runner.invoke(args=["seed-demo"])
    for url in ["/en/", "/zh/?view=both", "/en/articles/nothing"]:
        body = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
        assert not re.search(r"\son[a-z]+\s*=", body)
        assert not re.search(r"\sstyle\s*=", body)


def test_htmx_is_configured_safely(client):
    body = client.get("/en/").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', body).group(1)
    for setting in (
        '"selfRequestsOnly": true',
        '"allowEval": false',
        '"allowScriptTags": false',
        '"includeIndicatorStyles": false',
    ):
        assert setting in config
