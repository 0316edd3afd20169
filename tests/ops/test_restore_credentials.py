"""A restore brings back content, never old credentials (unless asked in so many words).

The reproduction: make a token, sign in, back up; then revoke the token,
sign out and change the password; then restore the backup. Restoring
after an incident is exactly when this matters.
"""

import pytest

from ainews.db import database
from conftest import EDITOR_PASSWORD, csrf_token, sign_in, sqlite_only
from models import ApiToken, Article

pytestmark = sqlite_only("backups of a PostgreSQL site are made with pg_dump")

NEW_PASSWORD = "a brand new long password"


def api_write(client, token):
    return client.post(
        "/api/v1/articles", json={"title_en": "Written with a token"}, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
def incident(app, runner, make_editor, make_article, tmp_path):
    """The state after the incident and the clean-up, with a backup from before; returns what the attacker kept."""
    make_editor()
    make_article(slug="kept-article", title_en="Content from the backup")
    with database().connection_context():
        token = ApiToken.issue("victim")
    browser = app.test_client()
    assert sign_in(browser).status_code == 303
    session_cookie = browser.get_cookie("session").value  # what an attacker copied
    backup_file = tmp_path / "before.db"
    assert runner.invoke(args=["backup", str(backup_file)]).exit_code == 0

    assert runner.invoke(args=["revoke-token", "victim"]).exit_code == 0
    assert browser.post("/editor/logout", data={"csrf_token": csrf_token(browser, "/editor/")}).status_code == 303
    reset = runner.invoke(args=["create-editor", "alice", "--reset"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert reset.exit_code == 0, reset.output
    with database().connection_context():
        Article.delete().where(Article.slug == "kept-article").execute()  # content lost in the incident
    stolen = app.test_client()
    stolen.set_cookie("session", session_cookie)
    return {"token": token, "cookie_client": stolen, "backup": backup_file}


def test_a_restore_keeps_todays_credentials(app, runner, incident):
    assert api_write(app.test_client(), incident["token"]).status_code == 401
    assert incident["cookie_client"].get("/editor/").status_code == 302  # signed out

    result = runner.invoke(args=["restore", "--yes", str(incident["backup"])])
    assert result.exit_code == 0, result.output
    assert "today's editors, sessions and API tokens" in result.output

    client = app.test_client()
    assert client.get("/en/articles/kept-article").status_code == 200  # the content came back
    assert api_write(client, incident["token"]).status_code == 401  # the revoked token did not
    assert incident["cookie_client"].get("/editor/").status_code == 302  # nor the ended session
    assert sign_in(app.test_client()).status_code == 401  # nor the old password
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303  # today's works


def test_with_credentials_the_backups_come_back_as_asked(app, runner, incident):
    result = runner.invoke(args=["restore", "--yes", "--with-credentials", str(incident["backup"])])
    assert result.exit_code == 0, result.output
    assert "the backup's editors" in result.output
    assert api_write(app.test_client(), incident["token"]).status_code == 201
    assert sign_in(app.test_client(), password=EDITOR_PASSWORD).status_code == 303
    assert incident["cookie_client"].get("/editor/").status_code == 200
