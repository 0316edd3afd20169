"""Search on PostgreSQL: the same behaviour as search.py's SQLite index, with pg_trgm.

`search.py` keeps the public functions (install, reindex, search, …) and
hands the database work here when the site runs on PostgreSQL.

The index is a table, `article_search`, with one row per article: `doc`,
its titles, summaries, analyses and tag names in both languages, one per
line, and `grams`, the one- and two-character pieces of that text that a
short term can be (computed by `article_search_grams`). Triggers on
`article`, `articletag` and `tag` rewrite an article's row whenever its text
or tags change, whatever code writes, as on SQLite.

* A term of three or more characters is looked up with `doc ILIKE
  '%term%'`, which pg_trgm's GIN index answers from its trigrams, in
  Chinese as in English.
* A term of one or two characters has no trigram: it is looked up in
  `grams` (`grams @> ARRAY['开源']`), through a GIN index on the array.
  `grams` holds every piece that starts with a character other than an
  English letter or digit (so 开源, 中, C#'s '#…'), but English pieces only
  where a word starts ("ai" from "AI-made", not from "said"): that is
  exactly the rule for short English terms, so the lookup needs no second
  check.

PostgreSQL's planner chooses between these indexes and reading the newest
articles first, from its statistics, so there is no sampling of common
terms here. The newest MAX_RESULTS matches by publication time are ranked,
with the same score as on SQLite.
"""
import string

from search import SUMMARIES, TITLES, starts_words

# One line per field, tags last. Called from the triggers below.
DOCUMENT = r"""
    concat_ws(E'\n', a.title_en, a.title_zh, a.summary_en, a.summary_zh, a.analysis_en, a.analysis_zh,
              (SELECT string_agg(t.name_en || E'\n' || t.name_zh, E'\n' ORDER BY t.id)
                 FROM articletag AS at JOIN tag AS t ON t.id = at.tag_id
                WHERE at.article_id = a.id))
"""

