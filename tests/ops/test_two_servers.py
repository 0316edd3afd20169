"""Two app servers on one PostgreSQL database, as real gunicorn processes: what
one writes, the other shows at once, and they share sessions, the sign-in
limit, view counts, cached pages and search."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ainews.db import database
from ainews.rules import LOGIN_LIMIT
from conftest import EDITOR_PASSWORD, ON_POSTGRES, TEST_DATABASE_URL
from gunicorn_runner import Gunicorn
from models import Article

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: several servers need a shared database")


class Server(Gunicorn):
    """One gunicorn (one worker) on a port of its own, on the test database."""

    def __init__(self):
        super().__init__(
            TEST_DATABASE_URL,
            "--access-logfile",
            "/dev/null",
            SECRET_KEY="shared by every server",
            PROXY_COUNT="1",  # the tests say which address a request comes from
            VIEW_FLUSH_SECONDS="0",
            BIND="127.0.0.1:0",
            WEB_CONCURRENCY="1",
            THREADS="2",
        )
        port = self.listening_port()
        self.wait_for("stderr", "Booting worker")
        self.base = f"http://127.0.0.1:{port}"


class Browser:
    """Cookies of one reader or editor, sent to whichever server a request goes to."""

    def __init__(self, address="203.0.113.7"):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)
        self.address = address

    def request(self, server, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(server.base + path, data=body, headers={"X-Forwarded-For": self.address})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, server, path):
        _, html = self.request(server, path)
        return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html).group(1)

    def sign_in(self, server, name="alice", password=EDITOR_PASSWORD):
        form = {"name": name, "password": password, "csrf_token": self.csrf(server, "/editor/login")}
        return self.request(server, "/editor/login", form)[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


@pytest.fixture
def servers(app):
    """Two servers on the test database (the `app` fixture emptied it)."""
    started = []
    try:
        started.append(Server())
        started.append(Server())
        yield started
    finally:
        for server in started:
            server.stop()


def article_form(browser, server, title):
    return {
        "csrf_token": browser.csrf(server, "/editor/new"),
        "category_en": "AI News",
        "category_zh": "AI资讯",
        "title_en": title,
        "title_zh": "两台服务器",
        "summary_en": "Written through one server.",
        "summary_zh": "经由一台服务器写入。",
        "analysis_en": "",
        "analysis_zh": "",
        "tags": "Operations|运维",
        "hot": "50",
        "quality": "50",
        "impact": "50",
        "status": "published",
        "published_at": "",
        "slug": "",
        "version": "",
    }


def test_a_write_through_one_server_shows_on_the_other_at_once(servers, make_editor, make_article):
    one, two = servers
    make_editor()
    make_article(slug="older-story", title_en="An older story")
    reader = Browser()
    for server in servers:  # both have the feed and a search in their caches now
        assert "An older story" in reader.request(server, "/en/")[1]
        assert "Two servers" not in reader.request(server, "/en/search?q=agree")[1]

    editor = Browser()
    assert editor.sign_in(one) == 303
    status, body = editor.request(one, "/editor/new", article_form(editor, one, "Two servers agree"))
    assert status == 303, body[-3000:]

    assert "Two servers agree" in reader.request(two, "/en/")[1]
    assert "Two servers <mark>agree</mark>" in reader.request(two, "/en/search?q=agree")[1]
    assert "Two servers agree" in reader.request(two, "/en/tags/operations")[1]


def test_a_session_started_on_one_server_works_and_ends_on_the_other(servers, make_editor):
    one, two = servers
    make_editor()
    editor = Browser()
    assert editor.request(two, "/editor/")[0] == 302  # not signed in: to the sign-in page
    assert editor.sign_in(one) == 303
    assert editor.request(two, "/editor/")[0] == 200
    token = editor.csrf(two, "/editor/")
    assert editor.request(two, "/editor/logout", {"csrf_token": token})[0] == 303
    assert editor.request(one, "/editor/")[0] == 302


def test_the_sign_in_limit_counts_attempts_on_both_servers(servers, make_editor):
    make_editor()
    make_editor(name="bob")
    guesser = Browser(address="198.51.100.9")
    for n in range(LOGIN_LIMIT):
        assert guesser.sign_in(servers[n % 2], password=f"wrong guess {n}") == 401
    assert guesser.sign_in(servers[0]) == 429
    assert guesser.sign_in(servers[1]) == 429
    assert Browser(address="192.0.2.1").sign_in(servers[1], name="bob") == 303  # another address and name


def test_views_counted_on_both_servers_add_up(servers, make_article):
    article = make_article(slug="popular")
    reader = Browser()
    for n in range(5):
        assert reader.request(servers[n % 2], "/en/articles/popular")[0] == 200
    with database().connection_context():
        assert Article.get_by_id(article.id).views == 5
    assert "6 views" in reader.request(servers[1], "/en/articles/popular")[1]
