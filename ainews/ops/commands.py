"""Flask CLI commands: `flask init-db`, `flask seed-demo`, `flask reindex`, `flask export`/`import`,
`flask backup`/`restore`, `flask prune-images`, `flask create-editor`, `flask create-token`/`revoke-token`,
`flask translate …`."""

import json
import os
import re
import sys

import click
from peewee import DatabaseError

from ainews import revisions, search
from ainews.db import database, write_transaction
from ainews.ops import backup, transfer
from ainews.ops.demo import seed_demo
from ainews.ops.prune import prune_images_command
from ainews.ops.translate import translate
from ainews.rules import (
    DELETED_KEPT,
    EDITOR_NAME_MAX,
    EDITOR_NAME_PATTERN,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    TOKEN_NAME_MAX,
    TOKEN_NAME_PATTERN,
)
from ainews.schema import create_tables
from models import MODELS, ApiToken, Article, Editor, EditorSession, article_count


def register(app):
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_editor_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(revoke_token_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(translate)
    app.cli.add_command(purge_deleted_command)
    app.cli.add_command(prune_images_command)


@click.command("init-db")
def init_db_command():
    """Create the database tables (existing data is kept).

    `make serve` runs it before every start. On a database that cannot be
    written (a full disk, a read-only file) that already has the tables, it
    warns and lets the site start, to serve readers.
    """
    try:
        create_tables()
    except DatabaseError as error:
        with database().connection_context():
            ready = all(model.table_exists() for model in MODELS)
        if not ready:
            raise click.ClickException(f"cannot create the tables: {error}") from None
        click.echo(
            f"Warning: the database cannot be written ({error}); the schema was not updated. "
            "The site will serve readers; editors cannot save until this is mended.",
            err=True,
        )
        return
    click.echo("Database ready.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when there are no articles yet.")
def seed_demo_command(if_empty):
    """Add the demo articles and tags that are not there yet."""
    create_tables()
    with database().connection_context():
        if if_empty and article_count():
            click.echo("Articles exist; demo data not added.")
            return
        added = seed_demo()
    click.echo(f"Added {added} demo articles.")


@click.command("reindex")
def reindex_command():
    """Rebuild the search index from the articles (it normally follows every edit)."""
    create_tables()
    with database().connection_context():
        count = search.reindex(database())
    click.echo(f"Indexed {count} articles.")


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path):
    """Write every article (drafts too) and tag to a JSON file."""
    create_tables()
    with database().connection_context():
        data = transfer.export_data()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    versions = sum(len(group["versions"]) for group in data["revisions"])
    click.echo(
        f"Exported {len(data['articles'])} articles and {len(data['tags'])} tags to {path}, {versions} revisions."
    )


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path):
    """Create or update articles and tags by slug from an export; all or nothing."""
    create_tables()
    try:
        with database().connection_context():
            counts = transfer.import_data(transfer.read_file(path))
    except transfer.ImportRefused as refused:
        for line in refused.errors:
            click.echo(line, err=True)
        raise click.ClickException(f"nothing imported: {len(refused.errors)} problems") from None
    kept = counts.pop("revisions kept")
    click.echo(", ".join(f"{count} {what}" for what, count in counts.items()) + ".")
    click.echo(f"{kept} revisions added.")


