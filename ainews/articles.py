"""The article save path: tags as editors type them, translations marked out of date,
and the versioned write that never silently overwrites another editor's save.

The editors' form and the API both save through `save_article()`.
"""

import re

from peewee import SqliteDatabase, fn

from ainews import revisions, search
from ainews.db import database, write_transaction
from ainews.reading import TEXT_FACTS
from ainews.rules import CHINESE, LANGS, TAG_SEPARATORS, TRANSLATED_FIELDS, tag_slug
from models import Article, Tag, attach_tags, set_tags, utcnow


def parse_tags(text):
    """'Open Source|开源, Regulation' → [('Open Source', '开源'), ('Regulation', '')].

    Commas separate tags (the Chinese comma too); a bar separates a tag's
    English and Chinese names. A single name in Chinese characters is the
    Chinese name. Blank entries are skipped, repeats dropped.
    """
    entries, seen = [], set()
    for chunk in re.split(TAG_SEPARATORS, text or ""):
        name_en, bar, name_zh = chunk.partition("|")
        if not bar and CHINESE.search(name_en):
            name_en, name_zh = "", name_en
        entry = (" ".join(name_en.split()), " ".join(name_zh.split()))
        key = (entry[0].lower(), entry[1])
        if any(entry) and key not in seen:
            seen.add(key)
            entries.append(entry)
    return entries


def tags_text(tags):
    """The form's text for a list of tags: the inverse of `parse_tags`."""
    return ", ".join("|".join(name for name in (tag.name_en, tag.name_zh) if name) for tag in tags)


def find_or_make_tags(entries):
    """Tags for parsed entries: existing ones by slug or name, else new unsaved ones.

    Entries that come to the same tag ("AI" and "AI|人工智能") count once.
    """
    tags = {}
    for name_en, name_zh in entries:
        slug = tag_slug(name_en, name_zh)
        tag = Tag.get_or_none(Tag.slug == slug)
        if tag is None and name_en:
            tag = Tag.get_or_none(fn.lower(Tag.name_en) == name_en.lower())  # a tag made under an older slug rule
        if tag is None and name_zh:
            tag = Tag.get_or_none(Tag.name_zh == name_zh)
        if tag is None:
            tag = tags.get(slug) or Tag(slug=slug, name_en=name_en, name_zh=name_zh)
            tag.name_zh = tag.name_zh or name_zh  # "AI" then "AI|人工智能": keep the Chinese name
        tags.setdefault(tag.slug, tag)
    return list(tags.values())


class EditConflict(Exception):
    """Someone else saved the article after the editor loaded it."""

    def __init__(self, current):
        super().__init__(f"article {current.id} is at version {current.version}")
        self.current = current


def outdated_translations(old, new, marks, checked=()):
    """The translations that may be out of date after a save.

    Editing one language of a field (and not the other) marks the other one,
    if it has text. Editing a marked translation is bringing it up to date:
    that clears its mark without marking the other language. Ticking a
    translation as checked clears its mark too.
    """
    marks = set(marks.split()) - set(checked)
    for field in TRANSLATED_FIELDS:
        for lang, other in (("en", "zh"), ("zh", "en")):
            name, other_name = f"{field}_{lang}", f"{field}_{other}"
            if old[name] != new[name]:
                catching_up = name in marks
                marks.discard(name)
                if old[other_name] == new[other_name] and not catching_up:
                    marks.add(other_name)
    return " ".join(sorted(name for name in marks if new.get(name)))


