"""Who may write: editors, their sessions and sign-in failures, and the API's tokens.

These are Peewee models like those in models.py, which lists them with the
rest (MODELS) and makes them importable from there too.
"""

import hashlib
import secrets

from peewee import CharField, ForeignKeyField
from werkzeug.security import check_password_hash, generate_password_hash

from ainews import rules
from ainews.clock import utcnow
from ainews.db import BaseModel, lock_table, write_transaction
from ainews.fields import UTCDateTimeField
from ainews.rules import SESSION_LIFETIME


class Editor(BaseModel):
    """Someone who may write and publish articles."""

    name = CharField(max_length=rules.EDITOR_NAME_MAX, unique=True)
    password_hash = CharField(max_length=255)
    created_at = UTCDateTimeField(default=utcnow)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @classmethod
    def authenticate(cls, name, password):
        """The editor with this name and password, or None. Takes as long either way."""
        editor = cls.get_or_none(cls.name == name)
        if editor is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        return editor if editor.check_password(password) else None


# Checked against when the name is unknown, so a failed sign-in takes the same
# time whether or not the name exists.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def hash_secret(token):
    """What is stored of a session or API token: its SHA-256 (the tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class EditorSession(BaseModel):
    """A signed-in browser. The cookie holds the token; only its hash is stored."""

    token_hash = CharField(max_length=64, unique=True)
    editor = ForeignKeyField(Editor, backref="sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField(default=utcnow)

    @classmethod
    def start(cls, editor):
        """A new session for `editor`; returns the token for the cookie. Expired sessions are deleted."""
        token = secrets.token_urlsafe(32)
        with write_transaction():
            cls.delete().where(cls.created_at <= utcnow() - SESSION_LIFETIME).execute()  # expired ones, anyone's
            cls.create(token_hash=hash_secret(token), editor=editor)
        return token

    @classmethod
    def editor_for(cls, token):
        """The editor signed in with this token, or None if it ended or expired."""
        if not token:
            return None
        session = (
            cls.select(cls, Editor)
            .join(Editor)
            .where((cls.token_hash == hash_secret(token)) & (cls.created_at > utcnow() - SESSION_LIFETIME))
            .first()
        )
        return session.editor if session else None

    @classmethod
    def end(cls, token):
        with write_transaction():
            cls.delete().where(cls.token_hash == hash_secret(token)).execute()

    @classmethod
    def end_all(cls, editor):
        with write_transaction():
            cls.delete().where(cls.editor == editor).execute()


class LoginFailure(BaseModel):
    """One failed sign-in, counted per address and per name.

    Kept in the database so that the limit holds across server processes.
    """

    key = CharField(max_length=120)  # "ip:203.0.113.9" or "name:alice"
    at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("key", "at"), False),)

    @classmethod
    def recent(cls, key, window):
        return cls.select().where((cls.key == key) & (cls.at > utcnow() - window)).count()

    @classmethod
    def reserve(cls, keys, limit, window):
        """Count one more attempt under each key, unless a key is at the limit.

        The attempt counts as a failure until `cancel` says otherwise: checking
        and counting in one write transaction means concurrent attempts, in
        any number of processes, cannot all slip under the limit together.
        Returns the ids of the new rows, or None when the limit is reached.
        """
        now = utcnow()
        with write_transaction():
            lock_table(cls)
            cls.delete().where(cls.at <= now - window).execute()
            if any(cls.recent(key, window) >= limit for key in keys):
                return None
            return [cls.create(key=key, at=now).id for key in keys]

    @classmethod
    def cancel(cls, ids, forget_key):
        """A successful sign-in: drop its own rows and the name's earlier failures."""
        with write_transaction():
            cls.delete().where(cls.id.in_(ids) | (cls.key == forget_key)).execute()


class ApiToken(BaseModel):
    """A bearer token for the write API. Only its hash is stored; it is shown once."""

    name = CharField(max_length=rules.TOKEN_NAME_MAX, unique=True)
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=utcnow)

    @classmethod
    def issue(cls, name):
        """A new token called `name`; returns the token itself, which is not kept."""
        token = rules.TOKEN_PREFIX + secrets.token_urlsafe(32)
        with write_transaction():
            cls.create(name=name, token_hash=hash_secret(token))
        return token

    @classmethod
    def find(cls, token):
        """The token row for this secret, or None."""
        if not token or len(token) > 200:
            return None
        return cls.get_or_none(cls.token_hash == hash_secret(token))
