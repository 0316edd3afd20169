"""Load-test the reader pages under gunicorn with wrk, and print what each costs.

    .venv/bin/python bench/wrk.py [--articles 1000 100000] [--duration 10] [--connections 16]

For each database size: builds (once) a SQLite database of generated
bilingual articles in bench/out/db/ and reuses it on later runs
(`--rebuild` builds it again; 100,000 articles take about 11 minutes), asks
each route once through Flask's test client for its SQL queries and its
size (raw, gzip and brotli), then starts gunicorn (gthread) on 127.0.0.1
and drives each route with wrk for a bounded time. Throughput is also shown
as a ratio to /healthz measured on the same server just before that route,
so the figures compare across machines. `--database-url postgresql://…` measures
that database instead (filled with the first --articles size if empty), and
then SQLite's /healthz, to print PostgreSQL's feed as a share of it.

The workers listen with SO_REUSEPORT, as `make serve` does
(`--no-reuse-port` for one shared socket); the "busiest" column is the
busiest worker's share of the workers' CPU time during that route (50% is
even with two workers). One route loads the cached feed while a thread
opens 20 article pages a second, so views are counted and written
meanwhile. A second server with CACHE_PAGES=0 measures the feed and a tag
page rendered afresh. The targets of issue 13 are printed last.

wrk is Debian's package: `apt-get install wrk`. Everything printed is also
written to bench/out/.
"""

import argparse
import gzip
import json
import logging
import os
import re
import shutil
import signal
import subprocess  # nosec B404 # runs gunicorn and wrk with fixed argument lists
import sys
import threading
import time
import urllib.request
from datetime import datetime
from html.parser import HTMLParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import brotli  # noqa: E402

from ainews.db import database  # noqa: E402
from ainews.i18n import iso_utc  # noqa: E402
from ainews.reader import pages as reader_pages
from ainews.schema import create_tables, update_statistics  # noqa: E402
from app import create_app  # noqa: E402
from bench.search import fill  # noqa: E402
from models import Article, Tag  # noqa: E402

OUT = os.path.join(ROOT, "bench", "out")
HTMX = {"HX-Request": "true"}

# Targets of issue 6.
MAX_FEED_QUERIES = 4
MAX_FIRST_VIEW = 40 * 1024
MAX_CARD_FRAGMENT = 3 * 1024
# Targets of issue 13: throughput as a share of /healthz's on the same server.
TARGETS = [
    ("feed /en/, not cached", 0.40),
    ("tag page, not cached", 0.40),
    ("article page", 0.40),
    ("card fragment (htmx)", 0.40),
    ("feed /en/, views counted meanwhile", 0.70),
]


# Databases ---------------------------------------------------------------------


def prepare_database(url, articles, rebuild):
    """Open (and if needed fill) the database; returns the app bound to it."""
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else None
    if path and rebuild and os.path.exists(path):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})  # nosec B105 # a throwaway key for a local benchmark
    create_tables()
    with database().connection_context():
        if not Article.select().exists():
            print(f"generating {articles} articles…", flush=True)
            start = time.perf_counter()
            fill(articles)
            if path:
                database().execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"  written in {time.perf_counter() - start:.0f} s", flush=True)
        update_statistics()
    return app


def sqlite_url(articles, data_dir):
    os.makedirs(data_dir, exist_ok=True)
    return f"sqlite:///{os.path.abspath(os.path.join(data_dir, f'articles-{articles}.db'))}"


# Routes ------------------------------------------------------------------------