def save_article(article, values, tags, expected_version=None, checked=(), by="", kind="save", marks=None):
    """Save an editor's changes to a new or existing article, tags included, and keep the version.

    An existing article is only written if it is still at `expected_version`,
    or if the changes since then touch none of the fields this save changes:
    then they are merged (`article.merged` says with whose changes and in
    which fields). Otherwise EditConflict carries the newer stored article.
    Changing a published article, even just its tags or scores, marks it
    updated. `by` names who saved, for the history. `marks`: the
    translations to mark out of date (a restored version's own); by default
    they follow from what this save changed.
    """
    written = set()  # indexed for search once, not again for each tag link
    with write_transaction(), search.deferred(written):
        tags = stored_tags(tags)
        if article.id is None:
            article, before = Article(**values), None
            article.save()
            article.merged = None
        else:
            article, before = update_article(article.id, values, tags, expected_version, checked, marks)
            if before is None:  # nothing changed: nothing written
                return article
            tags = article.tags  # after a merge, the stored ones if only others changed them
        written.add(article.id)
        set_tags(article, tags)
        article.tags = tags
        revisions.record(article, tags, by, before, kind)
        return article


def stored_tags(tags):
    """The tags as stored rows, the new ones inserted now, inside the write transaction.

    Another save may have made the same new tag since `find_or_make_tags`
    looked: then that one is used, whatever the database's isolation level
    (the insert does nothing on a taken slug, and the select that follows
    sees the other save's committed row).
    """
    rows = []
    for tag in tags:
        if tag.id is None:
            Tag.insert(slug=tag.slug, name_en=tag.name_en, name_zh=tag.name_zh).on_conflict_ignore().execute()
            tag = Tag.get(Tag.slug == tag.slug)
        rows.append(tag)
    return rows


def update_article(article_id, values, tags, expected_version, checked, marks=None):
    """Write `values` over the stored article, if it is still at `expected_version`.

    The version in the UPDATE's WHERE clause is the one check: checking and
    writing are one step, whatever the database's isolation level, so two
    saves from the same version can never both succeed. A stale save whose
    changes are disjoint from the others' is merged first (`merge_stale`).
    Returns the article and the snapshot of the version it replaced (None
    when nothing changed, and nothing was written).
    """
    stored = load_for_update(article_id)
    before = revisions.snapshot(stored, stored.tags)
    stored.merged = None
    if stored.version != expected_version and expected_version is not None:
        values, tags, stored.merged = merge_stale(stored, before, values, tags, expected_version)
        expected_version = stored.version
    old = {name: getattr(stored, name) for name in values}
    changed = old != values or sorted(t.slug for t in stored.tags) != sorted(t.slug for t in tags)
    if not changed and not checked:
        if stored.version != expected_version:
            raise EditConflict(stored)
        return stored, None
    if marks is None:
        marks = outdated_translations(old, values, stored.outdated, checked)
    if stored.merged:
        marks = " ".join(sorted({*marks.split(), *(name for name in stored.merged.stale if values.get(name))}))
    values = dict(values, outdated=marks)
    if values.get("published_at") is None:
        values["published_at"] = stored.published_at
    if changed and stored.status == "published" and values["status"] == "published":
        values["updated_at"] = utcnow()
    for name, value in values.items():
        setattr(stored, name, value)
    stored.version = (expected_version or 0) + 1
    if stored.status == "published" and stored.published_at is None:
        stored.published_at = utcnow()
    stored.make_storable()
    columns = [*values, "published_at", "version", *TEXT_FACTS]
    written = (
        Article.update({getattr(Article, name): getattr(stored, name) for name in columns})
        .where((Article.id == stored.id) & (Article.version == expected_version))
        .execute()
    )
    if not written:
        raise EditConflict(Article.get_by_id(stored.id))
    stored.tags = tags
    return stored, before


def load_for_update(article_id):
    """The stored article with its tags. On PostgreSQL its row stays locked until the save ends:
    a save racing this one reads the article after this one is written, and can merge with it."""
    query = Article.select().where(Article.id == article_id)
    if not isinstance(database(), SqliteDatabase):  # SQLite's BEGIN IMMEDIATE has locked it all already
        query = query.for_update()
    stored = query.get()
    attach_tags([stored])
    return stored


