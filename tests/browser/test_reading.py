"""Reading in two languages, as a reader sees it in Debian's Chromium: Chinese
Markdown, aligned bilingual text, swaps that keep the reader's place, times,
new articles, and infinite scroll that survives a reload.

The server's clock stands still unless a test moves it (`site.clock`), so no
test waits for time to pass; the browser's clock is Playwright's (`page.clock`).
"""

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from ainews import clock
from ainews.db import database
from ainews.ops.demo import seed_demo
from browser.conftest import running
from models import Article

OPEN_WEIGHTS = "/articles/open-weights-open-source-or-something-in-between-how-to-read-a-model-release"
PHONE = {"width": 390, "height": 844}


class ServerClock:
    """The site's clock, stopped, and moved forward only by hand: `ainews.clock` reads `datetime.now` here."""

    def __init__(self):
        self.moment = datetime.now(timezone.utc).replace(microsecond=0)
        stopped = self

        class StoppedDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return stopped.moment.astimezone(tz)

        self.datetime = StoppedDatetime

    def advance(self, **delta):
        self.moment += timedelta(**delta)

    def now(self):
        return self.moment


class Site:
    def __init__(self, url, server_clock):
        self.url, self.clock = url, server_clock


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site on a free port of 127.0.0.1, with a clock the tests move."""
    server_clock = ServerClock()
    real_datetime, clock.datetime = clock.datetime, server_clock.datetime
    path = tmp_path_factory.mktemp("reading") / "news.db"
    with running(path, seed_demo, secret="reading-tests") as url:
        yield Site(url, server_clock)
    clock.datetime = real_datetime


# 1. Markdown that works for Chinese ----------------------------------------------------


def test_bold_inside_chinese_text_on_the_demo_article(page, site):
    page.goto(f"{site.url}/zh{OPEN_WEIGHTS}")

    items = page.locator(".analysis li")
    expect(items).to_have_count(4)
    expect(items.first.locator("strong")).to_have_text("使用：")
    assert "**" not in page.locator(".analysis").inner_text()
    weight = items.first.locator("strong").evaluate("e => getComputedStyle(e).fontWeight")
    assert int(weight) >= 600


# 5. Times that read right ------------------------------------------------------------


def publish(site, title_en, title_zh, age=timedelta(0), **fields):
    """A published article, `age` old by the site's clock."""
    with database().connection_context():
        return Article.create(
            title_en=title_en,
            title_zh=title_zh,
            summary_en="A short summary.",
            summary_zh="一段简短的摘要。",
            status="published",
            published_at=site.clock.now() - age,
            **fields,
        )


def count_clock_answers(page):
    """window.clockAnswers: how many answers of the page clock have been swapped in."""
    page.evaluate(
        """window.clockAnswers = 0;
        document.addEventListener('htmx:afterOnLoad', e => { if (e.detail.elt.id === 'clock') clockAnswers++ })"""
    )


def test_one_minute_ago_from_60_to_119_seconds(page, site):
    article = publish(site, "Tide tables learn from buoys", "潮汐表向浮标学习", age=timedelta(seconds=55))
    page.clock.install()
    page.goto(f"{site.url}/en/")
    count_clock_answers(page)
    time = page.locator(f"#card-{article.slug} .published time")
    expect(time).to_have_text("just now")

    site.clock.advance(seconds=5)  # 60 s old when the page clock next asks
    page.clock.run_for(60_000)
    expect(time).to_have_text("1m ago")

    site.clock.advance(seconds=59)  # 119 s
    page.clock.run_for(60_000)
    page.wait_for_function("() => window.clockAnswers === 2")
    expect(time).to_have_text("1m ago")

    site.clock.advance(seconds=1)  # 120 s
    page.clock.run_for(60_000)
    expect(time).to_have_text("2m ago")


# 4. Cards wholly in their language -------------------------------------------------------

EN_AGO = re.compile(r"^(just now|\d+(m|h|d|w|mo|y) ago)$")
ZH_AGO = re.compile(r"^(刚刚|\d+(分钟|小时|天|周|个月|年)前)$")


def test_the_clock_keeps_each_language_of_a_bilingual_page_in_its_language(page, site):
    page.clock.install()
    page.goto(f"{site.url}/en/?view=both")
    english = page.locator("time[data-relative]:lang(en)")
    chinese = page.locator("time[data-relative]:lang(zh-Hans)")
    assert english.count() == chinese.count() >= 10
    page.locator("time[data-relative]").evaluate_all("els => els.forEach(e => { e.textContent = 'stale' })")

    page.clock.run_for(61_000)

    expect(english.first).not_to_have_text("stale")
    expect(chinese.first).not_to_have_text("stale")
    assert all(EN_AGO.match(text) for text in english.all_inner_texts())
    assert all(ZH_AGO.match(text) for text in chinese.all_inner_texts())