@click.command("purge-deleted")
def purge_deleted_command():
    """Remove for good the articles deleted more than rules.DELETED_KEPT ago, with their revisions."""
    with database().connection_context():
        count = revisions.purge_deleted()
    click.echo(f"Purged {count} articles deleted more than {DELETED_KEPT.days} days ago.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Copy the live SQLite database to PATH, consistent while the site serves and writes."""
    try:
        backup.require_sqlite(database())
        create_tables()
        with database().connection_context():
            articles = backup.backup(database(), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {articles} articles to {path} ({os.path.getsize(path) / 2**20:.1f} MiB).")


@click.command("restore")
@click.argument("path")
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@click.option(
    "--with-credentials",
    is_flag=True,
    help="Also restore the backup's editors, passwords, sessions and API tokens (by default today's are kept).",
)
def restore_command(path, yes, with_credentials):
    """Replace the database with a backup made by `flask backup`, checked first.

    It is one transaction, safe while the site runs; but edits and views
    made after the backup are lost, so stop the site if you can. Today's
    editors, password hashes, sessions, API tokens and sign-in failures are
    kept, so a restore never brings back a revoked token, an ended session
    or an old password, unless --with-credentials says so.
    """
    db = database()
    try:
        backup.require_sqlite(db)
        articles = backup.check_backup(path)
        if not yes:
            with db.connection_context():
                current = article_count() if Article.table_exists() else 0
            click.confirm(f"Replace {db.database} ({current} articles) with {path} ({articles} articles)?", abort=True)
        with db.connection_context():
            backup.restore(db, path, keep_credentials=not with_credentials)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    create_tables()  # a backup from an older version gets the newer columns and tables
    kept = "the backup's" if with_credentials else "today's"
    click.echo(f"Restored {articles} articles from {path}, with {kept} editors, sessions and API tokens.")


@click.command("create-editor")
@click.argument("name")
@click.option("--reset", is_flag=True, help="Change the password of an existing editor.")
def create_editor_command(name, reset):
    """Create an editor, or with --reset give one a new password.

    The password is asked twice; piped in, it is read from two lines of
    standard input.
    """
    if not re.fullmatch(EDITOR_NAME_PATTERN, name):
        raise click.BadParameter(f"use 1 to {EDITOR_NAME_MAX} letters, digits, '.', '@', '_' or '-'", param_hint="NAME")
    create_tables()
    with database().connection_context():
        editor = Editor.get_or_none(Editor.name == name)
        if reset and editor is None:
            raise click.ClickException(f"there is no editor called {name}")
        if not reset and editor is not None:
            raise click.ClickException(f"{name} exists already; use --reset to change the password")
        editor = editor or Editor(name=name)
        editor.set_password(read_new_password())
        with write_transaction():
            editor.save()
        if reset:
            EditorSession.end_all(editor)  # signed-in browsers must sign in again
    click.echo(f"Password changed for {name}; their sessions have ended." if reset else f"Editor {name} created.")


def read_new_password():
    """A new password, typed twice (hidden), or two lines of piped input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    else:
        lines = sys.stdin.read().splitlines() + ["", ""]
        password, repeated = lines[0], lines[1]
        if password != repeated:
            raise click.ClickException("the two passwords differ")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise click.ClickException(f"the password needs at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise click.ClickException(f"the password may have at most {PASSWORD_MAX_LENGTH} characters")
    return password


@click.command("create-token")
@click.argument("name")
def create_token_command(name):
    """Make an API token called NAME and print it, once: only its hash is kept."""
    if not re.fullmatch(TOKEN_NAME_PATTERN, name):
        raise click.BadParameter(f"use 1 to {TOKEN_NAME_MAX} letters, digits, '.', '@', '_' or '-'", param_hint="NAME")
    create_tables()
    with database().connection_context():
        if ApiToken.select().where(ApiToken.name == name).exists():
            raise click.ClickException(f"a token called {name} exists already; revoke it first to replace it")
        token = ApiToken.issue(name)
    click.echo(f"Token {name} created. Copy it now: it is not stored and cannot be shown again.", err=True)
    click.echo(token)


@click.command("revoke-token")
@click.argument("name")
def revoke_token_command(name):
    """Revoke the API token called NAME: requests with it get a 401 from now on."""
    create_tables()
    with database().connection_context(), write_transaction():
        deleted = ApiToken.delete().where(ApiToken.name == name).execute()
    if not deleted:
        raise click.ClickException(f"there is no token called {name}")
    click.echo(f"Token {name} revoked.")
