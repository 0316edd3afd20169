"""The article form in Chromium: what its accessibility tree says, where focus
goes after a refused save, and counters that agree with the server."""

import pytest
from playwright.sync_api import expect

from ainews.rules import TEXT_LIMITS
from browser.conftest import an_editor
from conftest import EDITOR_PASSWORD


@pytest.fixture
def new_form(page, serve):
    """Chromium signed in, on a blank article form."""
    site = serve(an_editor)
    page.goto(f"{site}/editor/login")
    page.fill("#name", "alice")
    page.fill("#password", EDITOR_PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("main h1")).to_have_text("All articles")
    page.goto(f"{site}/editor/new")
    return page


def ax_nodes(page):
    """Chromium's full accessibility tree, as assistive technology gets it."""
    session = page.context.new_cdp_session(page)
    try:
        return session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()


def prop(node, name):
    return next((p["value"].get("value") for p in node.get("properties", []) if p["name"] == name), None)


def invalid_nodes(page):
    return [node for node in ax_nodes(page) if prop(node, "invalid") not in (None, "false")]


def focused_node(page):
    """The element in focus (the page itself also says it has focus: not that one)."""
    return next(node for node in ax_nodes(page) if prop(node, "focused") and node["role"]["value"] != "RootWebArea")


def test_no_field_reads_as_invalid_on_a_blank_form(new_form):
    expect(new_form.locator("#title_en")).to_be_visible()
    assert invalid_nodes(new_form) == []


def test_after_a_refused_save_focus_is_on_the_first_invalid_field(new_form):
    page = new_form
    page.fill("#hot", "150")
    page.fill("#slug", "Not A Slug")
    page.click("button[value=save]")  # no title in either language: the first error, top of the page
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "title_en"
    node = focused_node(page)
    assert prop(node, "invalid") == "true"
    assert "title in at least one language" in node["description"]["value"]
    invalid = {node["name"]["value"] for node in invalid_nodes(page)}
    assert len(invalid) == 3  # the title, Hot and the slug: nothing else
    assert page.locator("#hot").input_value() == "150"


def test_a_counter_goes_over_and_the_save_keeps_the_text(new_form):
    page = new_form
    limit = TEXT_LIMITS["analysis"]
    text = "x" * (limit + 10)
    page.fill("#title_en", "Counting characters")
    page.fill("#analysis_en", text)
    counter = page.locator("#count-analysis_en")
    expect(counter).to_have_text(f"{limit + 10:,} / {limit:,} — 10 over")
    expect(page.locator("#analysis_en")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#count-status")).to_contain_text("10 over")  # said once, politely
    page.click("button[value=save]")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator("#analysis_en").input_value() == text
    assert page.evaluate("document.activeElement.id") == "analysis_en"
    expect(page.locator("#error-analysis_en")).to_contain_text(f"At most {limit:,} characters")
    page.fill("#analysis_en", "Shorter now.")
    expect(counter).to_have_text(f"12 / {limit:,}")
    expect(page.locator("#analysis_en")).not_to_have_attribute("aria-invalid", "true")


def test_the_counter_and_the_server_count_line_breaks_and_emoji_alike(new_form):
    """Chromium posts each line break as CRLF, and an emoji is two UTF-16 units: both count one."""
    page = new_form
    limit = TEXT_LIMITS["summary"]
    summary = "\n".join(["🤖" * 9] * (limit // 10)) + "\n"  # exactly the limit
    page.fill("#title_en", "Counting line breaks")
    page.fill("#summary_en", summary)
    expect(page.locator("#count-summary_en")).to_have_text(f"{limit:,} / {limit:,}")
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_contain_text("Saved")
    assert page.locator("#summary_en").input_value() == summary
