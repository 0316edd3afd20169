"""Where a rendered reader page spends its time: cProfile through Flask's test client.

    .venv/bin/python bench/profile_pages.py [--articles 1000] [--requests 300] [--route feed|article|card|tag|search]
    .venv/bin/python bench/profile_pages.py --table [--rounds 12] [--database-url sqlite:///bench/out/db/articles-100000.db]

Builds a throwaway SQLite database (the demo articles plus generated ones,
or uses --database-url), turns the page cache off so every page is
rendered, and profiles `--requests` requests of one route on one thread.
Prints the time per request beside /healthz's through the same client,
then the functions that took the most time, grouped by where they live
(SQL and model objects, templates, Flask and the rest).

`--table` profiles nothing: it measures every route and the feed from the
page cache, in `--rounds` interleaved rounds, and prints each route's
fastest round (the one least disturbed by other work on the machine) as a
ratio to /healthz's.
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ainews.db import database  # noqa: E402
from ainews.schema import create_tables  # noqa: E402
from app import create_app  # noqa: E402
from bench.pages import fill  # noqa: E402
from models import Article, Tag  # noqa: E402


def routes():
    with database().connection_context():
        slug = Article.feed_page(1)[0][0].slug
        tag = Tag.select().first()
    return {
        "feed": ("/en/", {}),
        "feed-both": ("/zh/?view=both", {}),
        "article": (f"/en/articles/{slug}", {}),
        "card": (f"/en/articles/{slug}/card?show=zh", {"HX-Request": "true"}),
        "tag": (f"/en/tags/{tag.slug}" if tag else "/en/", {}),
        "search": ("/en/search?q=model", {}),
        "tags": ("/en/tags/", {}),
    }


def per_request(client, path, headers, count):
    start = time.thread_time()
    for _ in range(count):
        client.get(path, headers=headers)
    return (time.thread_time() - start) / count * 1000


# Where a function lives, by its file: the groups the profile is summed into.
GROUPS = [
    ("peewee (SQL, model objects)", ("peewee", "playhouse")),
    ("sqlite3 / psycopg (the database)", ("sqlite3", "psycopg", "{method 'execute'", "{method 'fetch")),
    ("jinja2 (templates)", ("jinja2", "templates/", "markupsafe")),
    ("babel", ("babel",)),
    ("werkzeug / flask", ("werkzeug", "flask")),
    ("the site's own code", ("ainews", "models.py", "app.py")),
]


def grouped(stats):
    totals = dict.fromkeys([name for name, _ in GROUPS] + ["other"], 0.0)
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        where = f"{filename} {function}"
        for name, needles in GROUPS:
            if any(needle in where for needle in needles):
                totals[name] += tottime
                break
        else:
            totals["other"] += tottime
    return totals


def table(clients, rounds, requests):
    """Each route's CPU time per request, the fastest of `rounds` interleaved rounds, against /healthz's."""
    rendered, cached = clients
    measured = {"healthz": (rendered, "/healthz", {})}
    measured.update({name: (rendered, path, headers) for name, (path, headers) in routes().items()})
    measured["feed, page cache"] = (cached, "/en/", {})
    best = dict.fromkeys(measured, float("inf"))
    for client, path, headers in measured.values():
        per_request(client, path, headers, 50)  # warm
    for _ in range(rounds):
        for name, (client, path, headers) in measured.items():
            best[name] = min(best[name], per_request(client, path, headers, requests))
    print("| route | ms per request | ÷ /healthz |\n| --- | --: | --: |")
    for name, ms in best.items():
        print(f"| {name} | {ms:.3f} | {best['healthz'] / ms:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="generated articles besides the demo (1000)")
    parser.add_argument("--requests", type=int, default=300, help="requests profiled (300)")
    parser.add_argument("--route", default="feed", help="feed, feed-both, article, card, tag, search (feed)")
    parser.add_argument("--database-url", help="profile this database as it is instead")
    parser.add_argument("--top", type=int, default=25, help="functions listed by their own time (25)")
    parser.add_argument("--cumulative", type=int, default=0, help="functions listed by time with callees (0)")
    parser.add_argument("--table", action="store_true", help="every route's time against /healthz's, no profile")
    parser.add_argument("--rounds", type=int, default=12, help="rounds of --table, the fastest kept (12)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/profile.db"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "CACHE_PAGES": False})  # nosec B105 # a throwaway key
        create_tables()
        if not args.database_url:
            fill(args.articles)
        client = app.test_client()
        if args.table:
            cached = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})  # nosec B105 # a throwaway key
            table((client, cached.test_client()), args.rounds, max(1, args.requests // 2))
            return
        path, headers = routes()[args.route]
        assert client.get(path, headers=headers).status_code == 200
        per_request(client, path, headers, 50)  # warm: caches of URLs, labels, templates
        healthz = per_request(client, "/healthz", {}, args.requests)
        page = per_request(client, path, headers, args.requests)
        print(f"{args.route} {path}: {page:.2f} ms per request; /healthz {healthz:.2f} ms; ratio {healthz / page:.2f}")
        profile = cProfile.Profile(time.thread_time)  # CPU time: the machine may be busy with other work
        profile.enable()
        per_request(client, path, headers, args.requests)
        profile.disable()
        stats = pstats.Stats(profile)
        total = sum(value[2] for value in stats.stats.values())
        print(f"\nprofiled: {total / args.requests * 1000:.2f} ms per request (with the profiler's overhead)")
        for name, seconds in sorted(grouped(stats).items(), key=lambda item: -item[1]):
            print(f"  {name:36} {seconds / args.requests * 1000:6.2f} ms  {seconds / total:5.0%}")
        print()
        stats.sort_stats("tottime").print_stats(args.top)
        if args.cumulative:
            stats.sort_stats("cumulative").print_stats(args.cumulative)


if __name__ == "__main__":
    main()