# Every character that a term can start with (not ASCII whitespace or
# control), alone and with the character after it; English letters and
# digits only at a word start. Character codes instead of regular
# expressions: a regular expression per character made a 40,000-character
# text take 2.4 s instead of 70 ms (measured).
GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION article_search_grams(doc text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
      FROM (SELECT c, ascii(c) AS code, ascii(lag(c) OVER w) AS before, lead(c) OVER w AS after
              FROM string_to_table(lower(doc), NULL) WITH ORDINALITY AS chars (c, n)
            WINDOW w AS (ORDER BY n)) AS chars,
           LATERAL (VALUES (c), (c || after)) AS grams (gram)
     WHERE code > 32 AND ascii(right(gram, 1)) > 32
       AND NOT ((code BETWEEN 48 AND 57 OR code BETWEEN 97 AND 122)
                AND (before BETWEEN 48 AND 57 OR before BETWEEN 97 AND 122))
$$"""

CREATE_INDEX = [
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    GRAMS_FUNCTION,
    """CREATE TABLE IF NOT EXISTS article_search (
        article_id integer PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE,
        doc text NOT NULL,
        grams text[] GENERATED ALWAYS AS (article_search_grams(doc)) STORED)""",
    "CREATE INDEX IF NOT EXISTS article_search_doc ON article_search USING gin (doc gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS article_search_grams_index ON article_search USING gin (grams)",
    # An upsert, not delete-then-insert: two transactions refreshing the same
    # article at once (a tag renamed while the article is saved) cannot
    # then both insert it.
    f"""CREATE OR REPLACE FUNCTION article_search_refresh(ids integer[]) RETURNS void
        LANGUAGE sql AS $$
            INSERT INTO article_search (article_id, doc)
            SELECT a.id, {DOCUMENT} FROM article AS a WHERE a.id = ANY (ids)
            ON CONFLICT (article_id) DO UPDATE SET doc = EXCLUDED.doc
        $$""",
]

# Deleting an article deletes its row through the foreign key; deleting a
# tag deletes its articletag rows, whose trigger refreshes their articles.
TRIGGERS = [
    """CREATE OR REPLACE FUNCTION article_search_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM article_search_refresh(ARRAY[NEW.id]); RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION article_search_tagging_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN PERFORM article_search_refresh(ARRAY[NEW.article_id]);
            ELSIF TG_OP = 'DELETE' THEN PERFORM article_search_refresh(ARRAY[OLD.article_id]);
            ELSE PERFORM article_search_refresh(ARRAY[OLD.article_id, NEW.article_id]);
            END IF;
            RETURN NULL;
        END $$""",
    """CREATE OR REPLACE FUNCTION article_search_tag_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM article_search_refresh(ARRAY(SELECT article_id FROM articletag WHERE tag_id = NEW.id));
            RETURN NULL;
        END $$""",
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

FILL = "SELECT article_search_refresh(ARRAY(SELECT id FROM article))"


def install(db):
    """Create the extension, index table, functions and triggers, unless they exist;
    a new index starts with the articles already there."""
    with db.atomic():
        new = not db.table_exists("article_search")
        for sql in CREATE_INDEX + TRIGGERS:
            db.execute_sql(sql)
        if new:
            db.execute_sql(FILL)
            db.execute_sql("ANALYZE article_search")


def reindex(db):
    """Rebuild the whole index from the tables. Returns the number of articles indexed."""
    with db.atomic():
        db.execute_sql("DROP TABLE IF EXISTS article_search")
        for sql in CREATE_INDEX + TRIGGERS:
            db.execute_sql(sql)
        db.execute_sql(FILL)
        db.execute_sql("ANALYZE article_search")
        return db.execute_sql("SELECT count(*) FROM article_search").fetchone()[0]


# Searching ---------------------------------------------------------------------

def like(term):
    """An ILIKE pattern (backslash escapes) for text containing `term`."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def word_start(term):
    """A regular expression (case-insensitive, ~*) for `term` where a word starts.

    Only short English terms take this path; ASCII punctuation is escaped
    with a backslash, and no other character is special."""
    body = "".join("\\" + c if c in string.punctuation else c for c in term)
    return "(^|[^a-zA-Z0-9])" + body


def contains(n, terms, column):
    """SQL: `column` contains term n, at a word start if a short English term."""
    if starts_words(terms[n]):
        return f"{column} ~* %(w{n})s"
    return f"{column} ILIKE %(p{n})s"


def in_columns(n, terms, columns):
    return "(" + " OR ".join(contains(n, terms, f"a.{column}") for column in columns) + ")"


def score(terms):
    """SQL: 3 for each term in a title, else 2 in a summary, else 1; as on SQLite."""
    return " + ".join(
        f"CASE WHEN {in_columns(n, terms, TITLES)} THEN 3 WHEN {in_columns(n, terms, SUMMARIES)} THEN 2 ELSE 1 END"
        for n in range(len(terms))
    )


def in_index(n, terms):
    """SQL: the indexed article holds term n: by its trigrams, or among its short pieces."""
    if len(terms[n]) >= 3:
        return f"s.doc ILIKE %(p{n})s"
    return f"s.grams @> ARRAY[%(g{n})s::text]"


def matches(db, terms, now, max_results):
    """(id, score, published_at) of the newest `max_results` published articles
    containing every term."""
    params = {"now": now, "max": max_results}
    for n, term in enumerate(terms):
        params.update({f"p{n}": like(term), f"w{n}": word_start(term), f"g{n}": term})
    contains_all = " AND ".join(in_index(n, terms) for n in range(len(terms)))
    cursor = db.execute_sql(f"""
        SELECT a.id, {score(terms)}, a.published_at
          FROM article_search AS s JOIN article AS a ON a.id = s.article_id
         WHERE a.status = 'published' AND a.published_at <= %(now)s AND {contains_all}
         ORDER BY a.published_at DESC, a.id DESC
         LIMIT %(max)s""", params)
    return list(cursor)
