"""The schema: tables, the columns newer code adds, the dashboard's indexes, the
change counter, planner statistics.

`create_tables()` is what `flask init-db` runs; it is safe on a database
that has everything already.
"""

import copy
import functools
import logging
import operator

from peewee import DatabaseError, OperationalError, ProgrammingError, SqliteDatabase, fn, sort_models
from playhouse.migrate import SchemaMigrator, migrate

from ainews import card_tags, rules, search
from ainews.changes import CHANNEL, NOTICE_SETTING
from ainews.db import WHOLE_ROWS, database, write_transaction
from ainews.reading import text_facts
from models import MODELS, Article, ArticleTag, Tag

log = logging.getLogger(__name__)

# The editors' dashboard (ainews/editor/dashboard.py): the expressions its
# queries filter and sort by, and the indexes built on the same expressions,
# so that the planner matches them.


def last_saved():
    """When an article was last saved: the dashboard's order, newest first."""
    return fn.COALESCE(Article.updated_at, Article.created_at)


def missing_translation(lang):
    """Articles with text in the other language that this one lacks (a title, summary or analysis)."""
    other = next(code for code in rules.LANGS if code != lang)
    lacks = [
        (getattr(Article, f"{field}_{lang}") == "") & (getattr(Article, f"{field}_{other}") != "")
        for field in rules.WRITTEN_FIELDS
    ]
    return functools.reduce(operator.or_, lacks)


# Its indexes, measured at 100,000 articles by bench/dashboard.py. Every page
# of it walks `article_last_change`; the filters that would otherwise read
# whole rows (analyses and all) have indexes of their own: a narrow one of
# the titles for the search, and partial ones holding only the articles
# with a translation out of date or missing, which are few.
LAST_SAVED = (last_saved().desc(), Article.id.desc())
for name, where in [
    ("article_last_change", None),
    ("article_outdated", Article.outdated != ""),
    *((f"article_missing_{lang}", missing_translation(lang)) for lang in rules.LANGS),
]:
    Article.add_index(Article.index(*LAST_SAVED, name=name, where=where))
Article.add_index(
    Article.index(Article.title_en, Article.title_zh, Article.updated_at, Article.created_at, name="article_titles")
)


def create_tables():
    """Create missing tables, add columns that newer code expects, and the search index."""
    db = database()
    with db.connection_context():
        # Tables, then the columns an older database lacks, then the indexes,
        # which may name one of those columns (article_outdated does).
        for model in sort_models(MODELS):
            model._schema.create_table(safe=True)
        add_missing_columns(db)
        work_out_text_facts(db)
        card_tags.install(db)
        for model in MODELS:
            model._schema.create_indexes(safe=True)
        for name in REPLACED_INDEXES:
            db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')  # nosec B608 # names from the constant below
        search.install(db)
        install_change_counter(db)
        store_long_texts_plainly(db)
    update_statistics()


# Indexes that newer ones replace, dropped once those are built: the feed's
# orders without the id, which PostgreSQL's indexes need to give a page's
# rows in order (its sort of 21 rows was 60% of the feed query's time).
REPLACED_INDEXES = [f"article_status_{score}_published_at" for score in rules.SCORES] + ["article_status_published_at"]


# PostgreSQL compresses long text (pglz) and must decompress it for every
# row it sends: 0.3 ms of a rendered feed page's 21 rows (their 42 analyses,
# 2026-11-30). Stored as they are, they take about 1.7 times the room, and
# the rendered feed served 15-35% more pages (docs/benchmarks.md). Rows are
# kept whole up to a page (WHOLE_ROWS): reading the texts from TOAST was a
# quarter of the feed query's time (0.31 against 0.23 ms for 21 rows).
PLAIN_TEXTS = {"article": ("summary_en", "summary_zh", "analysis_en", "analysis_zh")}


