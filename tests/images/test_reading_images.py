"""What readers get: covers on cards and articles, og:image and JSON-LD, Markdown images, a safe sanitizer."""

import json

import image_samples as samples
import pytest
from bs4 import BeautifulSoup

from ainews import images, rules
from ainews.db import database
from ainews.text import render_markdown, sanitize_html
from models import Article

ALTS = {"cover_alt_en": "A robot arm folding a shirt", "cover_alt_zh": "机械臂正在叠衬衫"}


@pytest.fixture
def picture(app):
    with database().connection_context():
        return images.store(samples.photo_jpeg(1200, 800), "alice")


def soup(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def srcset_widths(img):
    return [int(part.split()[1].rstrip("w")) for part in img["srcset"].split(",")]


def test_the_card_shows_a_small_cover_with_every_size_set(client, make_article, picture):
    make_article(slug="with-cover", cover=picture.key, **ALTS)
    for lang, alt in (("en", ALTS["cover_alt_en"]), ("zh", ALTS["cover_alt_zh"])):
        img = soup(client, f"/{lang}/").select_one("#card-with-cover img.card-cover")
        assert img["alt"] == alt
        assert (img["width"], img["height"]) == ("1200", "800")
        assert srcset_widths(img) == picture.widths
        assert img["sizes"] == rules.CARD_IMAGE_SIZES
        assert img["decoding"] == "async"
        assert img["src"] == f"/media/{picture.key}-{picture.widths[-1]}.webp"


def test_only_the_first_cards_load_their_cover_at_once(client, make_article, picture):
    for n in range(rules.EAGER_CARDS + 2):
        make_article(slug=f"story-{n}", title_en=f"Story {n}", cover=picture.key, **ALTS)
    loading = [img["loading"] for img in soup(client, "/en/").select("img.card-cover")]
    assert loading == ["eager"] * rules.EAGER_CARDS + ["lazy"] * 2


def test_the_article_shows_a_large_eager_cover_and_names_it_for_sharing(client, make_article, picture):
    make_article(slug="with-cover", cover=picture.key, **ALTS)
    page = soup(client, "/zh/articles/with-cover")
    img = page.select_one("figure.cover img")
    assert img["alt"] == ALTS["cover_alt_zh"] and img["lang"] == "zh-Hans"
    assert img["loading"] == "eager" and img["sizes"] == rules.ARTICLE_IMAGE_SIZES
    assert not page.select(".card-cover")
    widest = picture.widths[-1]
    url = f"http://localhost/media/{picture.key}-{widest}.webp"
    meta = {tag["property"]: tag["content"] for tag in page.select("meta[property^='og:image']")}
    assert meta == {
        "og:image": url,
        "og:image:type": "image/webp",
        "og:image:width": str(widest),
        "og:image:height": str(picture.height_at(widest)),
        "og:image:alt": ALTS["cover_alt_zh"],
    }
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    assert json.loads(page.find("script", type="application/ld+json").string)["image"] == [url]


def test_the_bilingual_view_describes_the_cover_in_the_pages_language(client, make_article, picture):
    make_article(slug="with-cover", cover=picture.key, **ALTS)
    img = soup(client, "/zh/articles/with-cover?view=both").select_one("figure.cover img")
    assert img["alt"] == ALTS["cover_alt_zh"]


def test_no_cover_no_image(client, make_article):
    make_article(slug="plain")
    page = soup(client, "/en/articles/plain")
    assert not page.select("img") and not page.select("meta[property='og:image']")
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"


def test_a_cover_change_shows_on_the_cached_card(client, make_article, picture):
    article = make_article(slug="with-cover")
    assert not soup(client, "/en/").select("img.card-cover")
    with database().connection_context():
        Article.update(cover=picture.key, **ALTS).where(Article.id == article.id).execute()
    assert soup(client, "/en/").select_one("img.card-cover")["alt"] == ALTS["cover_alt_en"]


# Markdown -----------------------------------------------------------------------------


def test_an_uploaded_image_in_markdown_renders_inline(app, picture):
    with app.test_request_context(), database().connection_context():
        html = BeautifulSoup(render_markdown(f"![A chart](/media/{picture.key})"), "html.parser")
    img = html.find("img")
    assert img["alt"] == "A chart" and img["loading"] == "lazy"
    assert (img["width"], img["height"]) == ("1200", "800")
    assert srcset_widths(img) == picture.widths


@pytest.mark.parametrize(
    "markdown",
    [
        "![x](https://tracker.example/pixel.png)",
        "![x](/media/" + "0" * 32 + ")",
        "![x](javascript:alert(1))",
        "![x](data:image/png;base64,AAAA)",
        '![x" onerror="alert(1)](/media/{key})',
        '![x](/media/{key} "t" onerror=alert(1))',
        '<img src="/media/{key}-480.webp" onerror="alert(1)">',
    ],
)
def test_other_images_stay_links_and_nothing_dangerous_survives(app, picture, markdown):
    with app.test_request_context(), database().connection_context():
        html = str(render_markdown(markdown.format(key=picture.key)))
    parsed = BeautifulSoup(html, "html.parser")
    for img in parsed.find_all("img"):
        assert img["src"].startswith(f"/media/{picture.key}-")
    assert not parsed.find(attrs={"onerror": True})
    assert "javascript:" not in " ".join(str(a.get("href", "")) for a in parsed.find_all("a"))
    assert "data:" not in " ".join(str(a.get("href", "")) for a in parsed.find_all("a"))


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ('<img src="https://evil.example/x.png" alt="x">', False),
        ('<img src="data:image/png;base64,AAAA">', False),
        ('<img src="/media/{key}-480.webp" srcset="https://evil.example/x.png 480w">', True),
        ('<img src="/media/{key}-480.webp" srcset="/media/{key}-480.webp 480w, javascript:alert(1) 9w">', True),
        ('<img src="/media/{key}-480.webp" sizes="100vw" width="1 onload=x" loading="auto" style="x">', True),
    ],
)
def test_the_sanitizer_keeps_only_our_files_in_an_img(picture, html, kept):
    img = BeautifulSoup(str(sanitize_html(html.format(key=picture.key))), "html.parser").find("img")
    assert (img is not None) == kept
    if kept:
        assert img["src"] == f"/media/{picture.key}-480.webp"
        assert "srcset" not in img.attrs
        assert not {"width", "loading", "style", "sizes", "onload"} & set(img.attrs)
