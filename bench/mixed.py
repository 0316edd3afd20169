"""A mixed load on a real gunicorn: readers, an editor saving, two editors and an API writer racing.

    .venv/bin/python bench/mixed.py [--seconds 60] [--articles 1000] [--readers 8]

Builds a throwaway SQLite database of generated articles (bench/search.py's
generator), starts gunicorn with 2 gthread workers on 127.0.0.1, and for
the given time runs reader threads (feed pages, article pages, card
fragments, the page clock, searches) beside one editor who signs in through
the real login form and saves an article through the real edit form once a
second. Meanwhile two more editors create articles at the same moment
(a barrier lines them up) with the same new tags and the same typed slug,
and an API writer creates articles with those tags too. Then it stops
gunicorn gracefully (SIGTERM) and checks, printing the figures: no 5xx
answers, every edit saved and the stored article equal to the last one,
exactly one view stored per article page served, every acknowledged
creation stored with its text, every refused one answered 409 or 422 (the
slug taken, seen at the write or by the form's check) with its text kept, and one tag row per tag.
Exits with 1 if a check fails.
"""

import argparse
import http.client
import importlib.util
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from ainews.clock import utcnow
from ainews.db import database, write_transaction  # noqa: E402
from ainews.schema import create_tables  # noqa: E402
from app import create_app  # noqa: E402
from models import ApiToken, Article, Editor  # noqa: E402

EDITOR, PASSWORD = "bench-editor", "a long bench password"
RACERS = ("racer-a", "racer-b")  # two editors creating articles at the same moment
SEARCHES = ["开源", "model", "AI", "监管 policy", "open source", "芯片"]


def load_generator():
    """bench/search.py's article generator (its module name would hide the site's search.py)."""
    spec = importlib.util.spec_from_file_location("bench_search", os.path.join(HERE, "search.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_database(path, articles):
    """A database of generated articles and one editor; returns the published slugs, newest first."""
    create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    create_tables()
    with database().connection_context():
        load_generator().fill(articles)
        for name in (EDITOR, *RACERS):
            editor = Editor(name=name)
            editor.set_password(PASSWORD)
            with write_transaction():
                editor.save()
        database().execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return [a.slug for a in Article.published().where(Article.published_at <= utcnow()).limit(200)]


def start_gunicorn(path, log_dir, threads):
    """gunicorn with 2 workers on a free port of 127.0.0.1; returns the process and the port."""
    environ = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{path}",
        SECRET_KEY="bench",
        APP_ENV="production",
        SITE_URL="http://127.0.0.1",
        BIND="127.0.0.1:0",
        WEB_CONCURRENCY="2",
        THREADS=str(threads),
    )
    error_log = open(os.path.join(log_dir, "error.log"), "w+")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            os.path.join(ROOT, "gunicorn.conf.py"),
            "--access-logfile",
            os.path.join(log_dir, "access.log"),
        ],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=error_log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(error_log.name) as f:
            text = f.read()
        port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if port and text.count("Booting worker") == 2:
            return server, int(port.group(1)), error_log.name
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    sys.exit(f"gunicorn did not start:\n{text}")