def store_long_texts_plainly(db):
    """On PostgreSQL, long texts kept uncompressed, in the row when it fits a page.

    Applies to rows written from now on (a dump and restore rewrites all).
    """
    if isinstance(db, SqliteDatabase):
        return
    for table, columns in PLAIN_TEXTS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" SET STORAGE EXTERNAL' for column in columns)
        db.execute_sql(f'ALTER TABLE "{table}" {changes}, SET ({WHOLE_ROWS})')  # nosec B608 # names from the constants


# What reader pages show: a change to any of these tables may change a page.
SHOWN_TABLES = ("article", "tag", "articletag")
# Columns of those tables whose changes are not changes of content. Views
# are written every second while people read: counted as changes, they
# would make every cached page last about a second. Lists show counts up
# to a minute old instead, as the page cache's key holds the minute.
NOT_CONTENT = {"article": {"views"}}


def install_change_counter(db):
    """`sitestate.version`, which triggers bump on every change to what readers see.

    Cached pages (ainews/cache.py) are keyed by it. The triggers run inside
    the writing transaction, so a reader sees the new version exactly when it
    sees the new rows, whatever process or tool made the change. They are
    made again at every `flask init-db`, so that new columns count too.
    """
    if isinstance(db, SqliteDatabase):
        install_sqlite_counter(db)
    else:
        install_postgres_counter(db)


def install_sqlite_counter(db):
    """One row; SQLite has one writer at a time anyway."""
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS sitestate (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
    )
    db.execute_sql("INSERT OR IGNORE INTO sitestate (id, version) VALUES (1, 0)")
    for table in SHOWN_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_changes_site"
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
            db.execute_sql(
                f"CREATE TRIGGER {name} AFTER {changing(db, table, event)} ON {table} "  # nosec B608 # names from the constants above and the schema
                "BEGIN UPDATE sitestate SET version = version + 1 WHERE id = 1; END"
            )


# PostgreSQL: the counter is the sum of COUNTER_SLOTS rows. Each transaction
# adds one to the row of its server process (its backend's pid), so two
# writers rarely touch the same row; and it does so at commit (a deferred
# constraint trigger), once per transaction whatever its number of rows,
# so that row's lock is the last one taken and held for no time: writers
# never queue behind each other for it, and cannot deadlock on it.
# It also notifies the processes that listen (ainews/changes.py), so that
# they need not read the sum at every request.
COUNTER_SLOTS = 16
POSTGRES_COUNTER = [
    "CREATE TABLE IF NOT EXISTS sitestate (id integer PRIMARY KEY, version bigint NOT NULL)",
    f"INSERT INTO sitestate (id, version) SELECT n, 0 FROM generate_series(0, {COUNTER_SLOTS - 1}) AS n "  # nosec B608 # only the constant COUNTER_SLOTS is formatted in
    "ON CONFLICT (id) DO NOTHING",
    # The trigger's arguments name the columns that are not content: an
    # UPDATE that changed only those is no change (compared as JSON, so no
    # column list to keep, and no column that cannot be dropped).
    f"""CREATE OR REPLACE FUNCTION sitestate_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - TG_ARGV) = (to_jsonb(NEW) - TG_ARGV) THEN
                RETURN NULL;
            END IF;
            IF current_setting('ainews.site_changed', true) IS DISTINCT FROM 'yes' THEN
                PERFORM set_config('ainews.site_changed', 'yes', true);  -- until the transaction ends
                UPDATE sitestate SET version = version + 1 WHERE id = mod(pg_backend_pid(), {COUNTER_SLOTS});
                -- Sent at commit to every process listening; and to the writing
                -- process itself, before its commit returns. Both name the transaction.
                PERFORM pg_notify('{CHANNEL}', pg_current_xact_id()::text);
                IF current_setting('{NOTICE_SETTING}', true) = 'on' THEN
                    RAISE NOTICE USING MESSAGE = '{CHANNEL} ' || pg_current_xact_id();
                END IF;
            END IF;
            RETURN NULL;
        END $$""",  # nosec B608 # only constants are formatted in
]


