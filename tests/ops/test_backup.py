"""`flask backup` and `flask restore`."""

import sqlite3
import threading

import pytest

from ainews import search
from ainews.db import database
from ainews.ops import transfer
from app import create_app
from conftest import sqlite_only
from models import Article

# flask backup/restore copy SQLite files; on PostgreSQL they point to pg_dump,
# which the last test checks (on any test database).
pytestmark = sqlite_only("backups of a PostgreSQL site are made with pg_dump")


def site_content():
    """Every article and tag, as `flask export` writes them."""
    with database().connection_context():
        return transfer.export_data()


def open_backup(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_backup_while_another_connection_writes(runner, app, make_article, tmp_path):
    make_article()
    live = app.config["DATABASE"].database
    stop = threading.Event()
    written = []

    def write_articles():
        """Another process's writes, through a connection of its own: copies of the first article."""
        connection = sqlite3.connect(live, timeout=5, isolation_level=None)
        columns = [
            row[1]
            for row in connection.execute("PRAGMA table_info(article)")
            if row[1] not in ("id", "slug", "title_en")
        ]
        copy = (
            f"INSERT INTO article (slug, title_en, {', '.join(columns)})"
            f" SELECT ?, ?, {', '.join(columns)} FROM article ORDER BY id LIMIT 1"
        )
        try:
            while not stop.is_set():
                n = len(written)
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(copy, (f"written-{n}", f"Written during the backup {n}"))
                connection.execute("COMMIT")
                written.append(n)
        finally:
            connection.close()

    writer = threading.Thread(target=write_articles)
    writer.start()
    try:
        while len(written) < 20 and writer.is_alive():
            stop.wait(0.01)
        result = runner.invoke(args=["backup", str(tmp_path / "backup.db")])
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    copy = open_backup(tmp_path / "backup.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copied = copy.execute("SELECT count(*) FROM article").fetchone()[0]
    # A snapshot: some of the writes, each whole, and the search index in step.
    assert 1 + 20 <= copied <= 1 + len(written)
    assert copy.execute("SELECT count(*) FROM article_search").fetchone()[0] == copied
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    assert f"Backed up {copied} articles" in result.output
    assert not (tmp_path / "backup.db.partial").exists()


def test_restore_gives_back_the_same_articles(runner, app, make_article, make_tag, tmp_path):
    tag = make_tag()
    kept = make_article(tags=[tag])
    make_article(title_en="Second story", slug="second-story", views=42)
    before = site_content()
    assert runner.invoke(args=["backup", str(tmp_path / "backup.db")]).exit_code == 0

    with database().connection_context():
        Article.delete().where(Article.id == kept.id).execute()
        Article.update(title_en="Changed").where(Article.slug == "second-story").execute()
        Article.create(slug="after-the-backup", title_en="After the backup", status="published")
    assert site_content() != before

    result = runner.invoke(args=["restore", str(tmp_path / "backup.db")], input="y\n")

    assert result.exit_code == 0, result.output
    assert "Restored 2 articles" in result.output
    assert site_content() == before
    with database().connection_context():
        assert [a.slug for a in search.search("classroom")[0]] == [kept.slug]
        assert Article.get(Article.slug == "second-story").views == 42
        assert database().execute_sql("PRAGMA journal_mode").fetchone() == ("wal",)


def test_pages_remembered_before_a_restore_are_not_served_after_it(runner, client, make_article, tmp_path):
    """The backup's change counter is older than the live one: it must not meet a remembered page again."""
    article = make_article(title_en="At the backup")
    assert runner.invoke(args=["backup", str(tmp_path / "backup.db")]).exit_code == 0

    def retitle(title):
        with database().connection_context():
            Article.update(title_en=title).where(Article.id == article.id).execute()

    retitle("After the backup")
    assert "After the backup" in client.get("/en/").get_data(as_text=True)  # remembered
    assert runner.invoke(args=["restore", "--yes", str(tmp_path / "backup.db")]).exit_code == 0
    assert "At the backup" in client.get("/en/").get_data(as_text=True)
    retitle("After the restore")  # the counter moves on from where the backup left it
    assert "After the restore" in client.get("/en/").get_data(as_text=True)


def test_restore_asks_first(runner, make_article, tmp_path):
    make_article()
    assert runner.invoke(args=["backup", str(tmp_path / "backup.db")]).exit_code == 0
    make_article(title_en="Newer", slug="newer")

    result = runner.invoke(args=["restore", str(tmp_path / "backup.db")], input="n\n")

    assert result.exit_code == 1
    assert "(2 articles) with" in result.output
    assert len(site_content()["articles"]) == 2


def other_apps_database(path):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    connection.commit()
    connection.close()


def truncated_backup(path, runner):
    full = path.with_suffix(".full")
    assert runner.invoke(args=["backup", str(full)]).exit_code == 0
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    "make_bad, message",
    [
        (lambda path, runner: path.write_text("not a database at all"), "not a usable SQLite database"),
        (lambda path, runner: path.write_bytes(b""), "not a backup of this site"),
        (lambda path, runner: other_apps_database(path), "not a backup of this site"),
        (truncated_backup, "backup.db"),
        (lambda path, runner: None, "is not a file"),
        (lambda path, runner: path.mkdir(), "is not a file"),
    ],
)
def test_a_bad_backup_is_refused_and_nothing_changes(runner, make_article, tmp_path, make_bad, message):
    make_article()
    before = site_content()
    bad = tmp_path / "backup.db"
    make_bad(bad, runner)

    result = runner.invoke(args=["restore", "--yes", str(bad)])

    assert result.exit_code == 1
    assert message in result.output
    assert site_content() == before


def test_restore_refuses_the_live_database(runner, app, make_article):
    make_article()
    result = runner.invoke(args=["restore", "--yes", app.config["DATABASE"].database])
    assert result.exit_code == 1
    assert "is the live database itself" in result.output


def test_backup_never_overwrites(runner, tmp_path):
    target = tmp_path / "backup.db"
    target.write_text("an older backup")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert target.read_text() == "an older backup"


def test_restore_of_an_older_backup_adds_what_is_missing(runner, app, make_article, tmp_path):
    make_article()
    old = tmp_path / "old.db"
    live = sqlite3.connect(app.config["DATABASE"].database)
    connection = sqlite3.connect(old)
    live.backup(connection)  # not a file copy: the newest pages may still be in the WAL file
    live.close()
    connection.execute("DROP TABLE loginfailure")
    connection.commit()
    connection.close()

    assert runner.invoke(args=["restore", "--yes", str(old)]).exit_code == 0
    with database().connection_context():
        assert database().table_exists("loginfailure")


@pytest.mark.parametrize("command", [["backup", "x.db"], ["restore", "--yes", "x.db"]])
def test_postgresql_sites_are_sent_to_pg_dump(tmp_path, command):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    result = app.test_cli_runner().invoke(args=[command[0], *command[1:-1], str(tmp_path / command[-1])])
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert not (tmp_path / command[-1]).exists()
