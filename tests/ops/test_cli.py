"""The Flask CLI commands."""

import json

import pytest

from ainews.db import database
from ainews.ops.demo import DEMO_FILE
from ainews.schema import PLAIN_TEXTS, REPLACED_INDEXES
from conftest import ON_POSTGRES
from models import Article, Editor, Tag


def counts():
    with database().connection_context():
        return (
            Article.select().count(),
            Article.select().where(Article.status == "draft").count(),
            Tag.select().count(),
        )


def test_init_db_is_safe_to_repeat(runner):
    assert "Database ready" in runner.invoke(args=["init-db"]).output
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_init_db_replaces_the_feed_indexes_without_ids(runner):
    with database().connection_context():
        database().execute_sql('DROP INDEX "article_status_published_at_id"')
        database().execute_sql('CREATE INDEX "article_status_published_at" ON "article" ("status", "published_at")')
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with database().connection_context():
        names = {index.name for index in database().get_indexes("article")}
    assert "article_status_published_at_id" in names and not names & set(REPLACED_INDEXES)


def test_seed_demo_adds_the_demo_once(runner):
    with open(DEMO_FILE, encoding="utf-8") as f:
        demo = json.load(f)

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert f"Added {len(demo['articles'])} demo articles." in first.output
    assert "Added 0 demo articles." in second.output
    total, drafts, tags = counts()
    assert total == len(demo["articles"]) >= 12
    assert drafts >= 2
    assert tags == len(demo["tags"])


def test_seed_demo_if_empty_leaves_existing_data_alone(runner, make_article):
    make_article()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not added" in result.output
    assert counts()[0] == 1


def test_demo_articles_render_in_both_languages(runner, client):
    runner.invoke(args=["seed-demo"])
    for lang in ("en", "zh"):
        for view in ("one", "both"):
            response = client.get(f"/{lang}/?view={view}")
            assert response.status_code == 200
            assert response.get_data(as_text=True).count('class="card"') >= 10


def editor_hash(name):
    with database().connection_context():
        editor = Editor.get_or_none(Editor.name == name)
        return editor and editor.password_hash


def test_create_editor_reads_the_password_twice_from_piped_input(runner):
    result = runner.invoke(args=["create-editor", "alice"], input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert "Editor alice created." in result.output
    stored = editor_hash("alice")
    assert stored.startswith(("scrypt:", "pbkdf2:")) and "a long password" not in stored
    assert "a long password" not in result.output


@pytest.mark.parametrize(
    "name, lines, error",
    [
        ("alice", "short\nshort\n", "at least 10 characters"),
        ("alice", "a long password\nanother one!!\n", "passwords differ"),
        ("alice", "", "at least 10 characters"),
        ("alice", ("x" * 201 + "\n") * 2, "at most 200"),
        ("bad name!", "a long password\na long password\n", "Invalid value"),
        ("", "a long password\na long password\n", "Invalid value"),
    ],
)
def test_create_editor_refuses_bad_input(runner, name, lines, error):
    result = runner.invoke(args=["create-editor", name], input=lines)
    assert result.exit_code != 0
    assert error in result.output
    assert editor_hash(name) is None


def test_create_editor_twice_needs_reset(runner):
    runner.invoke(args=["create-editor", "alice"], input="a long password\na long password\n")
    first = editor_hash("alice")
    again = runner.invoke(args=["create-editor", "alice"], input="other password\nother password\n")
    assert again.exit_code != 0 and "--reset" in again.output
    assert editor_hash("alice") == first
    reset = runner.invoke(args=["create-editor", "alice", "--reset"], input="other password\nother password\n")
    assert reset.exit_code == 0 and editor_hash("alice") != first


def test_reset_of_an_unknown_editor_fails(runner):
    result = runner.invoke(args=["create-editor", "nobody", "--reset"], input="a long password\na long password\n")
    assert result.exit_code != 0 and "no editor called nobody" in result.output


NEWER_COLUMNS = ("outdated", "cover", "cover_alt_en", "cover_alt_zh")


def test_init_db_adds_columns_that_newer_code_expects(app, runner, make_article):
    make_article(slug="older")
    with database().connection_context():
        # As a database made before the column: without the index that names it, too.
        # Made before the column, that index fails on PostgreSQL; SQLite reads
        # the unknown "outdated" as a string and makes a wrong index instead.
        database().execute_sql("DROP INDEX article_outdated")
        # Several columns at once, as an upgrade over more than one release brings:
        # on PostgreSQL, filling one made the next one's ALTER TABLE fail.
        for column in NEWER_COLUMNS:
            database().execute_sql(f"ALTER TABLE article DROP COLUMN {column}")
        assert not set(NEWER_COLUMNS) & {c.name for c in database().get_columns("article")}
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with database().connection_context():
        assert set(NEWER_COLUMNS) <= {c.name for c in database().get_columns("article")}
        older = Article.get(Article.slug == "older")
        assert [getattr(older, column) for column in NEWER_COLUMNS] == [""] * len(NEWER_COLUMNS)
        assert "article_outdated" in {index.name for index in database().get_indexes("article")}


def test_reindex_rebuilds_the_search_index(runner, make_article):
    from ainews import search

    make_article(slug="lantern", title_en="Lantern festival")
    with database().connection_context():
        database().execute_sql("DELETE FROM article_search")
        assert search.search("lantern") == ([], 0, False)
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "Indexed 1 articles." in result.output
    with database().connection_context():
        assert [a.slug for a in search.search("lantern")[0]] == ["lantern"]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: SQLite does not compress text")
def test_init_db_stores_long_texts_uncompressed_in_the_row_if_it_fits(runner, make_article):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    make_article(slug="fits", analysis_en="An analysis that fits in the row with the rest. " * 100)  # 4.8 kB
    with database().connection_context():
        toast = database().execute_sql("SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'article'")
        toast = toast.fetchone()[0]
        assert database().execute_sql(f"SELECT count(*) FROM {toast}").fetchone()[0] == 0  # nosec B608 # from the catalog
    article = make_article(analysis_en="A long analysis that PostgreSQL would compress. " * 200)  # 9.8 kB
    with database().connection_context():
        storage = dict(
            database()
            .execute_sql(
                "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'article'::regclass AND attnum > 0"
            )
            .fetchall()
        )
        stored = (
            database()
            .execute_sql("SELECT pg_column_compression(analysis_en) FROM article WHERE id = %s", (article.id,))
            .fetchone()[0]
        )
    assert {column: storage[column] for column in PLAIN_TEXTS["article"]} == dict.fromkeys(PLAIN_TEXTS["article"], "e")
    assert stored is None  # not compressed