def install_postgres_counter(db):
    with db.atomic():
        for sql in POSTGRES_COUNTER:
            db.execute_sql(sql)
        for table in SHOWN_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = f"{table}_{event.lower()}_changes_site"
                db.execute_sql(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
                not_content = ", ".join(f"'{column}'" for column in sorted(NOT_CONTENT.get(table, ())))
                db.execute_sql(
                    f'CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON "{table}" '  # nosec B608 # names from the constants above
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sitestate_changed({not_content})"
                )


def changing(db, table, event):
    """The trigger event: an UPDATE only of the columns that are content."""
    if event != "UPDATE" or table not in NOT_CONTENT:
        return event
    columns = [column.name for column in db.get_columns(table) if column.name not in NOT_CONTENT[table]]
    return "UPDATE OF " + ", ".join(f'"{column}"' for column in columns)


def content_version(db=None):
    """The change counter, or None where there is none (a database not yet upgraded)."""
    db = db or database()
    try:
        row = db.execute_sql("SELECT sum(version) FROM sitestate").fetchone()
    except (OperationalError, ProgrammingError):
        return None
    return row[0] if row else None


# Rows SQLite's ANALYZE samples per index (0: all). Articles are wide and
# sampled. The links are narrow and read whole (0.2 s for 150,000): sampled,
# they told the planner 1,001 articles per tag instead of 9,395, and it
# sorted a tag's every article for each tag page (43 ms at 100,000
# articles, against 1 ms reading the feed's index in order; 2026-11-30).
SQLITE_ANALYSIS_LIMITS = {Article: 1000, ArticleTag: 0, Tag: 0}


def update_statistics():
    """Let the planner know the tables' sizes.

    Without statistics SQLite may sort a score-ordered feed in a temporary
    B-tree instead of reading the score's index (11x slower at 12,000
    articles, measured). With `analysis_limit` ANALYZE samples each index
    instead of reading it all, so it is cheap enough to run at every start.
    PostgreSQL's ANALYZE samples by itself; its autovacuum keeps statistics
    fresh later, but only a while after a bulk import.

    ANALYZE writes: on a full disk or a read-only database it is skipped
    with a warning, and the site starts and serves readers all the same.
    """
    db = database()
    try:
        with db.connection_context():
            for model in (Article, ArticleTag, Tag):
                if isinstance(db, SqliteDatabase):
                    db.execute_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMITS[model]}")
                if model.table_exists():
                    db.execute_sql(f'ANALYZE "{model._meta.table_name}"')
    except DatabaseError as error:
        log.warning("planner statistics not updated, the database cannot write: %s", error)


def add_missing_columns(db):
    """The one kind of schema change so far: a new column with a default.

    The column is added nullable and filled with its default: making it NOT
    NULL would make SQLite rebuild the table, which the search triggers that
    name it forbid. The models always write a value anyway.

    Every column is added before any is filled: filling one fires the
    table's triggers, and PostgreSQL refuses to alter a table with trigger
    events pending in the transaction.
    """
    migrator = SchemaMigrator.from_database(db)
    added, filled = [], []
    for model in MODELS:
        table = model._meta.table_name
        existing = {column.name for column in db.get_columns(table)}
        for field in model._meta.sorted_fields:
            if field.column_name not in existing:
                column = copy.copy(field)
                column.null = True
                added.append(migrator.add_column(table, field.column_name, column))
                if field.default is not None:
                    filled.append(migrator.apply_default(table, field.column_name, field))
    if added:
        with write_transaction():
            migrate(*added, *filled)


def work_out_text_facts(db, batch=500):
    """Store the text facts (ainews.reading.text_facts) of the articles written before they were kept.

    At 100,000 articles: 77 s on SQLite, 124 s on PostgreSQL (2026-11-30).
    """
    worked_out = 0
    while True:
        with write_transaction(db):
            articles = list(Article.select().where(Article.reading_en.is_null()).order_by(Article.id).limit(batch))
            for article in articles:
                Article.update(**text_facts(article)).where(Article.id == article.id).execute()
        worked_out += len(articles)
        if len(articles) < batch:
            break
    if worked_out:
        log.info("worked out the reading times of %d articles", worked_out)