class Results:
    """What the clients saw, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)  # route -> seconds per request
        self.statuses = defaultdict(lambda: defaultdict(int))  # route -> status -> count
        self.errors = []

    def record(self, route, status, seconds):
        with self.lock:
            self.times[route].append(seconds)
            self.statuses[route][status] += 1

    def count(self, route, status):
        return self.statuses[route][status]


def reader(port, slugs, results, stop, seed):
    """Reads pages in a loop, like a crowd of browsers would, over one kept-alive connection."""
    rnd = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    hx = {"HX-Request": "true"}
    while not stop.is_set():
        roll = rnd.random()
        lang = rnd.choice(["en", "zh"])
        slug = rnd.choice(slugs)
        if roll < 0.25:
            route, url, headers = "feed", f"/{lang}/", {}
        elif roll < 0.35:
            route, url, headers = "feed page 2-10", f"/{lang}/?page={rnd.randint(2, 10)}", {}
        elif roll < 0.65:
            route, url, headers = "article", f"/{lang}/articles/{slug}", {}
        elif roll < 0.80:
            route, url, headers = "card (htmx)", f"/{lang}/articles/{slug}/card?show=both", hx
        elif roll < 0.90:
            route, url, headers = "times (htmx)", f"/{lang}/times?t=2026-01-01T00:00:00Z&t=2026-02-01T00:00:00Z", hx
        else:
            route, url, headers = "search", f"/{lang}/search?" + urlencode({"q": rnd.choice(SEARCHES)}), {}
        start = time.perf_counter()
        try:
            connection.request("GET", url, headers={"Accept-Encoding": "gzip", **headers})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            results.errors.append(f"{route}: {error!r}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        results.record(route, response.status, time.perf_counter() - start)
    connection.close()


class FormReader(HTMLParser):
    """The fields a browser would post from the page's forms (first value of each name wins for selects)."""

    def __init__(self):
        super().__init__()
        self.fields, self.textarea, self.select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[name] = attrs.get("value") or ""
        elif tag == "input" and name and attrs.get("type") in ("checkbox", "radio") and "checked" in attrs:
            self.fields[name] = attrs.get("value") or "y"
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and ("selected" in attrs or self.select not in self.fields):
            self.fields[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def form_fields(html):
    parser = FormReader()
    parser.feed(html)
    fields = parser.fields
    for name, value in fields.items():
        if value.startswith("\n"):
            fields[name] = value[1:]  # browsers drop a textarea's first newline
    return fields


class Browser:
    """One editor's browser: cookies kept, redirects not followed."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, method, url, fields=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, url, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, text


def signed_in(port, name, results):
    """A browser signed in as `name` through the login form, or None."""
    browser = Browser(port)
    status, _headers, page = browser.request("GET", "/editor/login")
    fields = form_fields(page)
    status, _headers, _page = browser.request("POST", "/editor/login", dict(fields, name=name, password=PASSWORD))
    if status != 303:
        results.errors.append(f"sign-in of {name} answered {status}")
        return None
    return browser


def editor(port, article_id, results, stop, saved_texts):
    """Signs in through the login form, then saves the article through its edit form once a second."""
    browser = signed_in(port, EDITOR, results)
    if browser is None:
        return
    edit_url = f"/editor/{article_id}/edit"
    n = 0
    while not stop.is_set():
        started = time.monotonic()
        n += 1
        text = f"Mixed-load edit number {n}: the summary as the editor saved it."
        try:
            status, _headers, page = browser.request("GET", edit_url)
            fields = form_fields(page)
            fields.update(summary_en=text, action="save")
            begin = time.perf_counter()
            status, headers, _page = browser.request("POST", edit_url, fields)
        except (OSError, http.client.HTTPException) as error:
            results.errors.append(f"edit {n}: {error!r}")
            break
        results.record("editor save", status, time.perf_counter() - begin)
        if status == 303:
            saved_texts.append(text)
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


def racer(name, port, barrier, results, stop, outcomes):
    """Creates articles through the new-article form at the same moment as the other racer:
    the same new tags, the same typed slug. Records (title, status, text kept) for each."""
    browser = signed_in(port, name, results)
    n = 0
    while browser is not None and not stop.is_set():
        n += 1
        status, _headers, page = browser.request("GET", "/editor/new")
        title = f"Race {n} by {name}"
        fields = dict(form_fields(page), title_en=title, title_zh=f"竞赛 {n}", slug=f"race-{n}", status="published")
        fields.update(tags=f"Race tag {n}|竞赛标签{n}, Shared race tag|共用标签", action="save")
        try:
            barrier.wait(timeout=10)
        except threading.BrokenBarrierError:
            break
        begin = time.perf_counter()
        status, _headers, page = browser.request("POST", "/editor/new", fields)
        results.record("racing create", status, time.perf_counter() - begin)
        outcomes.append((title, status, title in page or status == 303))


def api_writer(port, token, results, stop, outcomes):
    """Creates articles through the API, with the racers' shared tag, as a pipeline would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        title = f"API article {n}"
        body = json.dumps({"title_en": title, "tags": ["Shared race tag|共用标签", f"Race tag {n}|竞赛标签{n}"]})
        begin = time.perf_counter()
        connection.request(
            "POST", "/api/v1/articles", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        response = connection.getresponse()
        response.read()
        results.record("api create", response.status, time.perf_counter() - begin)
        outcomes.append((title, response.status, True))
        stop.wait(0.2)
    connection.close()


def race_checks(path, outcomes):
    """Check lines for the racing creations: acknowledged ones stored, refused ones 409 with text kept, tags unique."""
    connection = sqlite3.connect(path)
    titles = {row[0] for row in connection.execute("SELECT title_en FROM article")}
    tag_slugs = [row[0] for row in connection.execute("SELECT slug FROM tag")]
    shared = connection.execute(
        "SELECT count(*) FROM articletag JOIN tag ON tag.id = articletag.tag_id WHERE tag.slug = 'shared-race-tag'"
    ).fetchone()[0]
    connection.close()
    created = [title for title, status, _kept in outcomes if status in (201, 303)]
    refused = [(title, status, kept) for title, status, kept in outcomes if status not in (201, 303)]
    lost = [title for title in created if title not in titles]
    return [
        (f"racing creations: {len(created)} acknowledged, all stored ({len(lost)} missing)", created and not lost),
        (
            f"refused creations (the slug was taken): {len(refused)}, all 409 or 422 with the text kept",
            all(status in (409, 422) and kept for _title, status, kept in refused),
        ),
        (f"tags: {len(tag_slugs)} rows, no slug twice", len(tag_slugs) == len(set(tag_slugs))),
        (f"articles sharing the one shared tag: {shared} of {len(created)}", shared == len(created)),
    ]


def online_backup(path, target):
    """`flask backup` in the middle of the load; a check line and whether it passed."""
    start = time.perf_counter()
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "flask"), "backup", target],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=f"sqlite:///{path}", SECRET_KEY="bench"),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return f"flask backup during the load failed: {done.stderr.strip()}", False
    copy = sqlite3.connect(target)
    status = copy.execute("PRAGMA integrity_check").fetchone()[0]
    copy.close()
    return f"flask backup during the load: {done.stdout.strip()} in {seconds:.1f} s, integrity {status}", status == "ok"


