"""Whatever an editor types, no script, handler or htmx attribute reaches a reader or the preview."""

import json
import re
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ainews.articles import parse_tags
from ainews.db import database
from ainews.rules import LANGS, TAG_NAME_MAX, TEXT_COLUMNS, TEXT_LIMITS, TRANSLATED_FIELDS, clean_text
from conftest import form_data, form_values, htmx
from models import Article, attach_tags

PAYLOADS = [
    "<script>alert('PWNED')</script>",
    "<img src=x onerror=alert('PWNED')>",
    "<svg onload=alert('PWNED')>",
    "<body onload=alert('PWNED')>",
    "<iframe src=javascript:alert('PWNED')></iframe>",
    "<a href=\"javascript:alert('PWNED')\">click</a>",
    "[click](javascript:alert('PWNED'))",
    "[click](JaVaScRiPt:alert('PWNED'))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgnUFdORUQnKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox('PWNED'))",
    "![x](javascript:alert('PWNED'))",
    '<a href="/x" hx-get="/PWNED" hx-trigger="load">x</a>',
    '<div data-hx-post="/PWNED" hx-on:click="alert(\'PWNED\')">x</div>',
    "<p hx-on::after-request=\"alert('PWNED')\">x</p>",
    "\"><script>alert('PWNED')</script>",
    "'><img src=x onerror=alert('PWNED')>",
    "<style>@import 'https://PWNED';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('PWNED')>",
    "<object data=\"javascript:alert('PWNED')\"></object>",
    '<form action="https://PWNED"><input name=q></form>',
    '<meta http-equiv="refresh" content="0;url=https://PWNED">',
    '[x](https://example.org "t\\" onmouseover=\\"alert(\'PWNED\')")',
    "<a href=\"&#106;avascript:alert('PWNED')\">x</a>",
    "<details open ontoggle=alert('PWNED')>",
    "{{ 7*7 }}{% raw %}PWNED{% endraw %}",
]

MARKER = "Zanzibar"  # a word in every attacked title, to find it by
# Elements no reader page may have outside our own head and forms.
PAGE_FORBIDDEN = {"iframe", "frame", "object", "embed", "svg", "math", "style", "base", "applet"}
# Elements no article text may become.
FORBIDDEN_ELEMENTS = PAGE_FORBIDDEN | {"script", "img", "link", "meta", "form", "input", "button", "textarea"}
# The htmx attributes our own templates put on cards and pages.
TEMPLATE_HTMX = {"hx-get", "hx-target", "hx-swap", "hx-push-url", "hx-trigger"}
PAGE_HTMX = TEMPLATE_HTMX | {
    "hx-headers",
    "hx-history",
    "hx-post",
    "hx-replace-url",
    "hx-swap-oob",
    "hx-sync",
    "hx-vals",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}
ATOM = "{http://www.w3.org/2005/Atom}"


def attribute_text(value):
    return " ".join(value) if isinstance(value, list) else value


def assert_safe(region):
    """The strict check for what article text becomes: plain formatting, our own links."""
    assert region is not None
    for element in region.find_all(True):
        assert element.name not in FORBIDDEN_ELEMENTS, element
        for name, value in element.attrs.items():
            value = attribute_text(value)
            assert not name.startswith("on"), element
            if name.startswith(("hx-", "data-hx")):
                assert name in TEMPLATE_HTMX and "PWNED" not in value, element
                if name == "hx-get":
                    assert re.match(r"/(en|zh)/articles/[a-z0-9-]+(/card)?\?", value), element
            if name == "href":
                assert value.startswith(("http://", "https://", "mailto:", "/")), element
                assert not value.startswith("//"), element


def assert_no_inline_script(soup, where):
    """No script in the page but files of ours and the article's JSON-LD, which must parse."""
    for script in soup.find_all("script", src=False):
        assert script.get("type") == "application/ld+json", where
        assert json.loads(script.string)["@type"] == "NewsArticle", where


