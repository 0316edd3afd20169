"""Search on SQLite: the index, its triggers, and the SQL that finds matches.

`ainews.search` (its __init__) is the interface the rest of the site calls:

    install(db)        the index, and triggers that keep it in step
    reindex(db)        rebuild the index from the tables
    search(q, ...)     published articles matching every term, best first

and this module is its SQLite backend (postgres.py is the other).

The index is an SQLite FTS5 table with the trigram tokenizer: it finds any
substring of three or more characters, which suits Chinese (no spaces
between words) as well as English. One row per article, rowid = article id,
with four columns that each hold both languages: title, summary, analysis
and tags. Triggers on `article`, `articletag` and `tag` rewrite an
article's row whenever its text or tags change, whatever code writes.
Drafts are indexed too; `search()` keeps to published articles.

Terms of one or two characters (开源, 中, AI) have no trigram of their own.
Each is handled one of two ways, chosen by a quick look at the newest
articles (see `common_terms`):

* a term that most new articles contain is checked in the article text,
  newest first: the first thousand matches come within a few thousand rows;
* any other term is looked up in the index's vocabulary, as the set of
  trigrams that start with it ("开源" → "开源模", "开源社", …), which is cheap
  exactly when the term is not common.

Only the MAX_RESULTS newest matches (by article id in the index, by
publication time when reading the text) are ranked and counted, so a
common word costs no more than a rare one: a total equal to MAX_RESULTS
means "at least that many". Ranking is by `score()` (title above summary
above analysis or tags), then by date; not by FTS5's BM25, which reads
every article that has a term, whatever the LIMIT.
"""

import functools
import re
import string

from ainews.db import SQLITE_FUNCTIONS
from ainews.search.query import (
    MAX_RESULTS,
    SAMPLE_SIZE,
    SCAN_LIMIT,
    SEARCHED_COLUMNS,
    SUMMARIES,
    TITLES,
    starts_words,
)

# A short term in at least 80% of the newest 100 articles is "common". On
# 100,000 articles reading the text beat the vocabulary above about 75%.
COMMON_SHARE = 0.8

# The indexed text of articles, one row each. The two languages are joined
# by a newline, and each column ends with two more, so that every character
# starts a trigram: that is what lets a one- or two-character term be found
# through the trigrams that begin with it.
INDEXED_ROWS = """
    SELECT a.id,
           a.title_en || char(10) || a.title_zh || char(10, 10),
           a.summary_en || char(10) || a.summary_zh || char(10, 10),
           a.analysis_en || char(10) || a.analysis_zh || char(10, 10),
           coalesce((SELECT group_concat(t.name_en || char(10) || t.name_zh, char(10))
                       FROM articletag AS at JOIN tag AS t ON t.id = at.tag_id
                      WHERE at.article_id = a.id), '') || char(10, 10)
      FROM article AS a
"""
INSERT_ROWS = "INSERT INTO article_search (rowid, title, summary, analysis, tags)" + INDEXED_ROWS

CREATE_INDEX = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS article_search
       USING fts5(title, summary, analysis, tags, tokenize = 'trigram')""",
    # The index's own list of trigrams, for the short terms.
    """CREATE VIRTUAL TABLE IF NOT EXISTS article_search_terms
       USING fts5vocab(article_search, row)""",
]


def refreshing(article_ids):
    """Trigger statements that re-index the articles `article_ids` selects."""
    return f"""
        DELETE FROM article_search WHERE rowid IN ({article_ids});
        {INSERT_ROWS} WHERE a.id IN ({article_ids});
    """  # nosec B608 # article_ids is SQL written in this module, never input


# An UPDATE trigger fires only when the text changes: counting a view or
# publishing a draft leaves the index alone.
TEXT_CHANGED = " OR ".join(
    f"OLD.{column} IS NOT NEW.{column}"
    for column in ("id", "title_en", "title_zh", "summary_en", "summary_zh", "analysis_en", "analysis_zh")
)
TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS article_search_insert AFTER INSERT ON article
        BEGIN {refreshing("NEW.id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS article_search_update AFTER UPDATE ON article
        WHEN {TEXT_CHANGED}
        BEGIN {refreshing("OLD.id, NEW.id")} END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article
        BEGIN DELETE FROM article_search WHERE rowid = OLD.id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS article_search_tag_added AFTER INSERT ON articletag
        BEGIN {refreshing("NEW.article_id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS article_search_tag_moved AFTER UPDATE ON articletag
        BEGIN {refreshing("OLD.article_id, NEW.article_id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS article_search_tag_removed AFTER DELETE ON articletag
        BEGIN {refreshing("OLD.article_id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS article_search_tag_renamed AFTER UPDATE ON tag
        WHEN OLD.name_en IS NOT NEW.name_en OR OLD.name_zh IS NOT NEW.name_zh
        BEGIN {refreshing("SELECT article_id FROM articletag WHERE tag_id = NEW.id")} END""",
]