def routes(app):
    """(name, path, headers) of every measured route, with real slugs and stamps."""
    with app.app_context(), database().connection_context():
        newest, _ = Article.feed_page(1, 20)
        tag = Tag.select().order_by(Tag.id).first()
    slug = newest[0].slug
    ARTICLE_PATH[0] = f"/en/articles/{slug}"
    stamps = "&".join(f"t={iso_utc(article.published_at)}" for article in newest)
    return [
        ("/healthz (baseline)", "/healthz", {}),
        ("feed /en/", "/en/", {}),
        (BACKGROUND_VIEWS, "/en/", {}),
        ("tag page", f"/en/tags/{tag.slug}", {}),
        ("article page", f"/en/articles/{slug}", {}),
        ("card fragment (htmx)", f"/en/articles/{slug}/card?show=zh", HTMX),
        ("times, 20 stamps (htmx)", f"/en/times?{stamps}", HTMX),
        ("search ?q=model", "/en/search?q=model", {}),
    ]


class QueryCounter(logging.Handler):
    """Counts the SQL statements Peewee logs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        self.count += record.name == "peewee"  # SQL; "peewee.pool" logs connections


def measure(client, path, headers):
    """Status, SQL queries, and raw / gzip / brotli bytes of one request."""
    logger = logging.getLogger("peewee")
    counter = QueryCounter()
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        response = client.get(path, headers=headers)
    finally:
        logger.removeHandler(counter)
    body = response.get_data()
    return {
        "status": response.status_code,
        "queries": counter.count,
        "bytes": len(body),
        "gzip": len(gzip.compress(body, compresslevel=6)),
        "brotli": len(brotli.compress(body, quality=4)),
        "body": body,
    }


class Assets(HTMLParser):
    """The stylesheets and scripts a page loads."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def first_view(client, feed_body):
    """The feed page plus every stylesheet and script it loads, compressed."""
    parser = Assets()
    parser.feed(feed_body.decode())
    parts = [("feed HTML", len(gzip.compress(feed_body, 6)), len(brotli.compress(feed_body, quality=4)))]
    for url in parser.urls:
        body = client.get(url).get_data()
        # Static files can be compressed ahead of time at the highest levels.
        parts.append((url.split("?")[0].rsplit("/", 1)[-1], len(gzip.compress(body, 9)), len(brotli.compress(body))))
    return parts


def feed_queries_by_cards(client):
    """SQL queries of a feed page rendered with 1, 20 and 50 cards: the same if there is no N+1."""
    counts = {}
    default = reader_pages.PER_PAGE
    client.application.config["CACHE_PAGES"] = False
    try:
        for cards in (1, 20, 50):
            reader_pages.PER_PAGE = cards
            counts[cards] = measure(client, "/en/", {})["queries"]
    finally:
        reader_pages.PER_PAGE = default
        client.application.config["CACHE_PAGES"] = True
    return counts


def cached_queries(client):
    """SQL queries of a feed page served from memory (ainews/cache.py): asked twice, counted the second time."""
    measure(client, "/en/", {})
    return measure(client, "/en/", {})["queries"]


# Load --------------------------------------------------------------------------


def start_gunicorn(url, port, workers, threads, log, reuse_port=True, **settings):
    command = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        *(["--reuse-port"] if reuse_port else []),
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "app:create_app()",
    ]
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY="bench",
        APP_ENV="production",
        SITE_URL=f"http://127.0.0.1:{port}",
        **settings,
    )  # nosec B106 # a throwaway key for a local benchmark
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # nosec B603 # a fixed command
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # nosec B310 # a fixed http URL
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log.name}")


