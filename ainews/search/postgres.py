"""Search on PostgreSQL: the same behaviour as sqlite.py's index, with pg_trgm.

`ainews.search` keeps the public functions (install, reindex, search, …) and
hands the database work here when the site runs on PostgreSQL.

The index is a table, `article_search` (postgres_index.py makes it and
keeps it in step), with one row per article: `doc`, its text and tag names
in lower case, and `grams`, its one- and two-character pieces.

* A term of three or more characters is found with `doc LIKE '%term%'`,
  which pg_trgm's GIN index answers from its trigrams, in Chinese as in
  English.
* A term of one or two characters has no trigram: it is found in `grams`
  (`grams @> ARRAY['开源']`), through a GIN index on the array. `grams`
  holds every piece that starts with a character other than an English
  letter or digit (开源, 中, '#…'), but English pieces only where a word
  starts ("ai" from "AI-made", not from "said"): exactly the rule for short
  English terms, so the lookup needs no second check.

Which terms go through the index, and which are checked in the newest
articles instead, is decided as on SQLite (see "Searching" below), with
query.py's limits (MAX_RESULTS, SAMPLE_SIZE, SCAN_LIMIT); the same score
ranks the matches, and the newest MAX_RESULTS matches by publication time
are the ones ranked.
"""

import string

# The index's side of the backend: made and kept in postgres_index.py.
from ainews.search.postgres_index import deferred, install, reindex  # noqa: F401
from ainews.search.query import MAX_RESULTS, SAMPLE_SIZE, SCAN_LIMIT, SUMMARIES, TITLES, starts_words

# Searching ---------------------------------------------------------------------
#
# As on SQLite, a look at the newest articles (`common_terms`) decides how
# each term is found; PostgreSQL's planner cannot judge it, as the indexed
# text is too long for its statistics.
# * Rare terms are found through the GIN indexes, and the common ones then
#   checked in the rows those give. The planner is told to use the indexes:
#   it would rather read all of a small table, 5 to 10 times slower
#   (measured at 1,000 articles).
# * When every term is common, the newest articles are read in order,
#   stopping at MAX_RESULTS matches or SCAN_LIMIT articles.
# Unlike FTS5, a GIN index cannot give its matches newest first, so each
# one is read and checked: a term counts as common here from a lower share, and
# when by the sample more articles in all hold it than SCAN_LIMIT ("open source" at
# 100,000 articles: 10,229 matches among 90,080 trigram candidates, 0.74 s).
COMMON_SHARE = 0.2

# The SQL below names term n's parameters %(pn)s (a LIKE pattern), %(wn)s
# (a regular expression for a word start) and %(gn)s (the term itself).


