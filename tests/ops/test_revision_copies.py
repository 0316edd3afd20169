"""Revisions in copies of the site: export and import, backup and restore, and an older database upgraded."""

import json
import sqlite3

import pytest

from ainews.articles import delete_article, restore_deleted, save_article
from ainews.db import database
from ainews.rules import TEXT_COLUMNS
from app import create_app
from conftest import create_empty_tables, database_url, sqlite_only
from models import Article, Revision


def history_of(slug=None, article_id=None):
    with database().connection_context():
        if article_id is None:
            article_id = Article.get(Article.slug == slug).id
        rows = Revision.select().where(Revision.article_id == article_id).order_by(Revision.version)
        return [(rev.version, rev.kind, rev.saved_by, json.loads(rev.snapshot)["title_en"]) for rev in rows]


def save(article_id, by, **changes):
    with database().connection_context():
        article = Article.get_by_id(article_id)
        values = {column: getattr(article, column) for column in TEXT_COLUMNS}
        values.update(status=article.status, **changes)
        save_article(article, values, [], expected_version=article.version, by=by)


@pytest.fixture
def site_with_history(app, make_article):
    """An article saved twice, and another deleted after a save."""
    kept = make_article(slug="kept", title_en="Kept v1")
    save(kept.id, "alice", title_en="Kept v2")
    save(kept.id, "API: pipeline", title_en="Kept v3")
    gone = make_article(slug="gone", title_en="Gone v1")
    save(gone.id, "bob", title_en="Gone v2")
    with database().connection_context():
        delete_article(Article.get_by_id(gone.id), "bob")
    return kept, gone


def fresh_runner(tmp_path, name):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path, name)})
    create_empty_tables()
    return app.test_cli_runner()


def test_export_and_import_carry_revisions_of_live_and_deleted_articles(site_with_history, runner, tmp_path):
    kept, gone = site_with_history
    path, again = tmp_path / "export.json", tmp_path / "again.json"
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0 and "6 revisions" in result.output
    before = history_of("kept"), history_of(article_id=gone.id)

    other = fresh_runner(tmp_path, "other.db")
    result = other.invoke(args=["import", str(path)])
    assert result.exit_code == 0 and "6 revisions added." in result.output, result.output
    assert (history_of("kept"), history_of(article_id=gone.id)) == before
    assert other.invoke(args=["export", str(again)]).exit_code == 0
    assert again.read_bytes() == path.read_bytes()
    # The deleted article is in the other site's Deleted list, and comes back with its id.
    with database().connection_context():
        back = restore_deleted(gone.id, "carol")
    assert (back.id, back.title_en) == (gone.id, "Gone v2")
    with database().connection_context():  # the id was never given out on this site: it is not given out next
        assert Article.create(slug="next", title_en="Next").id > gone.id
    # Importing again adds nothing twice.
    assert "0 revisions added." in other.invoke(args=["import", str(path)]).output


def test_an_older_export_imported_over_newer_saves_is_kept_as_a_new_version(site_with_history, runner, tmp_path):
    kept, _gone = site_with_history
    path = tmp_path / "export.json"
    runner.invoke(args=["export", str(path)])
    save(kept.id, "alice", title_en="Kept v4")
    save(kept.id, "alice", title_en="Kept v5")
    assert runner.invoke(args=["import", str(path)]).exit_code == 0  # the article is "Kept v3" again
    save(kept.id, "alice", title_en="Kept after the import")
    assert history_of("kept")[-3:] == [
        (5, "save", "alice", "Kept v5"),
        (6, "save", "", "Kept v3"),
        (7, "save", "alice", "Kept after the import"),
    ]


def test_an_export_from_before_revisions_still_imports(app, make_article, runner, tmp_path):
    make_article(slug="old-style")
    path = tmp_path / "old.json"
    runner.invoke(args=["export", str(path)])
    data = json.loads(path.read_text())
    del data["revisions"]
    path.write_text(json.dumps(data))
    result = fresh_runner(tmp_path, "other.db").invoke(args=["import", str(path)])
    assert result.exit_code == 0 and "1 articles created" in result.output and "0 revisions added." in result.output


@pytest.mark.parametrize(
    "revisions",
    [
        "not a list",
        [{"versions": []}],
        [{"slug": "gone", "deleted": True, "versions": []}],
        [{"slug": "kept", "versions": [{"version": "1"}]}],
        [{"slug": "kept", "versions": [{"version": 1, "saved_at": "yesterday", "kind": "save", "snapshot": {}}]}],
    ],
)
def test_bad_revisions_are_refused_and_nothing_is_written(app, make_article, runner, tmp_path, revisions):
    make_article(slug="kept")
    path = tmp_path / "export.json"
    runner.invoke(args=["export", str(path)])
    data = json.loads(path.read_text())
    data["revisions"], data["articles"][0]["title_en"] = revisions, "Should not be written"
    path.write_text(json.dumps(data))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and "revisions" in result.output
    assert history_of("kept") == [] and "Should not" not in json.dumps(history_of("kept"))


@sqlite_only("backups of a PostgreSQL site are made with pg_dump")
def test_a_restore_brings_back_the_backups_revisions_not_todays(site_with_history, runner, tmp_path):
    kept, gone = site_with_history
    backup = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    in_backup = history_of("kept"), history_of(article_id=gone.id)
    save(kept.id, "alice", title_en="Kept v4, after the backup")

    assert runner.invoke(args=["restore", "--yes", str(backup)]).exit_code == 0
    assert (history_of("kept"), history_of(article_id=gone.id)) == in_backup


@sqlite_only("an older SQLite file is upgraded in place")
def test_an_older_database_gets_the_revision_table(app, make_article, runner):
    article = make_article()
    live = sqlite3.connect(app.config["DATABASE"].database)
    live.execute("DROP TABLE revision")
    live.commit()
    live.close()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    save(article.id, "alice", title_en="Saved after the upgrade")
    assert [version for version, *_ in history_of(article_id=article.id)] == [1, 2]
