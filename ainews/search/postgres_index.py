"""The PostgreSQL search index, `article_search`, and what keeps it in step.

`postgres.py` searches it and hands `install`, `reindex` and `deferred`
on as the backend's; this module makes and fills the table, its indexes
and its triggers.

The table holds one row per article: `doc`, its titles, summaries,
analyses and tag names in both languages, one per line, in lower case,
and `grams`, the one- and two-character pieces of that text that a short
term can be (see `article_search_grams`). Triggers on `article`,
`articletag` and `tag` rewrite an article's row whenever its text or tags
change, whatever code writes, as on SQLite; `deferred()` holds them back
for a write of several rows, then indexes once.
"""

from contextlib import contextmanager

from ainews.db import WHOLE_ROWS

# One line per field, tags last, in lower case: terms are lower case, and
# LIKE checks the rows the trigrams point at 2.5 times faster than ILIKE
# (measured). Called from the triggers below.
DOCUMENT = r"""
    lower(concat_ws(E'\n', a.title_en, a.title_zh, a.summary_en, a.summary_zh, a.analysis_en, a.analysis_zh,
                    (SELECT string_agg(t.name_en || E'\n' || t.name_zh, E'\n' ORDER BY t.id)
                       FROM articletag AS at JOIN tag AS t ON t.id = at.tag_id
                      WHERE at.article_id = a.id)))
"""

# Every character that a term can start with (not ASCII whitespace or
# control), alone and with the character after it; English letters and
# digits only at a word start. Each character comes with the ones after and
# before it from three lists of the text's characters read side by side
# (the one before the first is a space). Character codes instead of regular
# expressions: a regular expression per character made a 40,000-character
# text take 2.4 s instead of 70 ms; the side-by-side lists instead of
# window functions, 2.2 ms for a 3,600-character text instead of 2.7
# (2026-12-01).
GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION article_search_grams(doc text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram COLLATE "C"), '{}')
      FROM ROWS FROM (string_to_table(doc, NULL), string_to_table(substr(doc, 2), NULL),
                      string_to_table(' ' || doc, NULL)) AS chars (c, after, before),
           LATERAL (VALUES (c), (c || after)) AS grams (gram)
     WHERE ascii(c) > 32 AND ascii(right(gram, 1)) > 32
       AND NOT ((ascii(c) BETWEEN 48 AND 57 OR ascii(c) BETWEEN 97 AND 122)
                AND (ascii(before) BETWEEN 48 AND 57 OR ascii(before) BETWEEN 97 AND 122))
