"""Revisions: every saved version of an article, kept as a snapshot of all its columns and tags.

A snapshot is read generically from the `Article` model, so a column added
later joins it by itself. The save path (ainews/articles.py) writes one
revision per save inside the save's transaction; a delete writes a last one
of kind "delete", from which the editors' "Deleted" list restores the
article. Revisions of a live article are kept for as long as it lives; a
deleted article's are purged `DELETED_KEPT` after the delete.
"""

import json
from datetime import datetime, timezone

from peewee import DateTimeField, fn

from ainews.clock import utcnow
from ainews.db import write_transaction
from ainews.reading import TEXT_FACTS
from ainews.rules import DELETED_KEPT, REVISION_BOOKKEEPING, REVISION_BY_MAX
from models import Article, Revision, Tag

# Columns a snapshot leaves out: counted by readers or worked out from the
# texts at every save, not written by editors.
NOT_KEPT = ("views", *TEXT_FACTS)
# Columns that are the article itself rather than its content: never listed as changed, never restored.
IDENTITY = ("id", "created_at")


def kept_fields():
    return [field for field in Article._meta.sorted_fields if field.name not in NOT_KEPT]


def plain(value):
    """A column's value as JSON holds it: a time as ISO 8601 in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value


def snapshot(article, tags):
    """Every kept column of the article and its tags as [name_en, name_zh, slug], JSON-ready."""
    data = {field.name: plain(getattr(article, field.name)) for field in kept_fields()}
    data["tags"] = sorted(([tag.name_en, tag.name_zh, tag.slug] for tag in tags), key=lambda tag: tag[2])
    return data


def column_values(data):
    """The model's values held in a snapshot; a column the snapshot predates is left out (it keeps its default)."""
    values = {}
    for field in kept_fields():
        if field.name in data:
            value = data[field.name]
            if isinstance(field, DateTimeField) and value is not None:
                value = datetime.fromisoformat(value)
            values[field.name] = value
    return values


def restorable_values(data):
    """What restoring a snapshot writes: its content, not the article's identity or the site's bookkeeping."""
    return {
        name: value
        for name, value in column_values(data).items()
        if name not in IDENTITY and name not in REVISION_BOOKKEEPING
    }


def snapshot_tags(data):
    """The tags a snapshot names: stored ones by slug, else new unsaved ones (the save path inserts them)."""
    tags = []
    for name_en, name_zh, slug in data.get("tags", []):
        tags.append(Tag.get_or_none(Tag.slug == slug) or Tag(slug=slug, name_en=name_en, name_zh=name_zh))
    return tags


def tag_slugs(data):
    return sorted(tag[2] for tag in data.get("tags", []))


def comparable(data, name):
    """A field's value as changes are told: tags by their slugs, times to the minute the form shows."""
    if name == "tags":
        return tag_slugs(data)
    value = data.get(name)
    if isinstance(value, str) and name in TIME_COLUMNS:
        return value[:16]
    return value


TIME_COLUMNS = {field.name for field in Article._meta.sorted_fields if isinstance(field, DateTimeField)}


def changed_fields(before, after, names=None):
    """The content fields that differ between two snapshots, in the model's order, tags last."""
    names = names or [*(field.name for field in kept_fields()), "tags"]
    return [
        name
        for name in names
        if name not in IDENTITY
        and name not in REVISION_BOOKKEEPING
        and comparable(before, name) != comparable(after, name)
    ]