def stop(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_cpu(server):
    """CPU seconds used so far by each of gunicorn's workers, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as f:
            pids = [int(pid) for pid in f.read().split()]
    except OSError:
        return {}
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used


def busiest_share(before, after):
    """The share of the workers' CPU time that the busiest one used: 1/workers when evenly spread."""
    spent = [after[pid] - before.get(pid, 0) for pid in after]
    return max(spent) / sum(spent) if spent and sum(spent) > 0 else None


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(url, headers, seconds, connections, threads):
    """Requests/s, p50 and p99 in ms, and failed requests, as wrk reports them."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout  # nosec B603 # wrk from PATH, fixed arguments
    latency = dict(re.findall(r"^ +(50|99)%\s+(\S+)\s*$", output, re.M))
    if len(latency) != 2:
        raise SystemExit(f"unexpected output from wrk:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds(latency["50"]),
        "p99": milliseconds(latency["99"]),
        "errors": errors,
    }


BACKGROUND_VIEWS = "feed /en/, views counted meanwhile"
VIEWS_PER_SECOND = 20


class background:
    """During the route named BACKGROUND_VIEWS, readers open article pages
    (VIEWS_PER_SECOND of them), so views are counted and written each second."""

    def __init__(self, name, port, path):
        self.active = name == BACKGROUND_VIEWS
        self.url = f"http://127.0.0.1:{port}{ARTICLE_PATH[0]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.served = 0

    def run(self):
        while not self.stop.wait(1 / VIEWS_PER_SECOND):
            with urllib.request.urlopen(self.url, timeout=5) as answer:  # nosec B310 # a fixed http URL on 127.0.0.1
                answer.read()
                self.served += 1

    def __enter__(self):
        if self.active:
            self.thread.start()

    def __exit__(self, *exc):
        if self.active:
            self.stop.set()
            self.thread.join()


ARTICLE_PATH = [None]  # set by routes()


def load_routes(args, server, measured, sizes):
    """wrk on each route, each right after a run on /healthz, its baseline.

    On a machine shared with other work the load moves from minute to
    minute; a baseline measured next to each route keeps the ratio honest.
    The /healthz row shows the mean of those baseline runs. The busiest
    worker's share of the CPU time shows how evenly the connections were
    spread over the workers (50% with two workers is even).
    """

    def load(name, path, headers):
        target = f"http://127.0.0.1:{args.port}{path}"
        run_wrk(target, headers, 1, args.connections, args.wrk_threads)  # warm-up, not counted
        before = worker_cpu(server)
        with background(name, args.port, path):
            result = run_wrk(target, headers, args.duration, args.connections, args.wrk_threads)
        result["busiest"] = busiest_share(before, worker_cpu(server))
        return dict(result, name=name, **{k: v for k, v in sizes[name].items() if k != "body"})

    (baseline_name, baseline_path, baseline_headers), *routes = measured
    # Workers that just started are slower for a few seconds: not counted.
    run_wrk(f"http://127.0.0.1:{args.port}{baseline_path}", baseline_headers, 3, args.connections, args.wrk_threads)
    results, baselines = [], []
    for name, path, headers in routes:
        baselines.append(load(baseline_name, baseline_path, baseline_headers))
        result = load(name, path, headers)
        results.append(dict(result, ratio=result["rps"] / baselines[-1]["rps"]))
    baseline = dict(baselines[0], ratio=1.0, errors=sum(b["errors"] for b in baselines))
    shares = [b["busiest"] for b in baselines if b["busiest"] is not None]
    baseline["busiest"] = max(shares) if shares else None
    for figure in ("rps", "p50", "p99"):
        baseline[figure] = sum(b[figure] for b in baselines) / len(baselines)
    return [baseline, *results]


# Report ------------------------------------------------------------------------


class Report:
    """Prints, and keeps every line for the file in bench/out/."""

    def __init__(self):
        self.lines = []

    def __call__(self, line=""):
        print(line, flush=True)
        self.lines.append(line)


def table(report, results):
    columns = [
        ("route", 24),
        ("req/s", 7),
        ("p50 ms", 6),
        ("p99 ms", 6),
        ("÷ healthz", 9),
        ("SQL", 3),
        ("bytes", 6),
        ("gzip", 5),
        ("brotli", 6),
        ("errors", 6),
        ("busiest", 7),
    ]
    report(
        "| "
        + " | ".join(f"{name:{width}}" if n == 0 else f"{name:>{width}}" for n, (name, width) in enumerate(columns))
        + " |"
    )
    report(
        "|"
        + "|".join("-" * (width + 2) if n == 0 else "-" * (width + 1) + ":" for n, (_, width) in enumerate(columns))
        + "|"
    )
    for r in results:
        report(
            f"| {r['name']:24} | {r['rps']:7.0f} | {r['p50']:6.1f} | {r['p99']:6.1f} | {r['ratio']:9.0%} "
            f"| {r['queries']:3} | {r['bytes']:6} | {r['gzip']:5} | {r['brotli']:6} | {r['errors']:6} "
            f"| {format(r['busiest'], '.0%') if r.get('busiest') is not None else '?':>7} |"
        )


def verdict(ok):
    return "yes" if ok else "NO"


def bench_database(report, args, label, url, articles):
    report(f"## {label}")
    app = prepare_database(url, articles, args.rebuild)
    client = app.test_client()
    with app.app_context(), database().connection_context():
        count = Article.count_published()
    measured = routes(app)
    sizes = {name: measure(client, path, headers) for name, path, headers in measured}
    for name, size in sizes.items():
        if size["status"] != 200:
            raise SystemExit(f"{name} answered {size['status']} through the test client")
    by_cards = feed_queries_by_cards(client)
    assets = first_view(client, sizes["feed /en/"]["body"])

    log_path = os.path.join(OUT, "gunicorn.log")
    with open(log_path, "a") as log:
        server = start_gunicorn(url, args.port, args.workers, args.threads, log, args.reuse_port)
        try:
            results = load_routes(args, server, measured, sizes)
        finally:
            stop(server)
        # The feed and a tag page again, rendered afresh: what a page costs
        # when it is not cached (each change to the site, each minute).
        rendered_routes = [(f"{name}, not cached", path, headers) for name, path, headers in measured[1:4:2]]
        server = start_gunicorn(url, args.port, args.workers, args.threads, log, args.reuse_port, CACHE_PAGES="0")
        try:
            rendered = load_routes(
                args,
                server,
                [measured[0], *rendered_routes],
                {**sizes, **{f"{name}, not cached": sizes[name] for name, _, _ in measured[1:4:2]}},
            )[1:]
        finally:
            stop(server)
        results[2:2] = rendered

    report(
        f"{count} published articles; gunicorn gthread, {args.workers} workers × {args.threads} threads"
        f"{', SO_REUSEPORT' if args.reuse_port else ''}; "
        f"wrk {args.duration} s per route, {args.connections} connections, {args.wrk_threads} threads"
    )
    report()
    table(report, results)
    report()
    by_name = {r["name"]: r for r in results}
    first = sum(gz for _, gz, _ in assets)
    report(
        "first page view, compressed (gzip / brotli): "
        + " + ".join(f"{name} {gz}/{br}" for name, gz, br in assets)
        + f" = {first} / {sum(br for *_, br in assets)} bytes"
    )
    report(
        f"SQL queries per feed page rendered with 1 / 20 / 50 cards: {' / '.join(map(str, by_cards.values()))}; "
        f"a cached page: {cached_queries(client)}"
    )
    report()
    report("| target (issue 13) | measured | met |")
    report("|---|---|:-:|")
    for name, minimum in TARGETS:
        ratio = by_name[name]["ratio"]
        report(f"| {name} ≥ {minimum:.2f} × /healthz | {ratio:.2f} | {verdict(ratio >= minimum)} |")
    shares = [r["busiest"] for r in results if r.get("busiest") is not None]
    even = 1 / args.workers
    report(
        f"| connections spread over workers: busiest worker's share of CPU ≤ {even + 0.15:.0%} "
        f"| {max(shares):.0%} | {verdict(max(shares) <= even + 0.15)} |"
    )
    constant = len(set(by_cards.values())) == 1
    feed = by_name["feed /en/"]
    report(
        f"| feed SQL queries constant in cards, ≤ {MAX_FEED_QUERIES} | {feed['queries']} "
        f"| {verdict(constant and feed['queries'] <= MAX_FEED_QUERIES)} |"
    )
    limit = MAX_FIRST_VIEW // 1024
    report(f"| first view (gzip) < {limit} KB | {first / 1024:.1f} KB | {verdict(first < MAX_FIRST_VIEW)} |")
    card = sizes["card fragment (htmx)"]["gzip"]
    report(
        f"| card fragment (gzip) < {MAX_CARD_FRAGMENT // 1024} KB | {card / 1024:.1f} KB "
        f"| {verdict(card < MAX_CARD_FRAGMENT)} |"
    )
    report(
        f"| no failed requests | {sum(r['errors'] for r in results)} | "
        f"{verdict(not any(r['errors'] for r in results))} |"
    )
    report()
    return {"label": label, "published": count, "routes": results, "first_view": assets, "queries_by_cards": by_cards}


# Issue 13: PostgreSQL's feed, pooled, as a share of SQLite's /healthz.
POSTGRES_TARGETS = [("feed /en/", 0.60), ("feed /en/, not cached", 0.30)]


def compare_with_sqlite(report, args, run):
    """SQLite's /healthz on the same machine right after, and PostgreSQL's feed as a share of it."""
    url = sqlite_url(1000, args.data)
    prepare_database(url, 1000, rebuild=False)
    with open(os.path.join(OUT, "gunicorn.log"), "a") as log:
        server = start_gunicorn(url, args.port, args.workers, args.threads, log, args.reuse_port)
        try:
            target = f"http://127.0.0.1:{args.port}/healthz"
            run_wrk(target, {}, 3, args.connections, args.wrk_threads)
            sqlite = run_wrk(target, {}, args.duration, args.connections, args.wrk_threads)["rps"]
        finally:
            stop(server)
    by_name = {r["name"]: r for r in run["routes"]}
    report(f"SQLite /healthz on the same machine, just after: {sqlite:.0f} req/s")
    report()
    report("| target (issue 13) | measured | met |")
    report("|---|---|:-:|")
    for name, minimum in POSTGRES_TARGETS:
        ratio = by_name[name]["rps"] / sqlite
        report(f"| PostgreSQL {name} ≥ {minimum:.2f} × SQLite /healthz | {ratio:.2f} | {verdict(ratio >= minimum)} |")
    report()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--articles", type=int, nargs="+", default=[1000, 100_000], help="database sizes to measure (1000 100000)"
    )
    parser.add_argument(
        "--database-url", help="measure this database (PostgreSQL, say) instead of generated SQLite files"
    )
    parser.add_argument(
        "--data", default=os.path.join(OUT, "db"), help="where the SQLite databases are kept (bench/out/db)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the SQLite databases again")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per route (10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (4)")
    parser.add_argument("--port", type=int, default=5631, help="port on 127.0.0.1 (5631)")
    parser.add_argument(
        "--no-reuse-port",
        dest="reuse_port",
        action="store_false",
        help="one listening socket shared by the workers, as before SO_REUSEPORT (to see the difference)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    os.makedirs(OUT, exist_ok=True)

    report = Report()
    report(
        f"# bench/wrk.py, {datetime.now().strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )
    report()
    if args.database_url:
        kind = args.database_url.split(":", 1)[0]
        runs = [bench_database(report, args, kind, args.database_url, args.articles[0])]
        compare_with_sqlite(report, args, runs[0])
    else:
        runs = [
            bench_database(report, args, f"SQLite, {n} articles generated", sqlite_url(n, args.data), n)
            for n in args.articles
        ]
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(OUT, f"wrk-{stamp}.md"), "w") as f:
        f.write("\n".join(report.lines) + "\n")
    with open(os.path.join(OUT, f"wrk-{stamp}.json"), "w") as f:
        json.dump(runs, f, indent=1)
    print(f"written to bench/out/wrk-{stamp}.md and .json")


if __name__ == "__main__":
    main()
