"""What every browser test shares: Debian's Chromium, and a site of its own on a free port.

Outside CI these tests skip, loudly, when Chromium is not installed. With
CI=true they must run.
"""

import os
import shutil
import threading
from contextlib import ExitStack, contextmanager

import pytest
from werkzeug.serving import make_server

from ainews.db import database
from ainews.ops.demo import seed_demo
from ainews.schema import create_tables
from app import create_app
from conftest import EDITOR_PASSWORD
from models import Editor

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    """Every test of this folder is a browser test; without Chromium, each skips (in CI, fails)."""
    ours = [item for item in items if str(item.path).startswith(HERE)]
    missing = not os.path.exists(CHROMIUM)
    message = "Chromium is not installed: browser tests cannot run (apt-get install chromium)"
    if ours and missing and os.environ.get("CI") == "true":
        raise pytest.UsageError(message)
    for item in ours:
        item.add_marker(pytest.mark.browser)
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"!!! SKIPPED: {message} !!!"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@contextmanager
def running(database_path, fill, secret="browser-tests"):
    """A site on the SQLite file `database_path`, filled by `fill()`, served on a free port of 127.0.0.1; its URL."""
    app = create_app({"SECRET_KEY": secret, "DATABASE_URL": f"sqlite:///{database_path}"})
    create_tables()
    with database().connection_context():
        fill()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        assert not thread.is_alive()


def an_editor():
    editor = Editor(name="alice")
    editor.set_password(EDITOR_PASSWORD)
    editor.save()


def demo_site():
    """The demo articles, published up to the clock's now, and an editor."""
    seed_demo()
    an_editor()


@pytest.fixture
def serve(tmp_path, clock):
    """Start a site of its own for this test; `serve(fill)` puts its content in and gives its URL.

    The site runs in this process, on the clock the test holds (`clock`):
    what it shows does not depend on when the test runs, or after which.
    """
    with ExitStack() as sites:
        yield lambda fill: sites.enter_context(running(tmp_path / "news.db", fill))


@pytest.fixture
def live_server(serve):
    """A site with the demo articles."""
    return serve(demo_site)