def test_the_cards_toggle_on_an_article_page_switches_the_whole_page(page, site):
    page.goto(f"{site.url}/en{OPEN_WEIGHTS}")
    page.evaluate("window.stillTheSamePage = true")
    card_id = page.locator(".card").get_attribute("id")

    page.click(f"#{card_id}-zh")

    expect(page).to_have_url(f"{site.url}/zh{OPEN_WEIGHTS}")
    expect(page.locator("#lang-zh")).to_have_attribute("aria-current", "true")
    expect(page.locator(".score dt").first).to_have_text("热度")
    expect(page.locator(".site-nav a").first).to_have_text("标签")
    assert page.evaluate("window.stillTheSamePage") is True


# 2. Paragraph-aligned bilingual reading ---------------------------------------------------


def boxes(row):
    return [cell.bounding_box() for cell in row.locator(":scope > .prose").all()]


def test_a_bilingual_article_shows_each_paragraph_beside_its_translation(page, site):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site.url}/en{OPEN_WEIGHTS}?view=both")
    rows = page.locator(".analysis .block-pair")
    expect(rows).to_have_count(5)

    for n in range(5):
        english, chinese = boxes(rows.nth(n))
        assert abs(english["y"] - chinese["y"]) <= 2  # the same line
        assert english["x"] + english["width"] <= chinese["x"]  # English on the left, Chinese beside it
        assert english["width"] > 300 and chinese["width"] > 300
    first = rows.nth(0).locator(":scope > .prose")
    assert first.evaluate_all("els => els.map(e => e.lang)") == ["en", "zh-Hans"]
    summary_en, summary_zh = (p.bounding_box() for p in page.locator("#summary p").all())
    assert abs(summary_en["y"] - summary_zh["y"]) <= 2 and summary_en["x"] < summary_zh["x"]


def test_on_a_phone_each_paragraph_is_followed_by_its_translation(page, site):
    page.set_viewport_size(PHONE)
    page.goto(f"{site.url}/zh{OPEN_WEIGHTS}?view=both")
    rows = page.locator(".analysis .block-pair")

    for n in range(rows.count()):
        chinese, english = boxes(rows.nth(n))
        assert chinese["y"] + chinese["height"] <= english["y"] + 1  # one after the other
        assert abs(chinese["x"] - english["x"]) < 20  # in the one column the phone has
    last_of_first = boxes(rows.nth(0))[1]
    assert last_of_first["y"] + last_of_first["height"] <= boxes(rows.nth(1))[0]["y"]  # pairs do not interleave
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# 3. A swap that keeps your place ------------------------------------------------------------


def top_of(page, selector):
    return page.locator(selector).evaluate("e => e.getBoundingClientRect().top")


def read_from(page, selector, below_header):
    """Scroll so the element's top is `below_header` px below the sticky header (negative: above it)."""
    line = page.locator(".site-header").evaluate("e => e.getBoundingClientRect().bottom")
    scroll_by = "(e, y) => window.scrollBy(0, e.getBoundingClientRect().top - y)"
    page.locator(selector).evaluate(scroll_by, line + below_header)
    top = top_of(page, selector)
    assert abs(top - (line + below_header)) < 1, "the page is too short to scroll there"
    return top


def switch(page, link, lang):
    """Click a language or view link and wait until the swapped page has settled."""
    page.click(link)
    expect(page.locator(f"{link}[aria-current]")).to_have_count(1)
    expect(page.locator("#page")).to_have_attribute("lang", lang)
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_switching_language_keeps_the_card_at_the_top(page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site.url}/en/")
    page.evaluate("window.stillTheSamePage = true")
    card = "#cards > .card:nth-child(6)"
    card_id = page.locator(card).get_attribute("id")
    top = read_from(page, card, -40)  # its first lines already read

    switch(page, "#lang-zh", "zh-Hans")
    assert abs(top_of(page, f"#{card_id}") - top) <= 8
    assert page.evaluate("document.activeElement.id") == "lang-zh"

    switch(page, "#lang-both", "zh-Hans")
    assert abs(top_of(page, f"#{card_id}") - top) <= 8
    assert page.evaluate("document.activeElement.id") == "lang-both"
    assert page.evaluate("window.stillTheSamePage") is True


# Low enough that the shorter Chinese page can still scroll the paragraph to the top.
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 600}, PHONE], ids=["desktop", "phone"])
def test_switching_language_keeps_the_paragraph_at_the_top(page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site.url}/en{OPEN_WEIGHTS}?view=one")
    top = read_from(page, "#p-2", -20)  # the line runs through its first sentences

    switch(page, "#lang-both", "en")
    assert abs(top_of(page, "#p-2") - top) <= 8

    switch(page, "#lang-zh", "zh-Hans")
    assert abs(top_of(page, "#p-2") - top) <= 8


def test_a_cards_own_toggle_keeps_that_card_in_place(page, site):
    page.goto(f"{site.url}/en/")
    card = page.locator("#cards > .card:nth-child(3)")
    card_id = card.get_attribute("id")
    top = read_from(page, f"#{card_id}", -60)

    page.locator(f"#{card_id}-both").focus()
    page.keyboard.press("Enter")

    expect(page.locator(f"#{card_id}-both")).to_have_attribute("aria-current", "true")
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")
    assert abs(top_of(page, f"#{card_id}") - top) <= 8
    assert page.evaluate("document.activeElement.id") == f"{card_id}-both"