def assert_page_safe(soup, where):
    """The whole page, head included: our scripts only, no handler, no script URL, no foreign htmx."""
    assert_no_inline_script(soup, where)
    for element in soup.find_all(True):
        assert element.name not in PAGE_FORBIDDEN, (where, element)
        assert not (element.name == "meta" and element.has_attr("http-equiv")), (where, element)
        for name, value in element.attrs.items():
            value = attribute_text(value)
            assert not name.startswith("on"), (where, element)
            if name.startswith(("hx-", "data-hx")):
                assert name in PAGE_HTMX, (where, element)
                if name in ("hx-get", "hx-post"):  # a path of this site (a search link holds the query, encoded)
                    assert re.match(r"/[^/<>\s]", value), (where, element)
                else:
                    assert "PWNED" not in value, (where, element)
            if name in URL_ATTRIBUTES:
                assert not re.match(r"\s*(javascript|vbscript|data):", value, re.IGNORECASE), (where, element)


def get_soup(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def card_pages(client, slug):
    """(url, card) for every reader page and fragment that shows the article as a card, each page checked whole."""
    for url in (f"/en/articles/{slug}", f"/zh/articles/{slug}?view=both", "/en/", "/zh/?view=both"):
        soup = get_soup(client, url)
        assert_page_safe(soup, url)
        yield url, soup.find("article", id=f"card-{slug}")
    url = f"/en/articles/{slug}/card?show=both&full=1"
    fragment = get_soup(client, url, **htmx())
    assert_page_safe(fragment, url)
    yield url, fragment.find("article", id=f"card-{slug}")


def atom_entries(client, url):
    """The Atom feed's entries by article address; the feed must be well-formed XML."""
    response = client.get(url)
    assert response.status_code == 200, url
    root = ElementTree.fromstring(response.get_data())
    return {urlsplit(entry.find(f"{ATOM}link").get("href")).path: entry for entry in root.iter(f"{ATOM}entry")}


def preview_region(client, data):
    response = client.post("/editor/preview", data=data, headers=htmx())
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").find(class_="preview")


def fit(text, limit):
    """The text if it fits the limit, else as much of it as fits."""
    return text[:limit]


def attack_fields(payload):
    """The payload in every text field and the tags, whole where it fits, cut to fit where not."""
    fields = {f"{field}_{lang}": fit(payload, TEXT_LIMITS[field]) for field in TRANSLATED_FIELDS for lang in LANGS}
    for lang in LANGS:
        fields[f"title_{lang}"] = f"{payload} {MARKER}"
    tags = payload if all(len(name) <= TAG_NAME_MAX for entry in parse_tags(payload) for name in entry) else None
    fields["tags"] = tags or fit(payload, TAG_NAME_MAX)
    return fields


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_stored_and_reach_every_reader_page_harmless(editor_client, payload):
    fields = attack_fields(payload)
    data = form_data(editor_client, slug="attack", **fields)
    assert_safe(preview_region(editor_client, data))
    assert editor_client.post("/editor/new", data=data).status_code == 303
    with database().connection_context():
        article = Article.get(Article.slug == "attack")
        attach_tags([article])
    assert article.title_en == fields["title_en"] and article.analysis_zh == fields["analysis_zh"]
    assert article.tags, "the tag was stored"

    for url, card in card_pages(editor_client, "attack"):
        assert_safe(card)
        # Shown as the text typed, not as markup.
        assert card.find(class_="title-line").get_text() in (fields["title_en"], fields["title_zh"]), url
        assert fields["category_en"] in card.find(class_="category").get_text(), url
        for tag in article.tags:
            assert tag.name_en in card.find(class_="tags").get_text(), url
    for lang in LANGS:
        # Shared links and search engines get the text as typed too.
        head = get_soup(editor_client, f"/{lang}/articles/attack").head
        assert head.find("meta", property="og:title")["content"] == fields[f"title_{lang}"]
        ld = json.loads(head.find("script", type="application/ld+json").string)
        assert (ld["headline"], ld["description"]) == (fields[f"title_{lang}"][:110], fields[f"summary_{lang}"])

    for url in (f"/en/search?q={MARKER}", f"/zh/search?q={MARKER}&view=both"):
        soup = get_soup(editor_client, url)
        assert_page_safe(soup, url)
        card = soup.find("article", id="card-attack")
        assert_safe(card)
        assert card.find(class_="title-line").get_text() == fields["title_en" if url.startswith("/en") else "title_zh"]
    # What the reader typed is shown back too: the query is the attack itself.
    for query in (payload, f"{payload[:40]} {MARKER}"):
        for headers in ({}, htmx(**{"HX-Target": "results"})):
            response = editor_client.get("/en/search", query_string={"q": query}, headers=headers)
            assert response.status_code == 200
            soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            assert_page_safe(soup, query)
            for card in soup.find_all("article"):
                assert_safe(card)

    for tag in article.tags:
        for url in ("/en/tags/", f"/en/tags/{tag.slug}", f"/zh/tags/{tag.slug}?view=both"):
            soup = get_soup(editor_client, url)
            assert_page_safe(soup, url)
            assert tag.name_en in soup.find("main").get_text(), url
        entry = atom_entries(editor_client, f"/en/tags/{tag.slug}/feed.xml")["/en/articles/attack"]
        assert [c.get("label") for c in entry.iter(f"{ATOM}category")] == [t.name_en for t in article.tags]

    # Feed readers get the text as text: a plain-text title and summary, never HTML to render.
    for lang in LANGS:
        entry = atom_entries(editor_client, f"/{lang}/feed.xml")[f"/{lang}/articles/attack"]
        title, summary = entry.find(f"{ATOM}title"), entry.find(f"{ATOM}summary")
        assert (title.get("type"), summary.get("type")) == (None, None)
        assert (title.text, summary.text) == (fields[f"title_{lang}"], fields[f"summary_{lang}"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_escaped_in_the_editor_pages_too(editor_client, payload):
    response = editor_client.post(
        "/editor/new", data=form_data(editor_client, slug="attack", title_en=payload, summary_en=payload)
    )
    assert response.status_code == 303
    with database().connection_context():
        article = Article.get(Article.slug == "attack")
    for url in ("/editor/", f"/editor/{article.id}/edit", f"/editor/{article.id}/delete"):
        soup = get_soup(editor_client, url)
        assert_no_inline_script(soup, url)
        assert not soup.find_all(lambda el: any(a.startswith("on") for a in el.attrs)), url
    assert form_values(editor_client, f"/editor/{article.id}/edit")["summary_en"] == payload


HTMLISH = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "</",
            "/>",
            '"',
            "'",
            "=",
            " ",
            "\n\n",
            "script",
            "img",
            "a",
            "svg",
            "p",
            "div",
            "onerror",
            "onload",
            "hx-get",
            "data-hx-post",
            "hx-on:click",
            "href",
            "src",
            "javascript:",
            "JaVaScRiPt:",
            "alert('PWNED')",
            "[",
            "]",
            "(",
            ")",
            "!",
            "*",
            "`",
            "&#",
            "&lt;",
            "#",
            "PWNED",
            "http://x",
            "data:",
            "\\",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "{{",
            "}}",
            "{%",
            "%}",
        ]
    ),
    max_size=40,
).map("".join)


