"""Shared fixtures: an app on a fresh SQLite file per test, and ways to fill it."""
import logging
from datetime import timedelta

import pytest

from app import create_app
from models import Article, Tag, create_tables, database, set_tags, utcnow


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'news.db'}",
    })
    create_tables()
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
            "hot": 70, "quality": 75, "impact": 60,
            "status": "published",
            "published_at": utcnow() - timedelta(hours=12),
        }
        values.update(fields)
        with database().connection_context():
            article = Article.create(**values)
            set_tags(article, tags)
        return article
    return make


class QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries = []

    def emit(self, record):
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
