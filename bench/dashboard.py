"""Time the editors' dashboard at 100,000 articles: unfiltered, each filter, deep pages.

    .venv/bin/python bench/dashboard.py [--articles 100000] [--runs 15] [--database-url postgresql://…]

Uses the generated database of bench/wrk.py (bench/out/db/, built once and
reused; --database-url measures that database, filled if empty), marks
some articles' translations as outdated or missing so those filters have
something to find, and asks each dashboard address through Flask's test
client as a signed-in editor: the whole request, queries and template.
Each time is also given as a ratio to the reader's feed page rendered
afresh (CACHE_PAGES off) in the same run, so the figures compare across
machines. Last, the unfiltered page is timed again without the
`article_last_change` index (models.py), which is then put back.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from peewee import OP, Expression  # noqa: E402

from ainews.db import database, write_transaction  # noqa: E402
from ainews.rules import DASHBOARD_PAGE  # noqa: E402
from ainews.schema import work_out_text_facts  # noqa: E402
from bench.search import timed  # noqa: E402
from bench.wrk import prepare_database, sqlite_url  # noqa: E402
from models import Article, ArticleTag, Editor, EditorSession, Tag  # noqa: E402

DASHBOARD = [
    ("unfiltered, page 1", ""),
    ("unfiltered, page 2", "page=2"),
    ("unfiltered, middle page", "page={middle}"),
    ("title search (en)", "q=model"),
    ("title search (zh)", "q=芯片"),
    ("title search, rare", "q=zettascale"),
    ("status: draft", "status=draft"),
    ("status: scheduled", "status=scheduled"),
    ("status: published", "status=published"),
    ("tag", "tag={tag}"),
    ("translation: Chinese missing", "translation=missing-zh"),
    ("translation: outdated", "translation=outdated"),
    ("search + status + tag", "q=model&status=published&tag={tag}"),
]


def vary_translations():
    """One article in 50 marked outdated, one in 40 without its Chinese analysis (once)."""
    if Article.select().where(Article.outdated != "").exists():
        return
    # Peewee reads `%` as LIKE: the remainder is spelled out.
    with write_transaction():
        Article.update(outdated="summary_zh").where(Expression(Article.id, OP.MOD, 50) == 0).execute()
        # Its reading times and analysed languages are then worked out again.
        Article.update(analysis_zh="", reading_en=None).where(Expression(Article.id, OP.MOD, 40) == 1).execute()
    work_out_text_facts(database())


def signed_in_client(app):
    with database().connection_context():
        editor = Editor.get_or_none(Editor.name == "bench")
        if editor is None:
            editor = Editor(name="bench")
            editor.set_password("bench-password-not-secret")
            editor.save()
        token = EditorSession.start(editor)
    client = app.test_client()
    with client.session_transaction() as session:
        session["token"] = token
    return client


def measure(client, path, runs):
    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True).count('<tr id="article-')

    return timed(get, runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="how many articles (100000)")
    parser.add_argument("--runs", type=int, default=15, help="requests per address (15)")
    parser.add_argument("--database-url", metavar="URL", help="measure this database (filled if empty)")
    args = parser.parse_args()
    url = args.database_url or sqlite_url(args.articles, os.path.join(ROOT, "bench", "out", "db"))
    app = prepare_database(url, args.articles, rebuild=False)
    app.config["CACHE_PAGES"] = False  # the feed baseline rendered afresh, as the dashboard always is
    with database().connection_context():
        vary_translations()
        tag = Tag.select().order_by(Tag.id).first().slug
        count = Article.select().count()
        tagged = ArticleTag.select().where(ArticleTag.tag == Tag.get(Tag.slug == tag)).count()
    print(f"{count:,} articles ({tagged:,} tagged {tag}); {database().__class__.__name__}; {args.runs} runs each")
    client = signed_in_client(app)
    feed, _p95, _rows = measure(client, "/en/", args.runs)
    print(f"{'address':34} {'median':>8} {'p95':>8} {'rows':>5} {'x feed':>7}")
    print(f"{'baseline: feed /en/, not cached':34} {feed:7.1f}ms {_p95:7.1f}ms {'':>5} {1:7.2f}")
    for name, query in DASHBOARD:
        address = "/editor/?" + query.format(tag=tag, middle=max(1, count // DASHBOARD_PAGE // 2))
        median, p95, rows = measure(client, address, args.runs)
        print(f"{name:34} {median:7.1f}ms {p95:7.1f}ms {rows:5} {median / feed:7.2f}")
    without_index(client, args.runs, feed)


def without_index(client, runs, feed):
    """The unfiltered first page without the last-change index, then the index back."""
    index = next(index for index in Article._meta.fields_to_index() if index._name == "article_last_change")
    db = database()
    with db.connection_context():
        db.execute_sql('DROP INDEX IF EXISTS "article_last_change"')
    try:
        median, p95, rows = measure(client, "/editor/", runs)
        print(f"{'unfiltered, page 1, NO INDEX':34} {median:7.1f}ms {p95:7.1f}ms {rows:5} {median / feed:7.2f}")
    finally:
        with db.connection_context():
            db.execute_sql(*db.get_sql_context().sql(index.safe(True)).query())


if __name__ == "__main__":
    main()
