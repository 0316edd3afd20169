"""What keeping revisions costs: the size of a revision row, and the extra time per save.

    .venv/bin/python bench/revisions.py [--saves N] [--database-url postgresql://…]

On a throwaway SQLite database (or the given PostgreSQL database, which
should be empty), it saves a demo article and a long one (the analysis at
its limit in both languages) through `save_article()`, and prints:

- the bytes of one revision row (its snapshot JSON and other columns), for each;
- the median time of a save that changes the title, with revisions kept and
  with `revisions.record` stubbed out, in the same run, and their ratio.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ainews import articles, revisions  # noqa: E402
from ainews.db import database  # noqa: E402
from ainews.ops.demo import seed_demo  # noqa: E402
from ainews.rules import TEXT_COLUMNS, TEXT_LIMITS  # noqa: E402
from ainews.schema import create_tables  # noqa: E402
from app import create_app  # noqa: E402
from models import Article, Revision, attach_tags  # noqa: E402

EDITABLE = (*TEXT_COLUMNS, "status", "hot")


def row_bytes(rev):
    """The bytes a revision holds: its snapshot as UTF-8, and the other columns as text."""
    others = (rev.article_id, rev.version, rev.saved_at.isoformat(), rev.saved_by, rev.kind, rev.changed)
    return len(rev.snapshot.encode()) + sum(len(str(value).encode()) for value in others)


def save_times(article_id, saves, keep):
    """Median seconds of `saves` saves of the article, each changing its title."""
    real_record = revisions.record
    if not keep:
        revisions.record = lambda *args, **kwargs: None
    times = []
    try:
        for n in range(saves):
            article = Article.get_by_id(article_id)
            attach_tags([article])
            values = {name: getattr(article, name) for name in EDITABLE}
            values["title_en"] = f"{article.title_en.split(' #')[0]} #{n} {keep}"
            start = time.perf_counter()
            articles.save_article(article, values, article.tags, article.version, by="bench")
            times.append(time.perf_counter() - start)
    finally:
        revisions.record = real_record
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/bench.db"
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            create_tables()
            with database().connection_context():
                run(options.saves, url.split(":")[0])


def run(saves, kind):
    seed_demo()
    demo = Article.select().order_by(Article.id).first()
    long = Article.create(
        slug="long-one",
        title_en="A long analysis",
        title_zh="长篇分析",
        analysis_en=("All the words fit. " * 3000)[: TEXT_LIMITS["analysis"]],
        analysis_zh=("所有的字都放得下。" * 6000)[: TEXT_LIMITS["analysis"]],
        status="published",
    )
    for article in (demo, long):
        save_times(article.id, 1, keep=True)
        rev = Revision.select().where(Revision.article_id == article.id).order_by(Revision.version.desc()).get()
        print(f"revision row of {article.slug}: {row_bytes(rev):,} bytes")
    # Alternated in rounds, so that neither side gets the warmer caches or the fuller write-ahead log.
    rounds = [(save_times(demo.id, saves // 10, True), save_times(demo.id, saves // 10, False)) for _ in range(10)]
    with_revisions = statistics.median(pair[0] for pair in rounds)
    without = statistics.median(pair[1] for pair in rounds)
    print(f"{kind}: a save of the demo article, median of 10 rounds of {saves // 10}:")
    print(f"  with revisions {with_revisions * 1000:.2f} ms, without {without * 1000:.2f} ms,")
    print(f"  ratio {with_revisions / without:.2f} (+{(with_revisions - without) * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