class Merge:
    """A stale save merged with the changes saved since: who made them, and in which fields.

    `stale`: translations this save wrote while the other language changed
    in the other save, unseen: they may be out of date, whatever they were.
    """

    def __init__(self, names, ours, theirs):
        self.names, self.fields = names, theirs
        self.stale = {name for name in ours if other_language(name) in theirs and other_language(name) not in ours}


def other_language(name):
    field, _sep, lang = name.rpartition("_")
    return f"{field}_{'zh' if lang == 'en' else 'en'}" if field in TRANSLATED_FIELDS and lang in LANGS else None


def merge_stale(stored, current, values, tags, base_version):
    """This save's changes over the stored article, when no field changed on both sides.

    The fields this save changed are those whose value differs from the
    version the editor loaded (its revision, `base_version`); the others'
    are those that differ between it and the stored article. Tags count as
    one field. Raises EditConflict when the loaded version is not known (an
    article saved before revisions existed) or a field changed on both
    sides to different values.
    """
    base_revision = revisions.revision(stored.id, base_version)
    if base_revision is None:
        raise EditConflict(stored)
    base = revisions.snapshot_of(base_revision)
    mine = dict(current, **{name: revisions.plain(value) for name, value in values.items()})
    mine["tags"] = [[tag.name_en, tag.name_zh, tag.slug] for tag in tags]
    names = [*values, "tags"]
    ours = set(revisions.changed_fields(base, mine, names))
    theirs = revisions.changed_fields(base, current, names)
    if any(name in ours and revisions.comparable(mine, name) != revisions.comparable(current, name) for name in theirs):
        raise EditConflict(stored)
    merged = {name: value if name in ours else getattr(stored, name) for name, value in values.items()}
    return (
        merged,
        tags if "tags" in ours else stored.tags,
        Merge(revisions.saved_since(stored.id, base_version), ours, theirs),
    )


def delete_article(article, by):
    """Delete an article, keeping its last version as a revision marked as a deletion.

    It can be restored from the editors' "Deleted" list until it is purged
    (`rules.DELETED_KEPT`); articles deleted longer ago are purged now.
    """
    with write_transaction():
        attach_tags([article])
        revisions.record_delete(article, article.tags, by)
        deleted = Article.delete().where(Article.id == article.id).execute()
    revisions.purge_deleted()
    return deleted


class SlugTaken(Exception):
    """A deleted article's address is used by another article now."""


def restore_deleted(article_id, by, slug=""):
    """Bring a deleted article back with its id and last content (under `slug` if given), or None.

    Its version goes on from the deletion's, and the restore is kept as a
    revision. Raises SlugTaken if another article has the address now.
    """
    with write_transaction():
        rev = revisions.deleted_revision(article_id)
        if rev is None:
            return None
        data = revisions.snapshot_of(rev)
        values = revisions.column_values(data)
        values.update(slug=slug or values["slug"], version=rev.version + 1)
        if Article.select().where(Article.slug == values["slug"]).exists():
            raise SlugTaken(values["slug"])
        article = Article(**values)
        article.save(force_insert=True)
        keep_ids_ahead(article.id)
        tags = stored_tags(revisions.snapshot_tags(data))
        set_tags(article, tags)
        article.tags = tags
        revisions.record(article, tags, by, kind="restore")
        return article


def keep_ids_ahead(article_id):
    """After a row was inserted with its own id: a PostgreSQL sequence must never hand that id out.

    A restored article keeps its id, which the sequence gave out before,
    unless it came from another site's export. SQLite's AUTOINCREMENT
    counts past any id inserted by itself.
    """
    db = database()
    if isinstance(db, SqliteDatabase):
        return
    db.execute_sql(
        "SELECT setval(pg_get_serial_sequence('article', 'id'), %s) "
        "WHERE %s > COALESCE(pg_sequence_last_value(pg_get_serial_sequence('article', 'id')::regclass), 0)",
        (article_id, article_id),
    )
