"""Expired sessions and old sign-in failures do not pile up in the database."""

from datetime import timedelta

from ainews.clock import utcnow
from ainews.db import database
from ainews.rules import LOGIN_WINDOW, SESSION_LIFETIME
from conftest import sign_in
from models import EditorSession, LoginFailure


def test_signing_in_deletes_expired_sessions_and_old_failures(client, make_editor):
    editor = make_editor()
    with database().connection_context():
        old = utcnow() - SESSION_LIFETIME - timedelta(minutes=1)
        EditorSession.create(token_hash="e" * 64, editor=editor, created_at=old)
        EditorSession.create(token_hash="f" * 64, editor=editor, created_at=utcnow() - timedelta(days=1))
        LoginFailure.create(key="ip:203.0.113.9", at=utcnow() - LOGIN_WINDOW - timedelta(minutes=1))
    assert sign_in(client).status_code == 303
    with database().connection_context():
        hashes = {session.token_hash for session in EditorSession.select()}
        assert "e" * 64 not in hashes  # expired: gone
        assert "f" * 64 in hashes  # still valid: kept
        assert LoginFailure.select().where(LoginFailure.key == "ip:203.0.113.9").count() == 0