$$"""

# Until 2026-12-01 the function left out the first word's pieces ("op" of a
# text starting "open"): those rows get their pieces again. Finding them read
# the whole table in 1.9 s at 100,000 articles, of which 3,310 needed it.
REPAIR_FIRST_PIECES = """
    UPDATE article_search SET grams = article_search_grams(doc)
     WHERE NOT grams @> article_search_grams(left(doc, 2))"""

CREATE_TABLE = [
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    GRAMS_FUNCTION,
    # `grams` is written with `doc` by article_search_refresh(), not
    # generated: a generated column is computed again for every row that
    # pg_restore copies, and for a row whose text did not change.
    f"""CREATE TABLE IF NOT EXISTS article_search (
        article_id integer PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE,
        doc text NOT NULL,
        grams text[] NOT NULL) WITH ({WHOLE_ROWS})""",
    # A document stays in its row, uncompressed, when the row fits a page: a search reads
    # one per article it checks (1,000 took 15.3 ms from TOAST, 4.7 in the row; 2026-11-30).
    f"ALTER TABLE article_search SET ({WHOLE_ROWS})",
    "ALTER TABLE article_search ALTER COLUMN doc SET STORAGE MAIN",
    # Tables made before that had `grams` generated: it becomes a plain column, its values kept.
    """DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'article_search'::regclass
                    AND attname = 'grams' AND attgenerated = 's') THEN
            ALTER TABLE article_search ALTER COLUMN grams DROP EXPRESSION;
        END IF;
    END $$""",
    # An upsert, not delete-then-insert: two transactions refreshing the same
    # article at once (a tag renamed while the article is saved) cannot
    # then both insert it. A row whose text is unchanged is left alone: no
    # short pieces computed, no index entries written. PL/pgSQL, not SQL,
    # as it keeps the statement's plan: a SQL function planned it again at
    # each call, 45-80 ms against 15 ms (2,000 articles, 2026-11-30).
    f"""CREATE OR REPLACE FUNCTION article_search_refresh(ids integer[]) RETURNS void
        LANGUAGE plpgsql AS $$ BEGIN
            INSERT INTO article_search (article_id, doc, grams)
            SELECT id, doc, article_search_grams(doc)
              FROM (SELECT a.id, {DOCUMENT} AS doc FROM article AS a WHERE a.id = ANY (ids)) AS fresh
             WHERE NOT EXISTS (SELECT FROM article_search AS s WHERE s.article_id = fresh.id AND s.doc = fresh.doc)
            ON CONFLICT (article_id) DO UPDATE SET doc = EXCLUDED.doc, grams = EXCLUDED.grams;
        END $$""",  # nosec B608 # DOCUMENT is SQL of this module
]

# Built after the rows are in: one pass instead of an insert per row.
# A new row's entries wait in the index's pending list (fastupdate) until
# the list holds PENDING_KB, when the write that fills it merges them in
# one sorted pass. Without the list, an article save wrote each of its
# thousands of entries into each index: a median save of 42-52 ms against
# 11.5 ms with a 256 kB list (2,000 articles, 2026-11-30). The list is kept
# small because every search reads all of it: with the default 4 MB,
# searches were 5 to 10 times slower after a thousand articles were written.
PENDING_KB = 256
INDEX_SETTINGS = f"fastupdate = on, gin_pending_list_limit = {PENDING_KB}"
INDEXES = ("article_search_doc", "article_search_grams_index")
CREATE_INDEXES = [
    f"""CREATE INDEX IF NOT EXISTS article_search_doc ON article_search
       USING gin (doc gin_trgm_ops) WITH ({INDEX_SETTINGS})""",
    f"""CREATE INDEX IF NOT EXISTS article_search_grams_index ON article_search
       USING gin (grams) WITH ({INDEX_SETTINGS})""",
    # Indexes made before with other settings (changing fastupdate locks
    # out searches for a moment: only when it is needed).
    *(
        f"""DO $$ BEGIN
            IF (SELECT reloptions FROM pg_class WHERE relname = '{index}')
               IS DISTINCT FROM ARRAY['fastupdate=on', 'gin_pending_list_limit={PENDING_KB}'] THEN
                ALTER INDEX {index} SET ({INDEX_SETTINGS});
            END IF;
        END $$"""  # nosec B608 # index names and settings of this module
        for index in INDEXES
    ),
]

# Deleting an article deletes its row through the foreign key; deleting a
# tag deletes its articletag rows, whose trigger refreshes their articles.
# Within `deferred()` (a bulk write), the triggers leave the index alone.
DEFERRED = "coalesce(current_setting('ainews.search_deferred', true), '') = 'on'"
TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION article_search_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT {DEFERRED} THEN PERFORM article_search_refresh(ARRAY[NEW.id]); END IF;
            RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION article_search_tagging_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {DEFERRED} THEN RETURN NULL;
            ELSIF TG_OP = 'INSERT' THEN PERFORM article_search_refresh(ARRAY[NEW.article_id]);
            ELSIF TG_OP = 'DELETE' THEN PERFORM article_search_refresh(ARRAY[OLD.article_id]);
            ELSE PERFORM article_search_refresh(ARRAY[OLD.article_id, NEW.article_id]);
            END IF;
            RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION article_search_tag_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT {DEFERRED} THEN
                PERFORM article_search_refresh(ARRAY(SELECT article_id FROM articletag WHERE tag_id = NEW.id));
            END IF;
            RETURN NULL;
        END $$""",  # nosec B608 # only DEFERRED, SQL of this module, is formatted in
    """CREATE OR REPLACE TRIGGER article_search_insert AFTER INSERT ON article
        FOR EACH ROW EXECUTE FUNCTION article_search_article_changed()""",
    # Only when the text changes: counting a view or publishing a draft
    # leaves the index alone.
    """CREATE OR REPLACE TRIGGER article_search_update AFTER UPDATE ON article
        FOR EACH ROW WHEN ((OLD.title_en, OLD.title_zh, OLD.summary_en, OLD.summary_zh,
                            OLD.analysis_en, OLD.analysis_zh)
                           IS DISTINCT FROM
                           (NEW.title_en, NEW.title_zh, NEW.summary_en, NEW.summary_zh,
                            NEW.analysis_en, NEW.analysis_zh))
        EXECUTE FUNCTION article_search_article_changed()""",
    """CREATE OR REPLACE TRIGGER article_search_tagging AFTER INSERT OR UPDATE OR DELETE ON articletag
        FOR EACH ROW EXECUTE FUNCTION article_search_tagging_changed()""",
    """CREATE OR REPLACE TRIGGER article_search_tag_renamed AFTER UPDATE ON tag
        FOR EACH ROW WHEN ((OLD.name_en, OLD.name_zh) IS DISTINCT FROM (NEW.name_en, NEW.name_zh))
        EXECUTE FUNCTION article_search_tag_renamed()""",
]


