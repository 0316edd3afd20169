"""Related articles, shown at the end of an article page: those sharing most of its tags."""

import heapq
from collections import Counter
from itertools import chain

from ainews.db import Prepared, database, load_rows, prepared
from ainews.reading import RELATED_POOL
from models import LINK_FIELDS, STAND_IN_ID, STAND_IN_NOW, Article, ArticleTag, db_now


def related(article, count, window=12):
    """Up to `count` published articles sharing most tags with `article`; among equals, the newest.

    Among each tag's newest RELATED_POOL articles (one query a tag: at
    100,000 articles, counting every link of a tag of 9,400 took 12 ms),
    the `window` sharing most tags, the latest written first among
    equals; then those of them that are published (50 took 0.5 ms; 12,
    three times what a page shows, 0.2). Short of `count`, the newest
    others fill the list. Each is read as a link: its LINK_FIELDS.
    """
    shared = Counter()
    for tag in getattr(article, "tags", []):
        shared.update(chain.from_iterable(NEWEST_LINKS.execute(database(), tag.id, article.id, RELATED_POOL)))
    # (count, id) pairs compared in C: sorting 600 ids by a Python key was 0.2 ms of the page.
    pairs = zip(shared.values(), shared.keys(), strict=True)
    shared = {article_id: n for n, article_id in heapq.nlargest(window, pairs)}
    now = db_now()
    found = load_rows(Article, published_among(now, list(shared)), LINK_FIELDS) if shared else []
    found.sort(key=lambda other: (other.published_at, other.id), reverse=True)  # the feed's order
    found.sort(key=lambda other: -shared[other.id])  # stable: the newest first among equals
    found = found[:count]
    if len(found) < count:
        taken = [article.id, *(other.id for other in found)]
        stand_ins = [STAND_IN_ID + n for n in range(len(taken) + 1)]
        others = prepared(("related others", len(taken)), published_others, STAND_IN_NOW, *stand_ins)
        found += load_rows(Article, others.execute(database(), now, count - len(found), *taken), LINK_FIELDS)
    return found


def newest_links(tag_id, article_id, limit):
    """(article id,) of the newest `limit` articles with this tag but `article_id`."""
    query = ArticleTag.select(ArticleTag.article).where((ArticleTag.tag == tag_id) & (ArticleTag.article != article_id))
    return query.order_by(ArticleTag.article.desc()).limit(limit)


NEWEST_LINKS = Prepared(newest_links, STAND_IN_ID, STAND_IN_ID + 1, STAND_IN_ID + 2)


def published_among(now, ids):
    """The cursor of the published articles among these ids, in no order.

    Asked for them newest first, SQLite read the feed's index in order and
    every published article on it (16 ms at 100,000 articles) rather than
    the few rows by their ids.
    """
    stand_ins = [STAND_IN_ID + n for n in range(len(ids))]
    query = prepared(
        ("published among", len(ids)),
        lambda now, *ids: Article.published(now=now).where(Article.id.in_(ids)).order_by().select(*LINK_FIELDS),
        STAND_IN_NOW,
        *stand_ins,
    )
    return query.execute(database(), now, *ids)


def published_others(now, limit, *taken):
    """The newest `limit` published articles but these."""
    return Article.published(now=now).where(Article.id.not_in(taken)).limit(limit).select(*LINK_FIELDS)
