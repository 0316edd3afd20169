"""What a remembered page costs on PostgreSQL, and how late another process's change reaches it.

    .venv/bin/python bench/change_signal.py --database-url postgresql://…/news_bench [--writes 200]

The database must hold the site's tables and articles (bench/wrk.py fills
one). First the remembered feed and /healthz through Flask's test client,
one thread, interleaved, median per request: this part runs on code with
or without the change listener (ainews/changes.py), to compare the two.
Then, where there is a listener: for each of `--writes` changes of one
article's `hot` score (back and forth), written through a connection of
the script's own as another app server would, how long after the writer's
commit returned the notification reached this process's listening
connection; and the cost of the version a page is keyed by, against the
change counter's query it replaces. Prints the load average beside each.
"""

import argparse
import os
import select
import statistics
import sys
import time

import psycopg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from ainews.db import database  # noqa: E402
from ainews.schema import content_version, create_tables  # noqa: E402
from app import create_app  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def lateness(listener, url, writes):
    """Milliseconds from each commit's return to its notification's arrival; how many were there at once."""
    listener.version()
    late, at_once = [], 0
    with psycopg.connect(url, autocommit=True) as writer:
        article = writer.execute("SELECT min(id) FROM article").fetchone()[0]
        for _ in range(writes):
            writer.execute("UPDATE article SET hot = 100 - hot WHERE id = %s", (article,))
            returned = time.perf_counter()
            there, _, _ = select.select([listener.conn.fileno()], [], [], 0)
            if not there:
                there, _, _ = select.select([listener.conn.fileno()], [], [], 10)
            arrived = time.perf_counter()
            if not there:
                raise SystemExit("a notification did not come within 10 s")
            at_once += bool(arrived - returned < 1e-4)
            late.append((arrived - returned) * 1000)
            listener.version()  # read it, ready for the next
    return late, at_once


def per_call_microseconds(function, calls):
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e6


def page_times(app, rounds=3, requests=1000):
    """Median microseconds per request of the remembered feed and of /healthz, alternating."""
    client = app.test_client()
    client.get("/en/")  # remembered from here on
    times = {"/en/": [], "/healthz": []}
    for _ in range(rounds):
        for path, measured in times.items():
            for _ in range(requests):
                start = time.perf_counter()
                client.get(path)
                measured.append((time.perf_counter() - start) * 1e6)
    return {path: statistics.median(measured) for path, measured in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database with the site's tables")
    parser.add_argument("--writes", type=int, default=200, help="changes to time (200)")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench"})  # nosec B106 # a throwaway key
    create_tables()  # the trigger that notifies
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    pages = page_times(app)
    print(
        f"through the test client: remembered feed {pages['/en/']:.0f} µs, /healthz {pages['/healthz']:.0f} µs "
        f"(ratio {pages['/healthz'] / pages['/en/']:.2f}); load average {os.getloadavg()[0]:.2f}"
    )
    listener = getattr(database(), "changes", None)
    if listener is None:
        return
    late, at_once = lateness(listener, args.database_url, args.writes)
    print(
        f"notification after the writer's commit returned, {len(late)} writes: "
        f"median {statistics.median(late):.3f} ms, p99 {percentile(late, 0.99):.3f} ms, max {max(late):.3f} ms; "
        f"there within 0.1 ms: {at_once}"
    )
    with database().connection_context():
        listened = per_call_microseconds(listener.version, 20000)
        counted = per_call_microseconds(content_version, 2000)
    print(f"version per request: listener {listened:.1f} µs, counter query {counted:.1f} µs")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
