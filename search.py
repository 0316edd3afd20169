"""Search: articles by words in their titles, summaries, analyses and tag names.

Every SQL statement of the search lives here (for SQLite) or in search_pg.py
(for PostgreSQL), behind these five functions:

    install(db)        the index, and triggers that keep it in step
    reindex(db)        rebuild the index from the tables
    parse_query(q)     the terms of what the reader typed
    search(q, ...)     published articles matching every term, best first
    highlight(text, …) text with the terms marked, as safe HTML

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
import re
import unicodedata

from markupsafe import Markup, escape
from peewee import PostgresqlDatabase

from models import Article, attach_tags, database, utcnow

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_RESULTS = 1000
# A short term in at least 80% of the newest 100 articles is "common". On
# 100,000 articles reading the text beat the vocabulary above about 75%.
SAMPLE_SIZE = 100
COMMON_SHARE = 0.8
# Reading the text stops after this many of the newest articles, so that a
# term common lately but rare before cannot make it read the whole table.
SCAN_LIMIT = 5 * MAX_RESULTS

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


def postgres_search(db):
    """The search_pg module when `db` is PostgreSQL, else None.

    Imported only then: search_pg builds on this module's query helpers.
    """
    if not isinstance(db, PostgresqlDatabase):
        return None
    import search_pg
    return search_pg


def install(db):
    """Create the search index and its triggers, unless they exist.

    A new index starts with the articles already there, so a site that had
    none finds its old articles at once.
    """
    postgres = postgres_search(db)
    if postgres:
        return postgres.install(db)
    with db.atomic("IMMEDIATE"):
        new = not db.table_exists("article_search")
        for sql in CREATE_INDEX + TRIGGERS:
            db.execute_sql(sql)
        if new:
            db.execute_sql(INSERT_ROWS)


def reindex(db):
    """Rebuild the whole index from the tables. Returns the number of articles indexed."""
    postgres = postgres_search(db)
    if postgres:
        return postgres.reindex(db)
    with db.atomic("IMMEDIATE"):
        # Dropping is much faster than deleting row by row, and also mends
        # an index that is damaged or was made by an older version.
        db.execute_sql("DROP TABLE IF EXISTS article_search_terms")
        db.execute_sql("DROP TABLE IF EXISTS article_search")
        for sql in CREATE_INDEX:
            db.execute_sql(sql)
        db.execute_sql(INSERT_ROWS)
        return db.execute_sql("SELECT count(*) FROM article_search").fetchone()[0]


# The query ---------------------------------------------------------------------

# A "quoted phrase" (ASCII or Chinese quotes), or a run without spaces.
TERM = re.compile(r'["“”]([^"“”]*)["“”]|(\S+)')
# Separate words like spaces: list punctuation in either language, slashes,
# and a hyphen between letters ("open-source", "开源、监管").
SEPARATORS = re.compile(r"[,，、;；/|]|(?<=\w)-(?=\w)")


def parse_query(q):
    """The lowercased terms of a query, at most MAX_TERMS, without repeats.

    Spaces (and commas, 、, slashes, hyphens between words) separate terms,
    and a "quoted phrase" is one term. Every other
    character is literal text, FTS5 operators included; punctuation at
    either end of a term is dropped, so "AI," and "(open" find AI and open,
    and a term of nothing but punctuation is no term.
    """
    q = (q or "")[:MAX_QUERY_LENGTH]
    q = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in q)
    q = SEPARATORS.sub(" ", q)
    terms = []
    for match in TERM.finditer(q):
        phrase, word = match.groups()
        term = " ".join((word if phrase is None else phrase).split()).lower()
        term = strip_punctuation(term)
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def strip_punctuation(term):
    """The term without punctuation (and ^, `) at its ends; '#' stays, for C#."""
    def is_punctuation(c):
        return unicodedata.category(c)[0] == "P" and c != "#" or unicodedata.category(c) == "Sk"
    start, end = 0, len(term)
    while start < end and is_punctuation(term[start]):
        start += 1
    while end > start and is_punctuation(term[end - 1]):
        end -= 1
    term = term[start:end]
    # A lone symbol such as '+' or '^' is no more a word than '(' is.
    if not any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "So" for c in term):
        return ""
    return term


# Searching ---------------------------------------------------------------------

def search(q, limit=20, offset=0):
    """Published articles containing every term of `q`, best first, and how many.

    Returns (articles, total), tags attached. Only the newest MAX_RESULTS
    matches are ranked and counted, so `total` is at most MAX_RESULTS (show
    it as "1000+" then); a common short term alone is looked for among the
    newest SCAN_LIMIT articles only. Best first: the highest `score()`,
    then the newest.
    """
    terms = parse_query(q)
    if not terms:
        return [], 0
    db = database()
    now = Article.published_at.db_value(utcnow())
    postgres = postgres_search(db)
    if postgres:
        rows = postgres.matches(db, terms, now)
    else:
        rows = sqlite_matches(db, terms, now)
    # Rows are (id, score, published_at): the best score, then the newest.
    rows.sort(key=lambda row: (row[1], row[2], row[0]), reverse=True)
    ids = [row[0] for row in rows]
    offset = max(offset, 0)
    return articles_by_id(ids[offset:offset + limit]), len(ids)


def sqlite_matches(db, terms, now):
    """(id, score, published_at) of the newest MAX_RESULTS matches, from the FTS5 index or the text."""
    short = [term for term in terms if len(term) < 3]
    common = common_terms(db, short, now)
    match = [fts_string(term) for term in terms if len(term) >= 3]
    for term in short:
        if term not in common:
            trigrams = trigrams_starting(db, term)
            if not trigrams:
                return []
            match.append("(" + " OR ".join(fts_string(trigram) for trigram in trigrams) + ")")
    if match:
        return indexed_matches(db, terms, " AND ".join(match), common, now)
    return scanned_matches(db, terms, now)


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

TITLES = ("title_en", "title_zh")
SUMMARIES = ("summary_en", "summary_zh")
TEXT_COLUMNS = TITLES + SUMMARIES + ("analysis_en", "analysis_zh")


def starts_words(term):
    """Short English terms (AI, EU) match only where a word starts: inside
    words they are mostly noise ("said", "reused"). Longer terms and Chinese,
    which has no spaces, match anywhere. Checking word starts for every term
    made English searches 5-10x slower at 100,000 articles (measured)."""
    return len(term) < 3 and term[0].isascii() and term[0].isalnum()


def patterns(terms):
    r"""Parameters for the SQL below: for term n, :pn, a LIKE pattern (ESCAPE '\')
    for text containing it; for short English terms also :sn and :wn, GLOB
    patterns for text that starts with it, or has it after a non-letter."""
    def like(term):
        return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def glob(term):  # GLOB is case-sensitive: "ai" becomes "[aA][iI]"
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else f"[{c}]" for c in term)
    params = {f"p{n}": like(term) for n, term in enumerate(terms)}
    for n, term in enumerate(terms):
        if starts_words(term):
            params[f"s{n}"] = glob(term) + "*"
            params[f"w{n}"] = "*[^a-zA-Z0-9]" + glob(term) + "*"
    return params


def contains(n, terms, column):
    """SQL: `column` contains term n (ignoring ASCII case), at a word start if a short English term."""
    like = f"{column} LIKE :p{n} ESCAPE '\\'"
    if starts_words(terms[n]):
        # LIKE first: it is quick to rule a column out; GLOB then checks the word start.
        return f"({like} AND ({column} GLOB :s{n} OR {column} GLOB :w{n}))"
    return like


def in_columns(n, terms, columns):
    """SQL: one of these columns of article `a` contains term n."""
    return "(" + " OR ".join(contains(n, terms, f"a.{column}") for column in columns) + ")"


def in_article(n, terms):
    """SQL: article `a` contains term n in its text or a tag name."""
    in_tags = f"""EXISTS (
        SELECT 1 FROM articletag AS at JOIN tag AS t ON t.id = at.tag_id
         WHERE at.article_id = a.id
           AND ({contains(n, terms, "t.name_en")} OR {contains(n, terms, "t.name_zh")}))"""  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
    return f"({in_columns(n, terms, TEXT_COLUMNS)} OR {in_tags})"


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
    counts = ", ".join(f"sum({in_article(n, terms)})" for n in range(len(terms)))
    cursor = db.execute_sql(f"""
        SELECT count(*), {counts}
          FROM article AS a
         WHERE a.id IN (SELECT id FROM article WHERE status = 'published' AND published_at <= :now
                        ORDER BY published_at DESC LIMIT :sample)""",  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
        {"now": now, "sample": SAMPLE_SIZE, **patterns(terms)})
    sampled, *found = cursor.fetchone()
    return [term for term, count in zip(terms, found) if sampled and count >= sampled * COMMON_SHARE]


def indexed_matches(db, terms, match, common, now):
    """(id, score, published_at) of the newest MAX_RESULTS published articles
    that match the FTS5 query `match`, contain the `common` terms, and have
    the English terms at a word start (the index matches anywhere).

    The index is walked newest rowid first and stops at MAX_RESULTS.
    """
    contains_common = "".join(
        f" AND {in_article(n, terms)}" for n, term in enumerate(terms) if term in common or starts_words(term))
    cursor = db.execute_sql(f"""
        SELECT a.id, {score(terms)}, a.published_at
          FROM article_search AS s CROSS JOIN article AS a ON a.id = s.rowid
         WHERE article_search MATCH :match
           AND a.status = 'published' AND a.published_at <= :now {contains_common}
         ORDER BY s.rowid DESC
         LIMIT :max""",  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
        {"match": match, "now": now, "max": MAX_RESULTS, **patterns(terms)})
    return list(cursor)


def scanned_matches(db, terms, now):
    """(id, score, published_at) of the newest MAX_RESULTS published articles
    that contain every term, reading at most the newest SCAN_LIMIT articles."""
    contains_all = " AND ".join(in_article(n, terms) for n in range(len(terms)))
    cursor = db.execute_sql(f"""
        SELECT a.id, {score(terms)}, a.published_at
          FROM article AS a
         WHERE a.status = 'published' AND a.published_at <= :now
           AND a.published_at >= coalesce(  -- the SCAN_LIMIT-th newest, if there are that many
               (SELECT published_at FROM article WHERE status = 'published' AND published_at <= :now
                 ORDER BY published_at DESC LIMIT 1 OFFSET :scan), '')
           AND {contains_all}
         ORDER BY a.published_at DESC
         LIMIT :max""",  # nosec B608 # only column names and :placeholders are formatted in; every term is a parameter
        {"now": now, "scan": SCAN_LIMIT - 1, "max": MAX_RESULTS, **patterns(terms)})
    return list(cursor)


def articles_by_id(ids):
    """The articles with these ids, in this order, tags attached."""
    if not ids:
        return []
    by_id = {article.id: article for article in Article.select().where(Article.id.in_(ids))}
    articles = [by_id[article_id] for article_id in ids if article_id in by_id]
    attach_tags(articles)
    return articles


# Highlighting ------------------------------------------------------------------

def highlight(text, terms):
    """`text` as HTML, every occurrence of a term (ignoring case) in <mark>.

    Matches are found in the raw text and each piece escaped afterwards, so
    a term can never cut an HTML entity in two. Longer terms win where
    terms overlap, and marks never nest.
    """
    text = text or ""
    terms = sorted({term for term in terms if term}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(
        ("(?<![a-z0-9])" if starts_words(term) else "") + re.escape(term) for term in terms), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group())
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)