def install(db):
    """Create the search index and its triggers, unless they exist.

    A new index starts with the articles already there, so a site that had
    none finds its old articles at once.
    """
    with db.atomic("IMMEDIATE"):
        new = not db.table_exists("article_search")
        for sql in CREATE_INDEX + TRIGGERS:
            db.execute_sql(sql)
        if new:
            db.execute_sql(INSERT_ROWS)


def reindex(db):
    """Rebuild the whole index from the tables. Returns the number of articles indexed."""
    with db.atomic("IMMEDIATE"):
        # Dropping is much faster than deleting row by row, and also mends
        # an index that is damaged or was made by an older version.
        db.execute_sql("DROP TABLE IF EXISTS article_search_terms")
        db.execute_sql("DROP TABLE IF EXISTS article_search")
        for sql in CREATE_INDEX:
            db.execute_sql(sql)
        db.execute_sql(INSERT_ROWS)
        return db.execute_sql("SELECT count(*) FROM article_search").fetchone()[0]


# Searching ---------------------------------------------------------------------


def matches(db, terms, now):
    """(id, score, published_at) of the newest MAX_RESULTS matches, from the FTS5 index or the text,
    and whether they come from reading the newest articles (`scanned_matches`)."""
    short = [term for term in terms if len(term) < 3]
    common = common_terms(db, short, now)
    match = [fts_string(term) for term in terms if len(term) >= 3]
    for term in short:
        if term not in common:
            trigrams = trigrams_starting(db, term)
            if not trigrams:
                return [], False
            match.append("(" + " OR ".join(fts_string(trigram) for trigram in trigrams) + ")")
    if match:
        return indexed_matches(db, terms, " AND ".join(match), common, now), False
    return scanned_matches(db, terms, now), True


def fts_string(text):
    """`text` as an FTS5 string: every character inside it is literal."""
    return '"' + text.replace('"', '""') + '"'


def trigrams_starting(db, term):
    """The indexed trigrams that begin with a one- or two-character term."""
    cursor = db.execute_sql(
        "SELECT term FROM article_search_terms WHERE term >= ? AND term < ?",
        (term, term + "\U0010ffff"),
    )
    return [row[0] for row in cursor]


# The SQL below refers to term number n of a query as the parameter :pn, a
# LIKE pattern (see `patterns`). LIKE reads the article table, never the
# index: SQLite 3.40's LIKE on a trigram index misses non-ASCII text.


def patterns(terms):
    r"""Parameters for the SQL below: for term n, :pn, a LIKE pattern (ESCAPE '\')
    for text containing it; for short English terms also :sn, a LIKE pattern
    for text with it after a space, and :tn, the term."""

    def like(term):
        return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    params = {f"p{n}": like(term) for n, term in enumerate(terms)}
    params.update({f"t{n}": term for n, term in enumerate(terms) if starts_words(term)})
    params.update({f"s{n}": "% " + like(term)[1:] for n, term in enumerate(terms) if starts_words(term)})
    return params


def contains(n, terms, column):
    """SQL: `column` contains term n (ignoring ASCII case), at a word start if a short English term."""
    like = f"{column} LIKE :p{n} ESCAPE '\\'"
    if starts_words(terms[n]):
        # LIKE first: it is quick to rule a column out; then the word start,
        # after a space (the usual case, and quick to see) or anything else.
        after_space = f"{column} LIKE :s{n} ESCAPE '\\'"
        return f"({like} AND ({after_space} OR search_word_start({column}, :t{n})))"
    return like


def word_start(text, term):
    """SQL search_word_start(text, term): whether `text` has `term` at its start or after
    a character other than an English letter or digit; letters in either case.

    SQLite's GLOB did this as '[aA][iI]*' OR '*[^a-zA-Z0-9][aA][iI]*', but
    a pattern that starts with '*[' is tried at every character: 89 µs an
    article for "AI", which most articles contain (2026-11-30).
    """
    if text is None:
        return None
    # The term found, then the character before it checked: a regular
    # expression that starts with the check is tried at every character.
    return any(m.start() == 0 or text[m.start() - 1] not in ENGLISH_ALNUM for m in term_pattern(term).finditer(text))


ENGLISH_ALNUM = frozenset(string.ascii_letters + string.digits)


