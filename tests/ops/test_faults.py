"""A database that cannot write: readers are served, writers get a clear 503, nothing typed is lost.

The faults are real SQLite faults, made on demand: `PRAGMA query_only`
makes every write fail as on a read-only file ("attempt to write a
readonly database"), and `PRAGMA max_page_count` at the current size makes
a growing write fail as on a full disk ("database or disk is full"). Both
are set as permanent pragmas, so every pooled connection has them.
"""

import pytest

from ainews import faults
from ainews.db import database
from ainews.schema import update_statistics
from conftest import form_data, sign_in, sqlite_only
from models import ApiToken, Article, EditorSession

pytestmark = sqlite_only("the faults are made with SQLite pragmas")

LONG_ANALYSIS = "A paragraph that will not fit on a full disk. " * 900  # about 40 KB: new pages


@pytest.fixture
def fault(app):
    """Make the database read-only ("readonly") or full ("full") from now on."""

    def make(kind):
        db = database()
        with db.connection_context():
            if kind == "full":
                pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
                db.pragma("max_page_count", pages, permanent=True)
            else:
                db.pragma("query_only", 1, permanent=True)
        db.close_all()  # every pooled connection opens again, with the pragma

    yield make
    faults._last_failure.update(at=None, what="")


@pytest.mark.parametrize("kind", ["readonly", "full"])
def test_a_save_that_cannot_be_written_keeps_every_typed_value(editor_client, fault, kind):
    data = form_data(editor_client, title_en="Kept through a fault", analysis_en=LONG_ANALYSIS, tags="Faults|故障")
    fault(kind)
    response = editor_client.post("/editor/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "The site cannot save right now. Nothing you typed is lost" in page
    assert 'value="Kept through a fault"' in page
    assert LONG_ANALYSIS.strip() in page
    assert "Faults|故障" in page
    with database().connection_context():
        assert not Article.select().where(Article.title_en == "Kept through a fault").exists()


def test_the_message_is_in_the_editors_language(editor_client, fault):
    editor_client.set_cookie("lang", "zh")
    data = form_data(editor_client, analysis_en=LONG_ANALYSIS)
    fault("full")
    page = editor_client.post("/editor/new", data=data).get_data(as_text=True)
    assert "网站暂时无法保存。你输入的内容都没有丢失" in page


def test_readers_are_served_and_healthz_says_writes_fail(client, make_article, editor_client, fault):
    make_article(slug="readable")
    data = form_data(editor_client, analysis_en=LONG_ANALYSIS)
    fault("readonly")
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert editor_client.post("/editor/new", data=data).status_code == 503
    for url in ["/en/", "/zh/?view=both", "/en/articles/readable", "/en/search?q=classroom", "/en/feed.xml"]:
        assert client.get(url).status_code == 200, url
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "read-only"
    assert "readonly" in health.get_json()["writes"]["error"]


def test_the_api_answers_503_in_json(app, client, fault):
    with database().connection_context():
        token = ApiToken.issue("faulty")
    fault("readonly")
    response = client.post(
        "/api/v1/articles",
        json={"title_en": "Not now", "analysis_en": LONG_ANALYSIS},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh"},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.get_json() == {"errors": {"request": "网站暂时无法保存，请几分钟后再试。"}}


def test_signing_in_on_a_read_only_database_says_so(client, make_editor, fault):
    make_editor()
    fault("readonly")
    response = sign_in(client)
    assert response.status_code == 503
    assert "The site cannot save right now" in response.get_data(as_text=True)
    with database().connection_context():
        assert EditorSession.select().count() == 0


def test_startup_statistics_are_skipped_when_the_database_cannot_write(app, fault, caplog):
    fault("readonly")
    update_statistics()
    assert "planner statistics not updated" in caplog.text


def test_init_db_warns_and_lets_the_site_start_on_a_read_only_database(app, runner, fault):
    fault("readonly")
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "cannot be written" in result.output


def test_a_slug_taken_between_the_check_and_the_write_is_named_beside_the_slug(
    editor_client, make_article, monkeypatch
):
    from ainews.editor.forms import ArticleForm

    make_article(slug="taken")
    monkeypatch.setattr(ArticleForm, "validate_slug", lambda form, field: None)  # the race: the check saw it free
    data = form_data(editor_client, slug="taken", title_en="Second with this slug")
    response = editor_client.post("/editor/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Another article already uses this address." in page
    assert 'value="Second with this slug"' in page
