"""Print what each reader page costs: SQL queries and bytes (raw and gzipped).

    .venv/bin/python bench/pages.py [number-of-articles]

Builds a throwaway SQLite database with the demo articles plus generated
ones, then asks each route once through Flask's test client.
"""

import gzip
import logging
import os
import sys
import tempfile
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ainews.clock import utcnow
from ainews.db import database, write_transaction  # noqa: E402
from ainews.ops.demo import seed_demo  # noqa: E402
from ainews.schema import create_tables  # noqa: E402
from app import create_app  # noqa: E402
from models import Article  # noqa: E402


class Counter(logging.Handler):
    count = 0

    def emit(self, record):
        self.count += record.name == "peewee"  # SQL; "peewee.pool" logs connections


def fill(extra):
    now = utcnow()
    with database().connection_context():
        seed_demo()
        with write_transaction():
            for n in range(extra):
                Article.create(
                    slug=f"generated-{n}",
                    title_en=f"Generated article {n}",
                    title_zh=f"生成的文章 {n}",
                    summary_en="A generated summary. " * 3,
                    summary_zh="生成的摘要。" * 3,
                    status="published",
                    published_at=now - timedelta(minutes=n),
                    hot=n % 101,
                )


def measure(client, url, headers=None):
    counter = Counter()
    logger = logging.getLogger("peewee")
    logger.addHandler(counter)
    response = client.get(url, headers=headers or {})
    logger.removeHandler(counter)
    body = response.get_data()
    return response.status_code, counter.count, len(body), len(gzip.compress(body))


def main():
    extra = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    logging.getLogger("peewee").setLevel(logging.DEBUG)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp}/bench.db"})  # nosec B105 # a throwaway key for a local benchmark
        create_tables()
        fill(extra)
        client = app.test_client()
        slug = "generated-1"
        htmx = {"HX-Request": "true"}
        routes = [
            ("feed page (en)", "/en/", None),
            ("feed page (zh, bilingual)", "/zh/?view=both", None),
            ("feed page 3", "/en/?page=3", None),
            ("feed swap (htmx)", "/zh/?view=one", htmx),
            ("article page", "/en/articles/" + slug, None),
            ("card fragment (htmx)", f"/en/articles/{slug}/card?show=zh", htmx),
            (
                "clock answer, 20 stamps",
                "/en/times?" + "&".join(f"t=2026-11-{d:02d}T10:00:00Z" for d in range(1, 21)),
                htmx,
            ),
            ("static: htmx.min.js", "/static/vendor/htmx.min.js", None),
            ("static: style.css", "/static/style.css", None),
            ("static: app.js", "/static/app.js", None),
        ]
        print(f"{extra + 14} articles in the database")
        print(f"{'route':28} {'status':>6} {'queries':>7} {'bytes':>8} {'gzipped':>8}")
        sizes = {}
        for name, url, headers in routes:
            status, queries, raw, packed = measure(client, url, headers)
            sizes[name] = packed
            print(f"{name:28} {status:>6} {queries:>7} {raw:>8} {packed:>8}")
        first_view = sum(sizes[n] for n in sizes if n.startswith("static") or n == "feed page (en)")
        print(f"first view of the feed (HTML + CSS + JS, gzipped): {first_view} bytes")
        print(
            f"card fragment / full feed page (gzipped): {sizes['card fragment (htmx)'] / sizes['feed page (en)']:.1%}"
        )


if __name__ == "__main__":
    main()