TEXT_FIELDS = list(TEXT_COLUMNS)


@st.composite
def storable_text(draw):
    """A field and markup-like text for it, never longer than the field takes: every example is saved."""
    field = draw(st.sampled_from(TEXT_FIELDS))
    text = draw(st.one_of(HTMLISH, st.text(max_size=200)))
    # Stored as the form stores it: control characters out (rules.clean_text), tested on their own.
    return field, fit(clean_text(text), TEXT_LIMITS[field.rpartition("_")[0]])


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field_text=storable_text())
def test_generated_markup_in_any_field_stays_harmless(editor_client, field_text):
    field, text = field_text
    data = form_data(editor_client, slug="generated", **{field: text})
    assert_safe(preview_region(editor_client, data))
    with database().connection_context():
        article = Article.get_or_none(Article.slug == "generated")
    if article is None:
        response = editor_client.post("/editor/new", data=data)
    else:
        url = f"/editor/{article.id}/edit"
        response = editor_client.post(url, data=dict(form_values(editor_client, url), **{field: text}))
    assert response.status_code == 303, "refused: the strategy must make only storable text"
    with database().connection_context():
        assert getattr(Article.get(Article.slug == "generated"), field) == text.replace("\r\n", "\n")
    for _url, card in card_pages(editor_client, "generated"):
        assert_safe(card)