def install(db):
    """Create the extension, index table, functions and triggers, unless they exist;
    a new index starts with the articles already there."""
    with db.atomic():
        new = not db.table_exists("article_search")
        create(db, fill=new)
        if not new:
            db.execute_sql(REPAIR_FIRST_PIECES)


def reindex(db):
    """Rebuild the whole index from the tables. Returns the number of articles indexed."""
    with db.atomic():
        db.execute_sql("DROP TABLE IF EXISTS article_search")
        create(db, fill=True)
        return db.execute_sql("SELECT count(*) FROM article_search").fetchone()[0]


def create(db, fill):
    """Every statement of the index, in order; filled from the articles before its indexes are built."""
    for sql in CREATE_TABLE:
        db.execute_sql(sql)
    if fill:
        db.execute_sql(REFRESH_ALL)
    for sql in CREATE_INDEXES + TRIGGERS:
        db.execute_sql(sql)
    if fill:
        db.execute_sql("ANALYZE article_search")


@contextmanager
def deferred(db, written=None):
    """Within a transaction: the triggers leave the index alone until the block ends.

    Then the articles whose ids the block put in `written` are indexed, or,
    without `written`, every article whose row is missing or out of date.
    Inside another such block, the outer one indexes them.
    """
    if db.execute_sql(f"SELECT {DEFERRED}").fetchone()[0]:  # nosec B608 # SQL of this module
        yield
        return
    db.execute_sql("SELECT set_config('ainews.search_deferred', 'on', true)")
    yield
    db.execute_sql("SELECT set_config('ainews.search_deferred', 'off', true)")
    if written is None:
        catch_up(db)
    elif written:
        db.execute_sql("SELECT article_search_refresh(%s)", (sorted(written),))


# Every article whose row is missing or out of date, in one statement.
REFRESH_ALL = f"""
    INSERT INTO article_search (article_id, doc, grams)
    SELECT id, doc, article_search_grams(doc)
      FROM (SELECT a.id, {DOCUMENT} AS doc FROM article AS a) AS fresh
     WHERE NOT EXISTS (SELECT FROM article_search AS s WHERE s.article_id = fresh.id AND s.doc = fresh.doc)
    ON CONFLICT (article_id) DO UPDATE SET doc = EXCLUDED.doc, grams = EXCLUDED.grams"""  # nosec B608 # DOCUMENT is SQL of this module


def catch_up(db):
    """Index the articles whose row is missing or differs from their text. Returns how many.

    One statement over all the articles, not article_search_refresh() with
    an array of every stale id (a `= ANY` over an array parameter is not
    hashed). The rows go to the GIN indexes' pending lists, made unbounded for
    this transaction, which are then merged into the indexes in one sorted
    pass: an insertion into each index per row cost 10 to 15 ms an article
    (2026-11-30).
    """
    for index in INDEXES:
        db.execute_sql(f"ALTER INDEX {index} SET (gin_pending_list_limit = 2097151)")  # nosec B608 # names of this module
    cursor = db.execute_sql(REFRESH_ALL)
    for index in INDEXES:
        db.execute_sql(f"SELECT gin_clean_pending_list('{index}')")  # nosec B608 # names of this module
        db.execute_sql(f"ALTER INDEX {index} SET (gin_pending_list_limit = {PENDING_KB})")  # nosec B608 # constants of this module
    return cursor.rowcount
