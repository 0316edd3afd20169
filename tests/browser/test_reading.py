"""Reading in two languages, as a reader sees it in Debian's Chromium: Chinese
Markdown, aligned bilingual text, swaps that keep the reader's place, times,
new articles, and infinite scroll that survives a reload.

The server's clock is ours to move (`site.clock`), so no test waits for time
to pass; the browser's clock is Playwright's (`page.clock`).
"""

import os
import shutil
import threading
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from ainews import clock
from ainews.db import database
from ainews.ops.demo import seed_demo
from ainews.schema import create_tables
from app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

if not os.path.exists(CHROMIUM):
    message = "Chromium is not installed: browser tests cannot run (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        raise RuntimeError(message)
    pytest.skip(f"!!! SKIPPED: {message} !!!", allow_module_level=True)

pytestmark = pytest.mark.browser
OPEN_WEIGHTS = "/articles/open-weights-open-source-or-something-in-between-how-to-read-a-model-release"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class ServerClock:
    """The site's clock, moved forward by hand: `ainews.clock` reads `datetime.now` through this."""

    def __init__(self):
        self.offset = timedelta(0)
        moved = self

        class MovedDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.now(tz) + moved.offset

        self.datetime = MovedDatetime

    def advance(self, **delta):
        self.offset += timedelta(**delta)

    def now(self):
        return clock.utcnow()


class Site:
    def __init__(self, url, server_clock):
        self.url, self.clock = url, server_clock


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site on a free port of 127.0.0.1, with a clock the tests move."""
    server_clock = ServerClock()
    real_datetime, clock.datetime = clock.datetime, server_clock.datetime
    path = tmp_path_factory.mktemp("reading") / "news.db"
    app = create_app({"SECRET_KEY": "reading-tests", "DATABASE_URL": f"sqlite:///{path}"})
    create_tables()
    with database().connection_context():
        seed_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", server_clock)
    server.shutdown()
    thread.join(timeout=5)
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