def test_without_javascript_links_land_on_the_same_card_or_paragraph(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 700})
    page = context.new_page()
    page.goto(f"{site.url}/en/")
    card_id = page.locator("#cards > .card:nth-child(4)").get_attribute("id")

    page.click(f"#{card_id}-zh")

    expect(page).to_have_url(re.compile(rf"/zh/articles/[a-z0-9-]+\?view=one#{card_id}$"))
    header_bottom = page.locator(".site-header").evaluate("e => e.getBoundingClientRect().bottom")
    assert header_bottom <= top_of(page, f"#{card_id}") <= header_bottom + 40

    page.goto(f"{site.url}/zh{OPEN_WEIGHTS}?view=both#p-3")
    assert header_bottom <= top_of(page, "#p-3") <= header_bottom + 40
    context.close()


# 6. "N new articles" without a new request ---------------------------------------------------


def test_new_articles_are_announced_by_the_clock_and_inserted_on_click(page, site):
    requests = []
    page.on("request", lambda r: r.resource_type in ("xhr", "fetch") and requests.append(r.url))
    page.clock.install()
    page.goto(f"{site.url}/en/?view=both")
    count_clock_answers(page)
    first_before = page.locator("#cards > .card").first.get_attribute("id")
    notice = page.locator("#new-articles a")
    expect(notice).to_have_count(0)

    site.clock.advance(seconds=20)
    article = publish(site, "Kelp farms feed a forecasting model", "海带养殖场为预测模型提供数据")
    page.clock.run_for(60_000)

    expect(notice).to_have_text("1 new article · 1 篇新资讯")
    assert len(requests) == 1 and "/en/times?" in requests[0]  # the clock's own poll, nothing more
    notice.click()

    cards = page.locator("#cards > .card")
    expect(cards.first).to_have_attribute("id", f"card-{article.slug}")
    expect(cards.nth(1)).to_have_attribute("id", first_before)
    expect(notice).to_have_count(0)
    expect(page.locator(f"#card-{article.slug} .card-title a")).to_be_focused()

    page.clock.run_for(60_000)  # the clock now counts from the inserted cards on
    page.wait_for_function("() => window.clockAnswers === 2")
    expect(notice).to_have_count(0)
    assert page.locator(f"#card-{article.slug}").count() == 1


# 10. Sharing ----------------------------------------------------------------------------------


def test_copy_link_and_the_share_sheet(browser, site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    # A share sheet stand-in, as a phone's browser would have one.
    context.add_init_script("navigator.share = data => { window.shared = data; return Promise.resolve(); }")
    page = context.new_page()
    page.goto(f"{site.url}/en{OPEN_WEIGHTS}")

    page.click(".share-copy")

    expect(page.locator(".share-status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{site.url}/en{OPEN_WEIGHTS}"
    page.click(".share-native")
    page.wait_for_function("() => window.shared !== undefined")
    assert page.evaluate("window.shared.url") == f"{site.url}/en{OPEN_WEIGHTS}"
    context.close()


def test_without_a_share_sheet_its_button_stays_hidden(page, site):
    page.add_init_script("delete Navigator.prototype.share")
    page.goto(f"{site.url}/en{OPEN_WEIGHTS}")
    expect(page.locator(".share-copy")).to_be_visible()
    expect(page.locator(".share-native")).to_be_hidden()


# 9. Infinite scroll that survives reload and Back ---------------------------------------------
# Runs last: it adds forty old articles to the module's site.


def card_ids(page):
    return page.locator("#cards > .card").evaluate_all("els => els.map(e => e.id)")


def test_a_reload_after_two_load_mores_shows_the_same_cards_at_the_same_place(page, site):
    with database().connection_context():
        for n in range(40):
            Article.create(
                title_en=f"Archive story {n:02d}",
                title_zh=f"旧闻 {n:02d}",
                status="published",
                published_at=site.clock.now() - timedelta(days=400 + n),
            )
        total = Article.count_published()
    assert 40 < total <= 60
    page.goto(f"{site.url}/en/")
    cards = page.locator("#cards > .card")
    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(40)
    expect(page).to_have_url(f"{site.url}/en/?page=1-2")
    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(total)
    expect(page).to_have_url(f"{site.url}/en/?page=1-3")
    loaded = card_ids(page)
    reading = f"#{loaded[44]}"
    top = read_from(page, reading, -30)
    kept = "id => history.state && history.state.place && history.state.place.id === id"
    page.wait_for_function(kept, arg=loaded[44])

    page.reload()

    assert card_ids(page) == loaded
    assert abs(top_of(page, reading) - top) <= 8

    page.evaluate("window.stillTheSamePage = true")
    page.click(f"{reading} .card-title a")
    expect(page.locator("h1.card-title")).to_be_visible()
    page.go_back()

    # Loaded afresh (Playwright's Chromium keeps no back-forward cache), not kept in memory.
    assert page.evaluate("window.stillTheSamePage") is None

    expect(page).to_have_url(f"{site.url}/en/?page=1-3")
    assert card_ids(page) == loaded
    assert abs(top_of(page, reading) - top) <= 8
