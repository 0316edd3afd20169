"""What a reader sees in a real browser (Debian's Chromium) against a live server (conftest.py)."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from ainews.clock import utcnow
from ainews.rules import PER_PAGE
from conftest import EDITOR_PASSWORD
from models import Article

ZH_AGO = re.compile(r"^(刚刚|\d+(秒|分钟|小时|天|周|个月|年)前)$")


def card_title(card):
    return card.locator(".card-title .title-line").first


def test_header_toggle_switches_language_in_place(page, live_server):
    page.goto(f"{live_server}/en/")
    page.evaluate("window.stillTheSamePage = true")
    page.mouse.wheel(0, 700)
    page.wait_for_function("window.scrollY >= 600")
    scroll_before = page.evaluate("window.scrollY")

    page.click("#lang-zh")

    expect(page.locator("#page")).to_have_attribute("lang", "zh-Hans")
    expect(page).to_have_url(f"{live_server}/zh/")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")  # set when the swap settles
    expect(page.locator("#lang-zh")).to_have_attribute("aria-current", "true")
    expect(page.locator(".score dt").first).to_have_text("热度")
    assert page.title() == "AI资讯"
    assert abs(page.evaluate("window.scrollY") - scroll_before) < 50
    assert {c["name"]: c["value"] for c in page.context.cookies()}["lang"] == "zh"

    page.go_back()
    expect(page).to_have_url(f"{live_server}/en/")
    expect(page.locator(".score dt").first).to_have_text("Hot")


def test_bilingual_toggle_shows_both_languages(page, live_server):
    page.goto(f"{live_server}/zh/")
    page.evaluate("window.stillTheSamePage = true")

    page.click("#lang-both")

    expect(page).to_have_url(f"{live_server}/zh/?view=both")
    first_card = page.locator(".card").first
    expect(first_card.locator(".card-title .title-line")).to_have_count(2)
    langs = first_card.locator(".card-title .title-line").evaluate_all("els => els.map(e => e.lang)")
    assert langs == ["zh-Hans", "en"]
    assert page.evaluate("window.stillTheSamePage") is True


def test_card_toggle_changes_only_that_card(page, live_server):
    page.goto(f"{live_server}/en/")
    page.evaluate("window.stillTheSamePage = true")
    cards = page.locator(".card")
    first_before = card_title(cards.nth(0)).inner_text()
    second = cards.nth(1)
    second_id = second.get_attribute("id")

    second.locator(f"#{second_id}-zh").click()

    second = page.locator(f"#{second_id}")
    expect(card_title(second)).to_have_attribute("lang", "zh-Hans")
    expect(second.locator(f"#{second_id}-zh")).to_have_attribute("aria-current", "true")
    assert card_title(cards.nth(0)).inner_text() == first_before
    expect(card_title(cards.nth(2))).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server}/en/")
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_failed_swap_falls_back_to_the_link(page, live_server):
    page.goto(f"{live_server}/en/")
    card_id = page.locator(".card").first.get_attribute("id")
    link = page.locator(f"#{card_id}-zh")
    href = link.get_attribute("href")
    # The article disappears between page load and the click.
    link.evaluate("a => { a.setAttribute('hx-get', '/en/articles/gone/card?show=zh'); htmx.process(a) }")

    link.click()

    expect(page).to_have_url(f"{live_server}{href}")
    expect(page.locator("h1.card-title .title-line")).to_have_attribute("lang", "zh-Hans")


def test_clock_refreshes_every_time_with_one_request(page, live_server):
    clock_requests = []
    page.on("request", lambda r: "/times" in r.url and clock_requests.append(r.url))
    page.clock.install()
    page.goto(f"{live_server}/zh/")
    times = page.locator("time[data-relative]")
    assert times.count() >= 10
    newest = times.first
    expect(newest).to_have_text("刚刚")  # the demo's newest article was published at seeding, the site's now
    # Pretend the page has been open for a while: the newest card is now
    # five minutes old, and every other time on the page shows stale text.
    five_minutes_ago = (utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    newest.evaluate("(t, stamp) => t.setAttribute('datetime', stamp)", five_minutes_ago)
    times.evaluate_all("els => els.forEach(e => { e.textContent = 'stale' })")

    page.clock.run_for(61_000)

    expect(newest).to_have_text("5分钟前")
    texts = times.all_inner_texts()
    assert all(ZH_AGO.match(text) for text in texts), texts
    assert len(clock_requests) == 1


def test_links_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/en/")

    page.click("#lang-zh")
    expect(page).to_have_url(f"{live_server}/zh/?view=one")
    expect(page.locator(".score dt").first).to_have_text("热度")

    card_id = page.locator(".card").first.get_attribute("id")
    page.click(f"#{card_id}-both")
    expect(page.locator(f"#{card_id} .card-title .title-line")).to_have_count(2)

    page.click(".back a")
    page.locator(".card-title a").first.click()
    expect(page.locator(".analysis")).to_be_visible()
    context.close()


def test_an_editor_writes_with_a_live_preview_and_publishes(page, live_server):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server}/editor/")
    expect(page).to_have_url(re.compile(r"/editor/login\?next="))
    page.fill("#name", "alice")
    page.fill("#password", EDITOR_PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("main h1")).to_have_text("All articles")

    page.click(".editor-nav >> text=New article")
    preview = page.locator("#preview")
    page.fill("#title_en", "Tidal power gets a forecasting model")
    expect(preview.locator(".card-title")).to_contain_text("Tidal power gets a forecasting model")
    page.fill("#title_zh", "潮汐发电有了预测模型")
    expect(preview.locator(".card-title")).to_contain_text("潮汐发电有了预测模型")
    page.fill("#summary_en", "A harbour town schedules its turbines a day ahead.")
    page.fill("#summary_zh", "一座港口小镇提前一天安排涡轮机的运行。")
    page.fill("#analysis_en", "The model is **small** and runs on one laptop.")
    expect(preview.locator(".prose strong")).to_have_text("small")
    page.fill("#hot", "150")
    expect(page.locator("#error-hot")).to_contain_text("0 to 100")
    page.fill("#hot", "88")
    expect(page.locator("#error-hot")).to_have_text("")
    expect(preview.locator(".score-hot dd")).to_have_text("88")
    page.click(".tag-pick >> nth=0")
    expect(page.locator("#tags")).not_to_have_value("")
    page.check("input[name=preview_show][value=zh]")
    expect(preview.locator(".card-title")).not_to_contain_text("Tidal power")
    page.select_option("#status", "published")
    page.click("button[value=save]")
    expect(page.locator(".flash")).to_contain_text("Saved and published")

    for lang, title in (("en", "Tidal power gets a forecasting model"), ("zh", "潮汐发电有了预测模型")):
        page.goto(f"{live_server}/{lang}/")
        expect(card_title(page.locator(".card").first)).to_have_text(title)
    assert not errors, errors


def test_search_results_update_as_the_reader_types(page, live_server):
    page.goto(f"{live_server}/zh/search")
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#q").press_sequentially("开源", delay=50)
    results = page.locator("#results .card")
    expect(results.first).to_be_visible()
    expect(results.first.locator("mark").first).to_have_text("开源")
    expect(page).to_have_url(re.compile(r"/zh/search\?q=%E5%BC%80%E6%BA%90$"))
    found = results.count()
    page.locator("#q").press_sequentially(" zzzzzz", delay=30)
    expect(results).to_have_count(0)
    expect(page.locator(".result-count")).to_contain_text("没有")
    assert page.evaluate("window.stillTheSamePage") is True
    assert found >= 2


def test_scrolling_to_the_end_of_the_feed_appends_the_next_cards(page, serve):
    total = 2 * PER_PAGE + 5  # two full pages, and five more on the third

    def archive():
        for n in range(total):
            Article.create(
                title_en=f"Archive story {n:02d}",
                title_zh=f"旧闻 {n:02d}",
                status="published",
                published_at=utcnow() - timedelta(days=400 + n),
            )

    live_server = serve(archive)
    page.goto(f"{live_server}/en/")
    cards = page.locator("#cards > .card")
    expect(cards).to_have_count(PER_PAGE)
    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(2 * PER_PAGE)
    expect(page).to_have_url(f"{live_server}/en/?page=1-2")  # every page loaded so far
    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(total)
    expect(page.locator("#load-more")).to_have_count(0)
    titles = page.locator("#cards > .card .card-title .title-line").all_inner_texts()
    assert titles == [f"Archive story {n:02d}" for n in range(total)]
