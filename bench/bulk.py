"""PostgreSQL with many articles: bulk import, dump and restore, then saves and searches.

    .venv/bin/python bench/bulk.py --database-url postgresql://…/bench [--articles N] [--saves S]

1. Writes an export file of N generated articles (100,000 by default;
   bench/out/bulk-N.json, kept for the next run) with bench/search.py's
   generator.
2. Runs `flask import` of it into the database, which must hold no
   articles, and times it.
3. Times `pg_dump -Fc` of the filled database, and `pg_restore` of the dump
   into a new database beside it (its name + "_restored", made again).
4. Times S saves of an edited summary (tags unchanged, then one tag changed) through
   `save_article()`, on the restored copy: median and 95th percentile.
5. Times the searches of bench/search.py on the restored copy.

`--skip-import` measures steps 3 to 5 on a database already filled.
"""

import argparse
import json
import os
import statistics
import subprocess  # nosec B404 # runs flask, pg_dump and pg_restore of this machine
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path[:0] = [ROOT, BENCH]

import search as search_bench  # noqa: E402  # bench/search.py: the generator and the searches

from ainews.articles import save_article  # noqa: E402
from ainews.clock import utcnow  # noqa: E402
from ainews.db import database  # noqa: E402
from ainews.i18n import iso_utc  # noqa: E402
from ainews.rules import ARTICLE_FIELDS  # noqa: E402
from ainews.schema import update_statistics  # noqa: E402
from app import create_app  # noqa: E402
from models import Article, Tag, attach_tags  # noqa: E402

OUT = os.path.join(BENCH, "out")


def export_file(count):
    """An export of `count` generated articles, written once and kept."""
    path = os.path.join(OUT, f"bulk-{count}.json")
    if os.path.exists(path):
        return path
    writer, now = search_bench.Writer(), utcnow()
    tags = [slug for slug, _en, _zh in search_bench.TAGS]
    articles = []
    for n in range(count):
        published_at = now - timedelta(minutes=10 * (count - n))
        status = "draft" if writer.random.random() < 0.03 else "published"
        record = writer.article(n, published_at if status == "published" else None, status)
        record["published_at"] = record["published_at"] and iso_utc(record["published_at"])
        record["tags"] = sorted(writer.random.sample(tags, writer.random.randint(0, 3)))
        articles.append(record)
    data = {
        "format": "ai-news/1",
        "tags": [{"slug": slug, "name_en": en, "name_zh": zh} for slug, en, zh in search_bench.TAGS],
        "articles": articles,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    return path


def timed_command(command, **env):
    """Run a command; its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, **env}, cwd=ROOT)  # nosec B603 # fixed commands
    return time.perf_counter() - start


def other_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def measure_saves(count, change_tag=False):
    """Median and 95th percentile (ms) of `count` saves of an edited summary.

    Tags unchanged, or with `change_tag` one tag added (or taken off again,
    in a second run), which also makes the tag triggers rewrite the row.
    """
    published = Article.select(Article.id).where(Article.status == "published")
    ids = [row[0] for row in published.offset(count if change_tag else 0).limit(count).tuples()]
    extra = Tag.get_or_create(slug="bench-extra", defaults={"name_en": "Bench extra", "name_zh": "基准附加"})[0]
    times = []
    for n, article_id in enumerate(ids):
        article = Article.get_by_id(article_id)
        attach_tags([article])
        values = {name: getattr(article, name) for name in ARTICLE_FIELDS if name != "tags"}
        values["summary_en"] = f"Edited summary number {n}: {article.summary_en[:200]}"
        start = time.perf_counter()
        tags = article.tags
        if change_tag:
            others = [tag for tag in tags if tag.id != extra.id]
            tags = others if len(others) < len(tags) else [*tags, extra]
        save_article(article, values, tags, expected_version=article.version)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=40)
    parser.add_argument("--runs", type=int, default=10, help="runs of each search")
    parser.add_argument("--skip-import", action="store_true", help="the database is filled already")
    parser.add_argument(
        "--measure-only", action="store_true", help="measure saves and searches on the database itself (after init-db)"
    )
    args = parser.parse_args()
    url = args.database_url
    python_bin = os.path.dirname(sys.executable)
    if not args.skip_import:
        start = time.perf_counter()
        path = export_file(args.articles)
        print(f"export file of {args.articles} articles: {time.perf_counter() - start:.0f} s ({path})", flush=True)
        flask = [os.path.join(python_bin, "flask"), "--app", "app"]
        timed_command([*flask, "init-db"], DATABASE_URL=url)
        seconds = timed_command([*flask, "import", path], DATABASE_URL=url)
        print(f"flask import: {seconds:.0f} s ({seconds / args.articles * 1000:.2f} ms an article)", flush=True)
    if args.measure_only:
        measure(url, args)
        return
    name = urlsplit(url).path.lstrip("/")
    restored = other_database(url, name + "_restored")
    dump = os.path.join(OUT, f"{name}.dump")
    seconds = timed_command(["pg_dump", "-Fc", "-f", dump, "-d", url])
    print(f"pg_dump -Fc: {seconds:.0f} s, {os.path.getsize(dump) / 2**20:.0f} MiB", flush=True)
    maintenance = other_database(url, "postgres")
    for sql in (f'DROP DATABASE IF EXISTS "{name}_restored"', f"CREATE DATABASE \"{name}_restored\" ENCODING 'UTF8'"):
        subprocess.run(["psql", "-q", "-d", maintenance, "-c", sql], check=True)  # nosec B603 B607
    seconds = timed_command(["pg_restore", "--no-owner", "-d", restored, dump])
    print(f"pg_restore: {seconds:.0f} s", flush=True)
    measure(restored, args)


def measure(url, args):
    """Saves and searches on the database at `url`, after `flask init-db` and a VACUUM ANALYZE."""
    flask = [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "app"]
    timed_command([*flask, "init-db"], DATABASE_URL=url)
    subprocess.run(["psql", "-q", "-d", url, "-c", "VACUUM ANALYZE"], check=True)  # nosec B603 B607
    create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})  # nosec B105 # a throwaway key for a local benchmark
    update_statistics()
    with database().connection_context():
        print(f"{Article.select().count()} articles in {urlsplit(url).path.lstrip('/')}")
        median, p95 = measure_saves(args.saves)
        print(f"article save: median {median:.1f} ms, p95 {p95:.1f} ms ({args.saves} saves)", flush=True)
        median, p95 = measure_saves(args.saves, change_tag=True)
        print(f"save changing a tag: median {median:.1f} ms, p95 {p95:.1f} ms ({args.saves} saves)", flush=True)
        search_bench.report(args.runs)


if __name__ == "__main__":
    main()
