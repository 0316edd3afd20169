"""Shared fixtures: an app on a fresh database per test, and ways to fill it.

The database is a new SQLite file per test; with
TEST_DATABASE_URL=postgresql://… it is that PostgreSQL database instead,
emptied before each test (`make test-postgres`).
"""

import logging
import os
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from peewee import PostgresqlDatabase

import ainews.clock
from ainews.clock import utcnow
from ainews.db import database, open_database
from ainews.schema import create_tables
from app import create_app
from models import MODELS, Article, Editor, Tag, set_tags

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))
if TEST_DATABASE_URL and not ON_POSTGRES:
    raise RuntimeError(f"TEST_DATABASE_URL must be a postgresql:// URL, not {TEST_DATABASE_URL!r}")
# The tests empty the database they are given: never one that may hold a site.
if ON_POSTGRES and "test" not in urlsplit(TEST_DATABASE_URL).path:
    raise RuntimeError(
        "TEST_DATABASE_URL must name a database made for the tests (with 'test' in its name): every test empties it"
    )


def sqlite_only(why):
    """Mark a test about something only SQLite has (pragmas, its query plans)."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"SQLite only: {why}")


def pytest_sessionstart(session):
    """Fail at once, not in every test, when the PostgreSQL test database is unreachable."""
    if ON_POSTGRES:
        db = open_database(TEST_DATABASE_URL)
        db.connect()
        db.close()


def pytest_terminal_summary(terminalreporter):
    if ON_POSTGRES:
        terminalreporter.write_line("Database: PostgreSQL (TEST_DATABASE_URL).")
    else:
        terminalreporter.write_line(
            "Database: SQLite. The PostgreSQL run was skipped (TEST_DATABASE_URL is not set): "
            "make test-postgres TEST_DATABASE_URL=postgresql:///news_test",
            yellow=True,
            bold=True,
        )


def database_url(tmp_path, name="news.db"):
    """Where a test's database lives: a new SQLite file in `tmp_path`, or the PostgreSQL test database."""
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / name}"


_postgres_schema_made = False


def create_empty_tables():
    """Every table, empty. A new SQLite file gets them all; the PostgreSQL
    schema is made once per run (that takes 0.1 s), then truncated for each test.
    The few tests that drop a column or the search index put it back themselves."""
    global _postgres_schema_made
    db = database()
    if not isinstance(db, PostgresqlDatabase):
        create_tables()
        return
    if not _postgres_schema_made:
        create_tables()
        _postgres_schema_made = True
    tables = ", ".join(f'"{model._meta.table_name}"' for model in MODELS)
    with db.connection_context():
        db.execute_sql(f"TRUNCATE {tables}, article_search RESTART IDENTITY CASCADE")


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "VIEW_FLUSH_SECONDS": 0,  # each view in the database before its page returns
            "DATABASE_POOL_SIZE": 16,  # PostgreSQL: some tests hold eight connections at once
            "DATABASE_URL": database_url(tmp_path),
        }
    )
    create_empty_tables()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """An open connection for tests that use the models directly."""
    with database().connection_context():
        yield database()


@pytest.fixture
def make_tag(app):
    def make(slug="open-source", name_en="Open Source", name_zh="开源"):
        with database().connection_context():
            return Tag.create(slug=slug, name_en=name_en, name_zh=name_zh)

    return make


@pytest.fixture
def make_article(app):
    """Create a published article; any field can be overridden."""

    def make(tags=(), **fields):
        values = {
            "title_en": "Open models reach the classroom",
            "title_zh": "开源模型走进课堂",
            "summary_en": "Schools try small open models on their own computers.",
            "summary_zh": "学校在自己的电脑上试用小型开源模型。",
            "analysis_en": "First paragraph.\n\nSecond paragraph.",
            "analysis_zh": "第一段。\n\n第二段。",
            "hot": 70,
            "quality": 75,
            "impact": 60,
            "status": "published",
            "published_at": utcnow() - timedelta(hours=12),
        }
        values.update(fields)
        with database().connection_context():
            article = Article.create(**values)
            set_tags(article, tags)
        return article

    return make


class Clock:
    """The site's clock, in the test's hands: `now` is what every `utcnow()` of the site returns."""

    def __init__(self, now):
        self.now = now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Stop the site's clock at a known moment; the test moves it (clock.now = …, clock.advance(minutes=5))."""
    controlled = Clock(datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc))

    class ControlledDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return controlled.now.astimezone(tz) if tz else controlled.now.replace(tzinfo=None)

    monkeypatch.setattr(ainews.clock, "datetime", ControlledDatetime)
    # If the site stopped reading the time this way, every test using this fixture must know.
    assert ainews.clock.utcnow() == controlled.now, "ainews.clock.utcnow() no longer follows the controlled clock"
    return controlled


class QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries = []

    def emit(self, record):
        if record.name == "peewee":  # not "peewee.pool", which logs connections
            self.queries.append(record.msg)


@pytest.fixture
def count_queries():
    """Collects the SQL that Peewee runs while the test goes on."""
    logger = logging.getLogger("peewee")
    counter = QueryCounter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    yield counter.queries
    logger.removeHandler(counter)
    logger.setLevel(old_level)


def htmx(**extra):
    """Headers of an htmx request, as htmx 2 sends them."""
    return {"HX-Request": "true", **extra}


# Editors ----------------------------------------------------------------------

EDITOR_PASSWORD = "a long enough password"


@pytest.fixture
def make_editor(app):
    def make(name="alice", password=EDITOR_PASSWORD):
        editor = Editor(name=name)
        editor.set_password(password)
        with database().connection_context():
            editor.save()
        return editor

    return make


def csrf_token(client, url="/editor/login"):
    """The CSRF token a page gives this client's session."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html).group(1)


def sign_in(client, name="alice", password=EDITOR_PASSWORD, **extra):
    return client.post(
        "/editor/login",
        data={
            "name": name,
            "password": password,
            "csrf_token": csrf_token(client),
            **extra,
        },
    )


@pytest.fixture
def editor_client(client, make_editor):
    """A client with an editor signed in."""
    make_editor()
    assert sign_in(client).status_code == 303
    return client


def form_data(client, url="/editor/new", **fields):
    """A complete, valid article form as the editor would post it."""
    data = {
        "csrf_token": csrf_token(client, url),
        "category_en": "AI News",
        "category_zh": "AI资讯",
        "title_en": "Robots learn to fold laundry",
        "title_zh": "机器人学会叠衣服",
        "summary_en": "A lab arm folds shirts.",
        "summary_zh": "实验室机械臂能叠衬衫。",
        "analysis_en": "It is slow.\n\nIt is cheap.",
        "analysis_zh": "速度慢。\n\n成本低。",
        "tags": "Robotics|机器人",
        "hot": "60",
        "quality": "70",
        "impact": "50",
        "status": "published",
        "published_at": "",
        "slug": "",
        "version": "",
    }
    data.update(fields)
    return data


def form_values(client, url):
    """What a browser would post from the article form on `url`, untouched."""
    return form_values_in(client.get(url).get_data(as_text=True))


def form_values_in(html):
    """What a browser would post from the article form in this page."""
    soup = BeautifulSoup(html, "html.parser")
    data = {}
    for element in soup.find("form", id="article-form").find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if name is None:  # a browser posts only named fields
            continue
        if element.name == "textarea":
            # Browsers drop the newline that opens a textarea's content.
            data[name] = element.text.removeprefix("\r\n").removeprefix("\n")
        elif element.name == "select":
            data[name] = element.find("option", selected=True)["value"]
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data[name] = element.get("value", "y")
        else:
            data[name] = element.get("value", "")
    return data