def record(article, tags, by, before=None, kind="save"):
    """Keep the version of `article` just written, in the caller's write transaction.

    `before` is the snapshot of the version it replaced (None for a new or
    restored article). An article saved before revisions existed gets that
    version kept first, so the version a save replaces is always there.
    """
    data = snapshot(article, tags)
    if before is not None and not has_revision(article.id, before["version"]):
        Revision.create(
            article_id=article.id,
            version=before["version"],
            saved_at=datetime.fromisoformat(before.get("updated_at") or before.get("created_at") or plain(utcnow())),
            saved_by="",
            changed="",
            snapshot=json.dumps(before, ensure_ascii=False),
        )
    changed = changed_fields(before, data) if before is not None else []
    return Revision.create(
        article_id=article.id,
        version=article.version,
        saved_by=by[:REVISION_BY_MAX],
        kind=kind,
        changed=" ".join(changed),
        snapshot=json.dumps(data, ensure_ascii=False),
    )


def has_revision(article_id, version):
    return Revision.select().where((Revision.article_id == article_id) & (Revision.version == version)).exists()


def revision(article_id, version):
    return Revision.get_or_none((Revision.article_id == article_id) & (Revision.version == version))


def snapshot_of(rev):
    return json.loads(rev.snapshot)


def history(article_id, offset=0, limit=None):
    """An article's revisions, the newest first, without their snapshots (up to 200 KB each)."""
    columns = [field for field in Revision._meta.sorted_fields if field is not Revision.snapshot]
    query = Revision.select(*columns).where(Revision.article_id == article_id).order_by(Revision.version.desc())
    return list(query.offset(offset).limit(limit) if limit else query)


def saved_since(article_id, version):
    """Who saved the article after `version`, in order, each name once."""
    names = (
        Revision.select(Revision.saved_by)
        .where((Revision.article_id == article_id) & (Revision.version > version))
        .order_by(Revision.version)
    )
    return list(dict.fromkeys(rev.saved_by for rev in names if rev.saved_by))


def keep_version_ahead(article):
    """After an import wrote the article directly: make its next save's version one that is free.

    An older export brings back a version the site's history has already
    had, with other content. Its version then moves past the kept ones, and
    its next save keeps it, as it was imported, before the new version.
    """
    latest = Revision.select(fn.MAX(Revision.version)).where(Revision.article_id == article.id).scalar()
    if latest is None or article.version > latest:
        return
    kept = revision(article.id, article.version)
    if article.version < latest or changed_fields(snapshot_of(kept), snapshot(article, article.tags)):
        Article.update(version=latest + 1).where(Article.id == article.id).execute()


# Deleting ------------------------------------------------------------------------


def record_delete(article, tags, by):
    """The last revision of an article being deleted: its final content, marked as a deletion."""
    data = snapshot(article, tags)
    if not has_revision(article.id, article.version):
        record(article, tags, "")  # an article from before history: keep it as it was
    data["version"] = article.version + 1
    return Revision.create(
        article_id=article.id,
        version=data["version"],
        saved_by=by[:REVISION_BY_MAX],
        kind="delete",
        snapshot=json.dumps(data, ensure_ascii=False),
    )


def deleted_articles():
    """The last delete revision of each deleted article not since restored, the newest first."""
    rows = (
        Revision.select()
        .where((Revision.kind == "delete") & Revision.article_id.not_in(Article.select(Article.id)))
        .order_by(Revision.saved_at.desc(), Revision.version.desc())
    )
    latest = {}
    for rev in rows:
        if rev.article_id not in latest or rev.version > latest[rev.article_id].version:
            latest[rev.article_id] = rev
    return sorted(latest.values(), key=lambda rev: rev.saved_at, reverse=True)


def deleted_revision(article_id):
    """The delete revision a restore brings back, or None if the article is not in the Deleted list."""
    return next((rev for rev in deleted_articles() if rev.article_id == article_id), None)


def purge_deleted(now=None):
    """Remove the revisions of articles deleted more than `DELETED_KEPT` ago; returns how many articles."""
    cutoff = (now or utcnow()) - DELETED_KEPT
    gone = [rev.article_id for rev in deleted_articles() if rev.saved_at < cutoff]
    if gone:
        with write_transaction():
            Revision.delete().where(Revision.article_id.in_(gone)).execute()
    return len(gone)