def like(term):
    """A LIKE or ILIKE pattern (backslash escapes) for text containing `term`."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def word_start(term):
    """A regular expression for `term` where a word starts.

    Only short English terms take this path; ASCII punctuation is escaped
    with a backslash, and no other character is special."""
    body = "".join("\\" + c if c in string.punctuation else c for c in term)
    return "(^|[^a-zA-Z0-9])" + body


def parameters(terms, **more):
    params = dict(more)
    for n, term in enumerate(terms):
        params.update({f"p{n}": like(term), f"w{n}": word_start(term), f"g{n}": term})
    return params


def contains(n, terms, column):
    """SQL: `column` contains term n in any case, at a word start if a short English term."""
    if starts_words(terms[n]):
        return f"{column} ~* %(w{n})s"
    return f"{column} ILIKE %(p{n})s"


def in_columns(n, terms, columns):
    return "(" + " OR ".join(contains(n, terms, f"a.{column}") for column in columns) + ")"


def in_document(n, terms):
    """SQL: the lower-case text of article `s` contains term n, read, not looked up: no index
    answers `s.doc || ''` (the text itself) or strpos, which skips through the text where
    LIKE steps (开源模型 in the 5,000 newest: 24 ms against 54, 2026-11-30)."""
    if starts_words(terms[n]):
        return f"(s.doc || '') ~ %(w{n})s"
    return f"strpos(s.doc, %(g{n})s) > 0"


def in_index(n, terms):
    """SQL: the index finds term n: by its trigrams, or among the short pieces."""
    if len(terms[n]) >= 3:
        return f"s.doc LIKE %(p{n})s"
    return f"s.grams @> ARRAY[%(g{n})s::text]"


def score(terms):
    """SQL: 3 for each term in a title, else 2 in a summary, else 1; as on SQLite."""
    return " + ".join(
        f"CASE WHEN {in_columns(n, terms, TITLES)} THEN 3 WHEN {in_columns(n, terms, SUMMARIES)} THEN 2 ELSE 1 END"
        for n in range(len(terms))
    )


NEWEST = """
    SELECT id FROM article WHERE status = 'published' AND published_at <= %(now)s
     ORDER BY published_at DESC"""


def common_terms(db, terms, now):
    """The terms in COMMON_SHARE of the newest SAMPLE_SIZE articles, or by that count in over SCAN_LIMIT."""
    if not terms:
        return []
    counts = ", ".join(f"count(*) FILTER (WHERE {in_document(n, terms)})" for n in range(len(terms)))
    cursor = db.execute_sql(
        f"""
        SELECT count(*), (SELECT reltuples FROM pg_class WHERE oid = 'article'::regclass), {counts}
          FROM article_search AS s
         WHERE s.article_id IN ({NEWEST} LIMIT %(sample)s)""",  # nosec B608 # only SQL of this module and %(name)s placeholders are formatted in; every term is a parameter
        parameters(terms, now=now, sample=SAMPLE_SIZE),
    )
    sampled, articles, *found = cursor.fetchone()  # articles: the planner's estimate, -1 before any
    if not sampled:
        return []
    return [
        term
        for term, count in zip(terms, found, strict=True)
        if count >= sampled * COMMON_SHARE or count / sampled * articles > SCAN_LIMIT
    ]


def matches(db, terms, now):
    """(id, score, published_at) of the newest MAX_RESULTS matches; whether read in the newest articles."""
    common = common_terms(db, terms, now)
    if len(common) == len(terms):
        return scanned_matches(db, terms, now), True
    return indexed_matches(db, terms, common, now), False


def indexed_matches(db, terms, common, now):
    """Matches found through the index for the rare terms, then checked for the common ones."""
    conditions = " AND ".join(
        in_document(n, terms) if term in common else in_index(n, terms) for n, term in enumerate(terms)
    )
    with db.atomic():
        for method in ("seqscan", "indexscan"):  # what is left is a bitmap scan of the GIN indexes
            db.execute_sql(f"SET LOCAL enable_{method} = off")
        cursor = db.execute_sql(
            f"""
            SELECT a.id, {score(terms)}, a.published_at
              FROM article_search AS s JOIN article AS a ON a.id = s.article_id
             WHERE a.status = 'published' AND a.published_at <= %(now)s AND {conditions}
             ORDER BY a.published_at DESC, a.id DESC
             LIMIT %(max)s""",  # nosec B608 # only SQL of this module and %(name)s placeholders are formatted in; every term is a parameter
            parameters(terms, now=now, max=MAX_RESULTS),
        )
        return list(cursor)


def scanned_matches(db, terms, now):
    """Matches among the newest SCAN_LIMIT published articles, read newest first.

    The articles are read in the feed index's order, each one's text looked
    up and checked, and the reading stops at MAX_RESULTS matches. Written
    as a join, the planner, which takes a LIKE on the long text to be rare,
    read every article's text first (or looked every match up in the
    trigram index): 400-500 ms for "model", "AI" or 开源 at 27,500 articles
    (2026-11-30).
    """
    conditions = " AND ".join(in_document(n, terms) for n in range(len(terms)))
    cursor = db.execute_sql(
        f"""
        SELECT a.id, {score(terms)}, a.published_at
          FROM article AS a
               -- OFFSET 0: kept as a look-up per article, in the articles' order
               CROSS JOIN LATERAL (SELECT doc FROM article_search WHERE article_id = a.id OFFSET 0) AS s
         WHERE a.status = 'published' AND a.published_at <= %(now)s
           AND a.published_at >= coalesce(  -- the SCAN_LIMIT-th newest, if there are that many
               (SELECT published_at FROM article WHERE status = 'published' AND published_at <= %(now)s
                 ORDER BY published_at DESC LIMIT 1 OFFSET %(scan)s), '-infinity')
           AND {conditions}
         ORDER BY a.published_at DESC, a.id DESC
         LIMIT %(max)s""",  # nosec B608 # only SQL of this module and %(name)s placeholders are formatted in; every term is a parameter
        parameters(terms, now=now, scan=SCAN_LIMIT - 1, max=MAX_RESULTS),
    )
    return list(cursor)
