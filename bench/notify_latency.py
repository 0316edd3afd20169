"""How late another process's change reaches a PostgreSQL app process, and what hearing of it costs.

    .venv/bin/python bench/notify_latency.py --database-url postgresql://…/news_bench [--writes 200]

The database must hold the site's tables (bench/wrk.py fills one); one
article's `hot` score is changed back and forth, through a connection of
the script's own, as another app server would write. For each write it
measures how long after the writer's commit returned the notification
reached this process's listening connection (ainews/changes.py), and how
often it was there already. Then the cost of the version a cached page is
keyed by: `ChangeListener.version()` with nothing arrived, against the
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database with the site's tables")
    parser.add_argument("--writes", type=int, default=200, help="changes to time (200)")
    args = parser.parse_args()
    create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench"})  # nosec B106 # a throwaway key
    create_tables()  # the trigger that notifies
    listener = database().changes
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
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
