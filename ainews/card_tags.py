"""Each article's tags as its card shows them, kept in its own row: `article.tags_shown`.

A list of articles reads their tags with them, in one query. A second
query for the tags of a page's articles was a third of the PostgreSQL
server's work for a rendered feed page (63 of 185 us), and without it the
feed served 20% more pages under load (2026-11-30, docs/benchmarks.md).

The column holds JSON, [[id, slug, name_en, name_zh], ...] by English
name, "[]" without tags. Triggers on `articletag` and `tag` keep it,
whatever writes them: the editor, the API, `flask import`, a renamed or
deleted tag. It is no field of the model, so Python never writes it and a
model saved from an older copy cannot undo it.
"""

from peewee import SqliteDatabase

from ainews.db import write_transaction

COLUMN = "tags_shown"

# The JSON of the tags of the article whose id is `{article}`, in each database's words.
SQLITE_TAGS = """(SELECT json_group_array(json_array(id, slug, name_en, name_zh)) FROM (
    SELECT tag.id, tag.slug, tag.name_en, tag.name_zh FROM articletag JOIN tag ON tag.id = articletag.tag_id
    WHERE articletag.article_id = {article} ORDER BY tag.name_en))"""
POSTGRES_TAGS = """(SELECT COALESCE(json_agg(json_build_array(tag.id, tag.slug, tag.name_en, tag.name_zh)
    ORDER BY tag.name_en), '[]')::text FROM articletag JOIN tag ON tag.id = articletag.tag_id
    WHERE articletag.article_id = {article})"""
RENAMED = "slug, name_en, name_zh"  # the columns of a tag that a card shows


def tags_of(db, article):
    return (SQLITE_TAGS if isinstance(db, SqliteDatabase) else POSTGRES_TAGS).format(article=article)


def refresh(db, which):
    """UPDATE the tags shown of the articles `which` names (an SQL condition on `article`)."""
    return f"UPDATE article SET {COLUMN} = {tags_of(db, 'article.id')} WHERE {which}"  # nosec B608 # constants of this module only


def triggers(db):
    renamed = "id IN (SELECT article_id FROM articletag WHERE tag_id = NEW.id)"
    if isinstance(db, SqliteDatabase):
        return [
            f"""CREATE TRIGGER IF NOT EXISTS article_tags_shown_{event.lower()} AFTER {event} ON articletag
                BEGIN {refresh(db, which)}; END"""
            for event, which in (
                ("INSERT", "id = NEW.article_id"),
                ("DELETE", "id = OLD.article_id"),
                ("UPDATE", "id IN (OLD.article_id, NEW.article_id)"),
            )
        ] + [
            f"""CREATE TRIGGER IF NOT EXISTS article_tags_shown_renamed AFTER UPDATE OF {RENAMED} ON tag
                BEGIN {refresh(db, renamed)}; END"""
        ]
    return [
        f"""CREATE OR REPLACE FUNCTION article_tags_shown_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'tag' THEN
                    {refresh(db, renamed)};
                ELSE  -- OLD or NEW is null where the event has none
                    {refresh(db, "id IN (OLD.article_id, NEW.article_id)")};
                END IF;
                RETURN NULL;
            END $$""",
        """CREATE OR REPLACE TRIGGER article_tags_shown AFTER INSERT OR UPDATE OR DELETE ON articletag
            FOR EACH ROW EXECUTE FUNCTION article_tags_shown_changed()""",
        f"""CREATE OR REPLACE TRIGGER article_tags_shown_renamed AFTER UPDATE OF {RENAMED} ON tag
            FOR EACH ROW WHEN ((OLD.slug, OLD.name_en, OLD.name_zh)
                IS DISTINCT FROM (NEW.slug, NEW.name_en, NEW.name_zh))
            EXECUTE FUNCTION article_tags_shown_changed()""",
    ]


def install(db):
    """Add the column where it is missing and fill it; (re)make the triggers that keep it.

    Filling it took 12 s on PostgreSQL and 18 s on SQLite at 100,000 articles (2026-11-30).
    """
    if COLUMN not in {column.name for column in db.get_columns("article")}:
        with write_transaction(db):
            db.execute_sql(f"ALTER TABLE article ADD COLUMN {COLUMN} TEXT NOT NULL DEFAULT '[]'")  # nosec B608 # names from the constants above
            db.execute_sql(refresh(db, "TRUE"))
    for sql in triggers(db):
        db.execute_sql(sql)
