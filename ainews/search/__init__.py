"""Search: published articles by words in their titles, summaries, analyses and tag names.

The rest of the site calls these functions; the SQL lives in one backend
module per database, sqlite.py and postgres.py, chosen by the database the
site runs on. Both find the same articles in the same order (tests run the
whole search suite on both).

    install(db)        the index, and triggers that keep it in step
    reindex(db)        rebuild the index from the tables
    deferred(written)  index what a block writes once, at its end
    parse_query(q)     the terms of what the reader typed
    search(q, ...)     published articles matching every term, best first
    highlight(text, …) text with the terms marked, as safe HTML
"""

from contextlib import nullcontext

from peewee import PostgresqlDatabase

from ainews.clock import utcnow
from ainews.db import database
from ainews.search import postgres, sqlite
from ainews.search.query import MAX_RESULTS, highlight, parse_query
from models import Article, attach_tags

__all__ = ["MAX_RESULTS", "deferred", "highlight", "install", "parse_query", "reindex", "search"]


def backend(db):
    """The module that holds the search SQL for this database."""
    return postgres if isinstance(db, PostgresqlDatabase) else sqlite


def install(db):
    """Create the search index and its triggers, unless they exist.

    A new index starts with the articles already there, so a site that had
    none finds its old articles at once.
    """
    backend(db).install(db)


def deferred(written=None):
    """A context for writing articles in the current transaction: the index is
    brought up to date once, at its end, instead of at each row written.

    `written`, if given, is a set the block adds the ids of the articles it
    wrote to: only those are indexed then (one save). Without it, every
    article out of date is (a bulk write). PostgreSQL only: on SQLite the
    triggers' work is cheap and is done as usual.
    """
    db = database()
    if backend(db) is postgres:
        return postgres.deferred(db, written)
    return nullcontext()


def reindex(db):
    """Rebuild the whole index from the tables. Returns the number of articles indexed."""
    return backend(db).reindex(db)


def search(q, limit=20, offset=0):
    """Published articles containing every term of `q`, best first, how many, and whether more may.

    Returns (articles, total, partial), tags attached. Only the newest
    MAX_RESULTS matches are ranked and counted, so `total` is at most
    MAX_RESULTS; common terms are looked for among the newest SCAN_LIMIT
    articles only. `partial` says that older articles may match too: show
    "more than `total`" then. Best first: the highest `score()`, then the
    newest.
    """
    terms = parse_query(q)
    if not terms:
        return [], 0, False
    db = database()
    moment = utcnow()
    engine = backend(db)
    rows, scanned = engine.matches(db, terms, Article.published_at.db_value(moment))
    # Rows are (id, score, published_at): the best score, then the newest.
    rows.sort(key=lambda row: (row[1], row[2], row[0]), reverse=True)
    ids = [row[0] for row in rows]
    partial = len(ids) >= engine.MAX_RESULTS or (scanned and more_published_than(engine.SCAN_LIMIT, moment))
    offset = max(offset, 0)
    return articles_by_id(ids[offset : offset + limit]), len(ids), partial


def more_published_than(count, moment):
    """Whether more than `count` articles are published by `moment`."""
    beyond = Article.published(now=moment).order_by().select(Article.id).limit(1).offset(count)
    return bool(list(beyond.tuples()))


def articles_by_id(ids):
    """The articles with these ids, in this order, tags attached."""
    if not ids:
        return []
    by_id = {article.id: article for article in Article.select().where(Article.id.in_(ids))}
    articles = [by_id[article_id] for article_id in ids if article_id in by_id]
    attach_tags(articles)
    return articles
