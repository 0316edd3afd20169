"""flask export / flask import: a faithful round trip, and bad files refused whole."""

import json

import pytest

from ainews import search
from ainews.db import database
from ainews.ops.demo import seed_demo
from app import create_app
from conftest import create_empty_tables, database_url
from models import Article, Tag


@pytest.fixture
def exported(app, runner, tmp_path):
    """The demo site exported to a file."""
    with database().connection_context():
        seed_demo()
    path = tmp_path / "export.json"
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0 and "Exported 14 articles and 12 tags" in result.output
    return path


def fresh_runner(tmp_path, name):
    """A site on an empty database: a new SQLite file, or the PostgreSQL test database emptied."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path, name)})
    create_empty_tables()
    return app.test_cli_runner()


def test_export_import_export_gives_the_same_file(exported, tmp_path):
    runner = fresh_runner(tmp_path, "new.db")
    result = runner.invoke(args=["import", str(exported)])
    assert result.exit_code == 0, result.output
    assert "12 tags created, 0 tags updated, 14 articles created, 0 articles updated." in result.output
    again = tmp_path / "again.json"
    runner.invoke(args=["export", str(again)])
    assert again.read_bytes() == exported.read_bytes()
    provenance = [a for a in json.loads(again.read_text())["articles"] if a["model"]]
    assert len(provenance) == 1 and provenance[0]["generated_at"].endswith("Z")
    with database().connection_context():
        assert Article.select().where(Article.status == "draft").count() == 2
        assert search.search("开源")[1] > 0  # the search index followed the import


def test_import_updates_by_slug(exported, runner):
    data = json.loads(exported.read_text())
    data["articles"][0]["title_en"] = "A changed title"
    exported.write_text(json.dumps(data))
    result = runner.invoke(args=["import", str(exported)])
    assert "0 tags created, 12 tags updated, 0 articles created, 14 articles updated." in result.output
    with database().connection_context():
        assert Article.get(Article.slug == data["articles"][0]["slug"]).title_en == "A changed title"
        assert Article.select().count() == 14


def broken(data, how):
    article = data["articles"][0]
    if how == "score":
        article["hot"] = 101
    elif how == "bool score":
        article["quality"] = True
    elif how == "duplicate slug":
        data["articles"].append(dict(article))
    elif how == "no title":
        article["title_en"] = article["title_zh"] = ""
    elif how == "unknown tag":
        article["tags"] = ["no-such-tag"]
    elif how == "bad time":
        article["published_at"] = "yesterday"
    elif how == "status":
        article["status"] = "archived"
    elif how == "text type":
        article["summary_en"] = 42
    elif how == "too long":
        article["title_zh"] = "长" * 301
    elif how == "duplicate tag":
        data["tags"].append(dict(data["tags"][0]))
    elif how == "source":
        article["source_url"] = "javascript:alert(1)"
    elif how == "model":
        article["model"] = ["not", "text"]
    elif how == "generated":
        article["generated_at"] = "last week"
    elif how == "nul":
        article["summary_zh"] = "a\x00b"
    elif how == "nul in tag":
        data["tags"][0]["name_en"] = "\x00"
    elif how == "huge views":
        article["views"] = 2**31
    elif how == "long outdated":
        article["outdated"] = "title_zh " * 30
    elif how == "vertical tab":
        article["summary_zh"] = "Word pastes this\x0bas a line break"
    elif how == "old time":
        article["published_at"] = "1999-12-31T23:00:00Z"
    elif how == "too many tags":
        data["tags"].append({"slug": "one-more", "name_en": "One more", "name_zh": ""})
        article["tags"] = [tag["slug"] for tag in data["tags"]]
    return data


@pytest.mark.parametrize(
    "how, words",
    [
        ("score", "hot must be a whole number from 0 to 100"),
        ("bool score", "quality must be a whole number"),
        ("duplicate slug", "slug appears twice"),
        ("no title", "needs a title"),
        ("unknown tag", "unknown tag no-such-tag"),
        ("bad time", "published_at must be a time"),
        ("status", "status must be one of"),
        ("text type", "summary_en must be text"),
        ("too long", "title_zh must be text of at most 300 characters"),
        ("duplicate tag", "slug appears twice"),
        ("source", "source_url must be an http(s) address"),
        ("model", "model must be text"),
        ("generated", "generated_at must be a time"),
        ("nul", "must not contain control characters"),
        ("nul in tag", "must not contain control characters"),
        ("vertical tab", "summary_zh: text must not contain control characters"),
        ("huge views", "views must be a whole number from 0 to 2147483647"),
        ("long outdated", "outdated must be text of at most 200"),
        ("old time", "published_at must be a time like 2026-05-01T09:30:00Z, in the years 2000 to 2100"),
        ("too many tags", "tags must be a list of at most 12 tag slugs"),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(exported, tmp_path, how, words):
    data = broken(json.loads(exported.read_text()), how)
    data["articles"][1]["title_en"] = "This good record must not be written either"
    exported.write_text(json.dumps(data))
    runner = fresh_runner(tmp_path, "new.db")
    result = runner.invoke(args=["import", str(exported)])
    assert result.exit_code != 0
    assert words in result.output and "nothing imported" in result.output
    with database().connection_context():
        assert Article.select().count() == 0 and Tag.select().count() == 0


def test_a_record_may_leave_out_what_has_a_default(runner, tmp_path):
    path = tmp_path / "short.json"
    path.write_text(json.dumps({"format": "ai-news/1", "tags": [], "articles": [{"slug": "short", "title_zh": "短"}]}))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    with database().connection_context():
        article = Article.get(Article.slug == "short")
    # The defaults of a new article, as the form and the API give them.
    assert (article.status, article.hot, article.category_zh, article.views) == ("draft", 50, "AI资讯", 0)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": "other"}',
        '{"format": "ai-news/1"}',
        '{"format": "ai-news/1", "tags": {}, "articles": []}',
        "\xff\xfe",
    ],
)
def test_files_of_the_wrong_shape_are_refused(tmp_path, runner, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("latin-1"))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and "nothing imported" in result.output
    with database().connection_context():
        assert Article.select().count() == 0


def test_a_missing_file_is_refused(runner, tmp_path):
    result = runner.invoke(args=["import", str(tmp_path / "missing.json")])
    assert result.exit_code != 0 and "cannot read" in result.output