@functools.lru_cache(maxsize=256)
def term_pattern(term):
    """The regular expression for `term`: letters stand for both their cases, as in GLOB '[aA]'."""
    return re.compile(
        "".join(
            "[" + "".join(re.escape(x) for x in c.lower() + c.upper()) + "]" if c.isalpha() else re.escape(c)
            for c in term
        )
    )


SQLITE_FUNCTIONS["search_word_start"] = word_start


def in_columns(n, terms, columns):
    """SQL: one of these columns of article `a` contains term n."""
    return "(" + " OR ".join(contains(n, terms, f"a.{column}") for column in columns) + ")"


def in_article(n, terms):
    """SQL: article `a` contains term n in its text or a tag name."""
    in_tags = f"""EXISTS (
        SELECT 1 FROM articletag AS at JOIN tag AS t ON t.id = at.tag_id
         WHERE at.article_id = a.id
           AND ({contains(n, terms, "t.name_en")} OR {contains(n, terms, "t.name_zh")}))"""  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
    return f"({in_columns(n, terms, SEARCHED_COLUMNS)} OR {in_tags})"


def score(terms):
    """SQL: how well article `a` matches; each term adds 3 if it is in a title,
    else 2 if in a summary, else 1 (it is in the analysis or a tag).

    BM25 would be the textbook choice, but FTS5 computes it from every
    article that has each term, whatever the LIMIT: 90 ms for "model" over
    100,000 articles. This needs only the rows being ranked.
    """
    return " + ".join(
        f"CASE WHEN {in_columns(n, terms, TITLES)} THEN 3 WHEN {in_columns(n, terms, SUMMARIES)} THEN 2 ELSE 1 END"
        for n in range(len(terms))
    )


def common_terms(db, terms, now):
    """The short terms that at least COMMON_SHARE of the newest SAMPLE_SIZE articles contain."""
    if not terms:
        return []
    # CASE WHEN, not sum(condition): SQLite stops at the first column that
    # has the term only where the OR is a condition; as a value, it reads
    # every column (7 ms for "AI" at 100,000 articles, against 1 ms).
    counts = ", ".join(f"sum(CASE WHEN {in_article(n, terms)} THEN 1 ELSE 0 END)" for n in range(len(terms)))
    cursor = db.execute_sql(
        f"""
        SELECT count(*), {counts}
          FROM article AS a
         WHERE a.id IN (SELECT id FROM article WHERE status = 'published' AND published_at <= :now
                        ORDER BY published_at DESC LIMIT :sample)""",  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
        {"now": now, "sample": SAMPLE_SIZE, **patterns(terms)},
    )
    sampled, *found = cursor.fetchone()
    return [term for term, count in zip(terms, found, strict=True) if sampled and count >= sampled * COMMON_SHARE]


def indexed_matches(db, terms, match, common, now):
    """(id, score, published_at) of the newest MAX_RESULTS published articles
    that match the FTS5 query `match`, contain the `common` terms, and have
    the English terms at a word start (the index matches anywhere).

    The index is walked newest rowid first and stops at MAX_RESULTS.
    """
    contains_common = "".join(
        f" AND {in_article(n, terms)}" for n, term in enumerate(terms) if term in common or starts_words(term)
    )
    cursor = db.execute_sql(
        f"""
        SELECT a.id, {score(terms)}, a.published_at
          FROM article_search AS s CROSS JOIN article AS a ON a.id = s.rowid
         WHERE article_search MATCH :match
           AND a.status = 'published' AND a.published_at <= :now {contains_common}
         ORDER BY s.rowid DESC
         LIMIT :max""",  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
        {"match": match, "now": now, "max": MAX_RESULTS, **patterns(terms)},
    )
    return list(cursor)


def scanned_matches(db, terms, now):
    """(id, score, published_at) of the newest MAX_RESULTS published articles
    that contain every term, reading at most the newest SCAN_LIMIT articles."""
    contains_all = " AND ".join(in_article(n, terms) for n in range(len(terms)))
    cursor = db.execute_sql(
        f"""
        SELECT a.id, {score(terms)}, a.published_at
          FROM article AS a
         WHERE a.status = 'published' AND a.published_at <= :now
           AND a.published_at >= coalesce(  -- the SCAN_LIMIT-th newest, if there are that many
               (SELECT published_at FROM article WHERE status = 'published' AND published_at <= :now
                 ORDER BY published_at DESC LIMIT 1 OFFSET :scan), '')
           AND {contains_all}
         ORDER BY a.published_at DESC
         LIMIT :max""",  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
        {"now": now, "scan": SCAN_LIMIT - 1, "max": MAX_RESULTS, **patterns(terms)},
    )
    return list(cursor)
