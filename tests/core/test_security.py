"""Headers, sanitized Markdown and pages free of inline script."""

import json
import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from ainews.db import database
from ainews.ops.demo import seed_demo
from ainews.text import ALLOWED_TAGS, render_markdown, sanitize_html
from conftest import htmx
from models import Article, ArticleTag, Tag

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


@pytest.fixture
def site(app, editor_client):
    """The demo site, an editor signed in on `editor_client`, and a reader's client of its own."""
    with database().connection_context():
        assert seed_demo() > 0
        article = Article.published().order_by(Article.id).first()
        tag = Tag.select().join(ArticleTag).where(ArticleTag.article == article).first()
    return SimpleNamespace(reader=app.test_client(), editor=editor_client, article=article, tag=tag)


# Every kind of page the site serves: (who asks, method, address, extra headers, status).
PAGES = {
    "feed": ("reader", "GET", "/en/", {}, 200),
    "feed in both languages": ("reader", "GET", "/zh/?view=both", {}, 200),
    "next cards": ("reader", "GET", "/en/?page=1", htmx(**{"HX-Target": "load-more"}), 200),
    "tag": ("reader", "GET", "/en/tags/{tag}", {}, 200),
    "tags": ("reader", "GET", "/zh/tags/", {}, 200),
    "search": ("reader", "GET", "/en/search?q=open", {}, 200),
    "search results as typed": ("reader", "GET", "/zh/search?q=开源", htmx(**{"HX-Target": "results"}), 200),
    "article": ("reader", "GET", "/en/articles/{article}", {}, 200),
    "card toggle": ("reader", "GET", "/en/articles/{article}/card?show=both&full=1", htmx(), 200),
    "page clock": ("reader", "GET", "/en/times?t=2026-01-01T00:00:00Z", htmx(), 200),
    "editor sign-in": ("reader", "GET", "/editor/login", {}, 200),
    "editor dashboard": ("editor", "GET", "/editor/", {}, 200),
    "editor new article form": ("editor", "GET", "/editor/new", {}, 200),
    "editor article form": ("editor", "GET", "/editor/{article_id}/edit", {}, 200),
    "editor delete confirmation": ("editor", "GET", "/editor/{article_id}/delete", {}, 200),
    "page not found": ("reader", "GET", "/en/articles/nothing", {}, 404),
    "bad request": ("reader", "GET", "/zh/?page=abc", {}, 400),
    "method not allowed": ("reader", "POST", "/en/", {}, 405),
    "editor page not found": ("editor", "GET", "/editor/999999/edit", {}, 404),
}


@pytest.mark.parametrize("kind", PAGES)
def test_no_page_has_inline_script_handlers_or_script_urls(site, kind):
    who, method, url, headers, status = PAGES[kind]
    url = url.format(article=site.article.slug, article_id=site.article.id, tag=site.tag.slug)
    response = getattr(site, who).open(url, method=method, headers=headers)
    assert response.status_code == status
    assert_strict_policy(response.headers["Content-Security-Policy"])
    html = response.get_data(as_text=True)
    assert html.strip()
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        if script.has_attr("src"):
            # Our own files only, and no code between the tags.
            assert re.fullmatch(r"/static/[\w./-]+\.js\?v=[0-9a-f]{12}", script["src"]), script
            assert not script.string, script
        else:
            # Data for search engines, which the policy would not run anyway; never code.
            assert script.get("type") == "application/ld+json", script
            json.loads(script.string)
    assert not soup.find_all("style")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            assert not name.lower().startswith(("on", "hx-on", "data-hx-on")), element
            assert name.lower() != "style", element
            assert not re.match(r"\s*(javascript|vbscript):", value, re.IGNORECASE), element
            if name in ("hx-vals", "hx-headers"):
                assert not value.lstrip().startswith(("js:", "javascript:")), element


def assert_strict_policy(policy):
    """Scripts, styles and everything else from this site only; nothing inline, no eval, no framing."""
    directives = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        directives[name] = set(sources)
    assert directives["default-src"] == {"'self'"}
    assert directives["script-src"] == {"'self'"}
    assert directives["style-src"] == {"'self'"}
    assert directives["object-src"] == {"'none'"}
    assert directives["base-uri"] == {"'none'"}
    assert directives["frame-ancestors"] == {"'none'"}


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
