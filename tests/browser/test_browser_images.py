"""Images as an editor and a reader meet them in Debian's Chromium: a cover and an inline
picture uploaded in the form, shown at the right sizes with alt text in each language,
served without EXIF; and bad files refused with a clear message, the form's text kept."""

import io
import re

import image_samples as samples
from PIL import Image
from playwright.sync_api import expect

from ainews.rules import IMAGE_WIDTHS
from conftest import EDITOR_PASSWORD

ALT_EN, ALT_ZH = "A harbour with tidal turbines", "装有潮汐涡轮机的港口"
TITLE_EN, TITLE_ZH = "Tidal turbines get a picture", "潮汐涡轮机有了图片"


def sign_in_to_new_article(page, server):
    page.goto(f"{server}/editor/login")
    page.fill("#name", "alice")
    page.fill("#password", EDITOR_PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"{server}/editor/new")


def upload_file(name, data, mime="image/jpeg"):
    return {"name": name, "mimeType": mime, "buffer": data}


def shown(img):
    """What the browser made of an <img>: the file it chose, its natural and rendered widths."""
    return img.evaluate(
        "img => ({src: img.currentSrc, natural: img.naturalWidth, width: img.getBoundingClientRect().width,"
        " height: img.getBoundingClientRect().height, alt: img.alt, complete: img.complete})"
    )


def test_an_uploaded_cover_shows_on_card_and_article_without_exif(browser, page, live_server):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in_to_new_article(page, live_server)
    page.fill("#title_en", TITLE_EN)
    page.fill("#title_zh", TITLE_ZH)
    page.fill("#analysis_en", "The harbour.")
    page.fill("#analysis_zh", "港口。")
    page.set_input_files("#cover_file", files=[upload_file("harbour.jpg", samples.photo_jpeg(1600, 900))])
    expect(page.locator("#cover-thumb img")).to_be_visible()
    expect(page.locator("#cover")).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    page.fill("#cover_alt_en", ALT_EN)
    page.fill("#cover_alt_zh", ALT_ZH)
    # An inline picture for the analysis, described in both languages.
    page.click("#insert-image summary")
    page.set_input_files("#insert-file", files=[upload_file("chart.png", samples.plain_png(800, 400), "image/png")])
    page.fill("#insert-alt-en", "A chart of the tides")
    page.fill("#insert-alt-zh", "潮汐图表")
    page.click("#insert-button")
    expect(page.locator("#analysis_en")).to_have_value(re.compile(r"!\[A chart of the tides\]\(/media/[0-9a-f]{32}\)"))
    expect(page.locator("#analysis_zh")).to_have_value(re.compile(r"!\[潮汐图表\]\(/media/[0-9a-f]{32}\)"))
    expect(page.locator("#preview .prose img")).to_have_count(2)  # the live preview shows it, in both languages
    page.select_option("#status", "published")
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_contain_text("Saved and published")

    for lang, alt in (("en", ALT_EN), ("zh", ALT_ZH)):
        # A reader of their own, whose cache holds none of the files the editor's preview loaded.
        reader = browser.new_context(viewport={"width": 1280, "height": 800})
        page = reader.new_page()
        page.goto(f"{live_server}/{lang}/")
        card = page.locator(".card").first
        img = card.locator("img.card-cover")
        expect(img).to_have_attribute("alt", alt)
        expect(img).to_have_attribute("loading", "eager")  # the first card, above the fold
        img.evaluate("img => img.decode()")
        seen = shown(img)
        assert seen["src"].endswith(f"-{IMAGE_WIDTHS[0]}.webp"), seen  # small on a card: the smallest file will do
        assert 150 <= seen["width"] <= 200 and abs(seen["height"] - seen["width"] * 900 / 1600) < 2, seen

        card.locator(".card-title a").click()
        cover = page.locator("figure.cover img")
        expect(cover).to_have_attribute("alt", alt)
        cover.evaluate("img => img.decode()")
        seen = shown(cover)
        assert seen["width"] > 500 and seen["natural"] >= seen["width"], seen
        inline = page.locator(".analysis .prose img")
        expect(inline).to_have_attribute("alt", "A chart of the tides" if lang == "en" else "潮汐图表")
        if lang == "en":
            reader.close()

    served = page.request.get(seen["src"])
    assert served.status == 200 and served.headers["content-type"] == "image/webp"
    assert "immutable" in served.headers["cache-control"]
    picture = Image.open(io.BytesIO(served.body()))
    assert not picture.getexif() and "exif" not in picture.info
    assert b"Exif" not in served.body() and b"Test Camera" not in served.body()
    reader.close()
    assert not errors, errors


def test_a_bomb_and_a_text_file_are_refused_and_the_text_is_kept(page, live_server):
    sign_in_to_new_article(page, live_server)
    page.fill("#title_en", TITLE_EN)
    page.fill("#summary_zh", "一段要保留的摘要。")
    page.set_input_files("#cover_file", files=[upload_file("huge.png", samples.bomb_png(), "image/png")])
    expect(page.locator("#error-cover")).to_contain_text("The image is too large")
    expect(page.locator("#cover_file")).to_have_attribute("aria-invalid", "true")
    page.set_input_files("#cover_file", files=[upload_file("photo.jpg", samples.TEXT_AS_JPG)])
    expect(page.locator("#error-cover")).to_contain_text("not an image the site accepts")
    expect(page.locator("#cover")).to_have_value("")
    expect(page.locator("#title_en")).to_have_value(TITLE_EN)
    expect(page.locator("#summary_zh")).to_have_value("一段要保留的摘要。")


def test_without_javascript_the_form_refuses_a_bad_file_and_keeps_the_text(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/editor/language/zh?next=/editor/new")
    sign_in_to_new_article(page, live_server)
    page.fill("#title_en", TITLE_EN)
    page.fill("#title_zh", TITLE_ZH)
    page.fill("#cover_alt_en", ALT_EN)
    page.set_input_files("#cover_file", files=[upload_file("huge.png", samples.bomb_png(), "image/png")])
    page.click("button[value=save]")
    expect(page.locator("#error-cover")).to_contain_text("图片尺寸过大")
    expect(page.locator("#title_zh")).to_have_value(TITLE_ZH)
    expect(page.locator("#cover_alt_en")).to_have_value(ALT_EN)
    context.close()
