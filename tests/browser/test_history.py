"""Revisions and merges as an editor sees them in Debian's Chromium: three versions saved, the first and
last compared, the first restored for readers; two tabs changing different fields, both saved."""

import pytest
from playwright.sync_api import expect

from browser.conftest import an_editor, running
from conftest import EDITOR_PASSWORD


@pytest.fixture
def site(tmp_path):
    """A site of its own with one editor, on a free port of 127.0.0.1, on the real clock."""
    with running(tmp_path / "news.db", an_editor) as url:
        yield url


def sign_in(page, site):
    page.goto(f"{site}/editor/login")
    page.fill("#name", "alice")
    page.fill("#password", EDITOR_PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("main h1")).to_have_text("All articles")


def new_article(page, site, title):
    page.goto(f"{site}/editor/new")
    page.fill("#title_en", title)
    page.fill("#title_zh", "第一版标题")
    page.fill("#summary_en", "The first summary.")
    page.fill("#summary_zh", "第一版摘要。")
    page.select_option("#status", "published")
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_contain_text("Saved and published")
    return page.url


def test_three_versions_compared_and_the_first_restored_for_readers(page, site):
    sign_in(page, site)
    edit_url = new_article(page, site, "The first title")
    for title in ("A second title", "A <script>third</script> title"):
        page.fill("#title_en", title)
        page.click("button[value=save]")
        expect(page.locator(".flash")).to_contain_text("Saved")

    page.click("text=History")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Title (EN)")
    page.check("#version-1 input[name=a]")
    page.check("#version-3 input[name=b]")
    page.click("text=Compare the chosen versions")
    title_row = page.locator("#compare-title_en")
    expect(title_row.locator(".diff-old del")).to_have_text(["The", "first"])
    expect(title_row.locator(".diff-new ins")).to_have_text(["A", "<script>third</script>"])
    assert page.locator(".compare script").count() == 0

    page.click("#version-1 >> text=Restore this version")
    expect(page.locator(".flash")).to_contain_text("Version 1 restored: it is now version 4")
    assert page.url == edit_url
    expect(page.locator("#title_en")).to_have_value("The first title")
    slug = page.locator("#slug").input_value()
    reader = page.context.new_page()
    reader.goto(f"{site}/en/articles/{slug}")
    expect(reader.locator("h1")).to_contain_text("The first title")


def test_two_tabs_changing_different_fields_both_save(page, site):
    sign_in(page, site)
    edit_url = new_article(page, site, "A shared story")
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto(edit_url)

    page.fill("#title_en", "The English title from tab A")
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_contain_text("Saved")

    other.fill("#summary_zh", "标签页乙写的中文摘要。")
    other.click("button[value=save]")
    expect(other.locator(".flash").first).to_contain_text("Merged with the changes alice saved meanwhile")
    expect(other.locator("#title_en")).to_have_value("The English title from tab A")
    expect(other.locator("#summary_zh")).to_have_value("标签页乙写的中文摘要。")