def stored(path, article_id):
    connection = sqlite3.connect(path)
    views = connection.execute("SELECT sum(views) FROM article").fetchone()[0]
    summary, version = connection.execute(
        "SELECT summary_en, version FROM article WHERE id = ?", (article_id,)
    ).fetchone()
    connection.close()
    return views, summary, version


def report(results, seconds):
    print(f"{'route':16} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}  statuses")
    for route, times in sorted(results.times.items()):
        times = sorted(times)
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(results.statuses[route].items()))
        print(
            f"{route:16} {len(times):>9} {len(times) / seconds:7.1f} {statistics.median(times) * 1000:7.1f}"
            f" {p99 * 1000:7.1f}  {statuses}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (60)")
    parser.add_argument("--articles", type=int, default=1000, help="generated articles (1000)")
    parser.add_argument("--readers", type=int, default=8, help="reader threads (8)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (4)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mixed.db")
        slugs = build_database(path, args.articles)
        connection = sqlite3.connect(path)
        (article_id,) = connection.execute("SELECT id FROM article WHERE slug = ?", (slugs[0],)).fetchone()
        views_before, _summary, version_before = stored(path, article_id)
        connection.close()

        with sqlite3.connect(path):
            pass
        create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
        with database().connection_context():
            token = ApiToken.issue("bench-pipeline")
        server, port, error_log = start_gunicorn(path, tmp, args.threads)
        results, stop, saved_texts, outcomes = Results(), threading.Event(), [], []
        barrier = threading.Barrier(len(RACERS))
        threads = [threading.Thread(target=reader, args=(port, slugs, results, stop, n)) for n in range(args.readers)]
        threads.append(threading.Thread(target=editor, args=(port, article_id, results, stop, saved_texts)))
        threads += [
            threading.Thread(target=racer, args=(name, port, barrier, results, stop, outcomes)) for name in RACERS
        ]
        threads.append(threading.Thread(target=api_writer, args=(port, token, results, stop, outcomes)))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds / 2)
        backup_check = online_backup(path, os.path.join(tmp, "backup.db"))
        stop.wait(max(0.0, args.seconds - (time.monotonic() - started)))
        stop.set()
        barrier.abort()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        with open(error_log) as f:
            locked = f.read().count("database is locked")

        views_after, summary, version = stored(path, article_id)
        print(
            f"mixed load: {elapsed:.0f} s against gunicorn (2 workers x {args.threads} threads), "
            f"{args.readers} reader threads, 1 editor saving, 2 racing editors, 1 API writer, {args.articles} articles"
        )
        report(results, elapsed)
        server_errors = sum(
            count for statuses in results.statuses.values() for status, count in statuses.items() if status >= 500
        )
        attempted = sum(results.statuses["editor save"].values())
        pages = results.count("article", 200)
        views = views_after - views_before
        checks = [
            (f"5xx answers: {server_errors}", server_errors == 0),
            (f"client errors (timeouts, resets): {len(results.errors)} {results.errors[:3]}", not results.errors),
            (f"edits: {attempted} attempted, {len(saved_texts)} saved", attempted == len(saved_texts) > 0),
            (
                f"stored article is the last saved edit (version {version_before} -> {version}, "
                f"{len(saved_texts)} saves)",
                bool(saved_texts) and summary == saved_texts[-1] and version == version_before + len(saved_texts),
            ),
            (f"views: {pages} article pages served, {views} views stored", views == pages),
            (f'"database is locked" in the server log: {locked}', locked == 0),
            *race_checks(path, outcomes),
            backup_check,
            (f"gunicorn stopped cleanly (exit {server.returncode})", server.returncode == 0),
        ]
        for text, ok in checks:
            print(f"{'ok  ' if ok else 'FAIL'} {text}")
        sys.exit(0 if all(ok for _text, ok in checks) else 1)


if __name__ == "__main__":
    main()
