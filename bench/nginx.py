"""The site behind nginx with the shipped cache configuration (docs/nginx/), measured with wrk.

    .venv/bin/python bench/nginx.py [--articles 1000] [--duration 10] [--connections 12]

Starts gunicorn (as bench/wrk.py does) and an nginx of our own on
127.0.0.1 whose configuration is docs/nginx/ainews-cache.conf and
ainews-site.conf as shipped (only the cache folder, the upstream's port
and the listening address are changed), then:

- checks what the cache keeps apart: the reading mode, htmx blocks, signed-in
  editors (never cached), and answers that set a cookie (never cached);
- loads the feed through nginx and straight from the app (its own page
  cache), each beside /healthz on the app, and prints the ratios;
- publishes an article and times how long until the feed through nginx
  shows it (the bound the configuration states: 5 s, plus one refresh).

nginx is Debian's package (`apt-get install nginx`), as is wrk.
"""

import argparse
import os
import re
import shutil
import subprocess  # nosec B404 # runs nginx with fixed argument lists
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from ainews.clock import utcnow  # noqa: E402
from ainews.db import database, write_transaction  # noqa: E402
from bench.wrk import OUT, prepare_database, run_wrk, sqlite_url, start_gunicorn, stop  # noqa: E402
from models import Article  # noqa: E402

DOCS = os.path.join(ROOT, "docs", "nginx")
TARGET = 5.0  # nginx's cached feed ÷ the app's own cached feed (issue 13)


def nginx_config(folder, app_port, port):
    """The shipped files, with our cache folder, upstream port and address, inside a minimal nginx.conf."""
    with open(os.path.join(DOCS, "ainews-cache.conf")) as f:
        cache = f.read()
    cache = cache.replace("/var/cache/nginx/ainews", os.path.join(folder, "cache"))
    cache = cache.replace("server 127.0.0.1:5000;", f"server 127.0.0.1:{app_port};")
    with open(os.path.join(DOCS, "ainews-site.conf")) as f:
        site = f.read()
    return f"""
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    {cache}
    server {{
        listen 127.0.0.1:{port};
        {site}
    }}
}}
"""


def start_nginx(folder, app_port, port):
    path = os.path.join(folder, "nginx.conf")
    with open(path, "w") as f:
        f.write(nginx_config(folder, app_port, port))
    # nginx's workers run as another user when started by root; the folder is
    # this run's own temporary one, removed when it ends.
    os.chmod(folder, 0o777)  # nosec B103 # a throwaway benchmark folder, see above
    command = [shutil.which("nginx"), "-p", folder, "-c", path]
    server = subprocess.Popen(command, stderr=subprocess.PIPE)  # nosec B603 # nginx from PATH, fixed arguments
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"nginx exited: {server.stderr.read().decode()}")
        try:
            fetch(port, "/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("nginx did not answer")


def fetch(port, path, headers=None):
    """(body, X-Cache) of one GET."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as answer:  # nosec B310 # http on 127.0.0.1
        return answer.read().decode(), answer.headers.get("X-Cache")


def check_keys(port, report):
    """What the cache must keep apart, asked twice each (the second answer may come from the cache)."""
    checks = []
    plain, _ = fetch(port, "/en/")
    plain, status = fetch(port, "/en/")
    checks.append(("a second anonymous feed comes from the cache", status == "HIT"))
    both, _ = fetch(port, "/en/", {"Cookie": "view=both"})
    both, _ = fetch(port, "/en/", {"Cookie": "view=both"})
    checks.append(
        ("view=both cookie gets the bilingual page, not the cached one", 'lang="zh-Hans"' in both and both != plain)
    )
    block, _ = fetch(port, "/en/", {"HX-Request": "true", "HX-Target": "load-more"})
    checks.append(("an htmx block is not the whole page", "<html" not in block and "<html" in plain))
    _, status = fetch(port, "/en/", {"Cookie": "session=anything"})
    checks.append(("a signed-in editor bypasses the cache", status == "BYPASS"))
    fetch(port, "/en/?view=both")
    _, status = fetch(port, "/en/?view=both")
    checks.append(("an answer that sets a cookie is never stored", status != "HIT"))
    _, status = fetch(port, "/en/articles/" + first_slug())
    checks.append(("article pages (each counts a view) reach the app", status is None))
    for name, ok in checks:
        report(f"| {name} | {'yes' if ok else 'NO'} |")
    return all(ok for _, ok in checks)


def first_slug():
    with database().connection_context():
        return Article.feed_page(1, 1)[0][0].slug


def publish_delay(port):
    """Seconds from a committed publish to the feed through nginx showing it."""
    title = f"Published at {datetime.now():%H:%M:%S.%f}"
    fetch(port, "/en/")
    with database().connection_context(), write_transaction():
        Article.create(title_en=title, status="published", published_at=utcnow() - timedelta(seconds=1))
    start = time.monotonic()
    while title not in fetch(port, "/en/")[0]:
        if time.monotonic() - start > 60:
            return None
        time.sleep(0.05)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="generated articles (1000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run (10)")
    parser.add_argument("--connections", type=int, default=12, help="wrk connections (12)")
    parser.add_argument("--port", type=int, default=5641, help="the app's port; nginx listens on the next one")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install {tool}")
    os.makedirs(OUT, exist_ok=True)
    lines = []

    def report(line=""):
        print(line, flush=True)
        lines.append(line)

    report(f"# bench/nginx.py, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    url = sqlite_url(args.articles, os.path.join(OUT, "db"))
    prepare_database(url, args.articles, rebuild=False)
    folder = tempfile.mkdtemp(prefix="ainews-nginx-")
    with open(os.path.join(OUT, "gunicorn.log"), "a") as log:
        app = start_gunicorn(url, args.port, 2, 4, log)
        proxy = None
        try:
            proxy = start_nginx(folder, args.port, args.port + 1)
            report()
            report("| the cache keeps apart | met |")
            report("|---|:-:|")
            keys_ok = check_keys(args.port + 1, report)

            def load(port, path, headers=None):
                target = f"http://127.0.0.1:{port}{path}"
                run_wrk(target, headers or {}, 1, args.connections, 2)
                return run_wrk(target, headers or {}, args.duration, args.connections, 2)

            healthz = load(args.port, "/healthz")
            app_feed = load(args.port, "/en/")
            cached = load(args.port + 1, "/en/")
            cached_both = load(args.port + 1, "/en/", {"Cookie": "view=both; lang=en"})
            healthz_after = load(args.port, "/healthz")
            delay = publish_delay(args.port + 1)
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait(timeout=10)
            stop(app)
            shutil.rmtree(folder, ignore_errors=True)
    baseline = (healthz["rps"] + healthz_after["rps"]) / 2
    report()
    report(f"gunicorn 2 workers × 4 threads; nginx 1 worker; wrk {args.duration} s, {args.connections} connections")
    report()
    report("| route | req/s | p50 ms | p99 ms | ÷ app's /healthz | errors |")
    report("|---|--:|--:|--:|--:|--:|")
    for name, r in [
        ("app /healthz (mean of before and after)", dict(healthz, rps=baseline)),
        ("app feed /en/ (its own page cache)", app_feed),
        ("nginx feed /en/ (shared cache)", cached),
        ("nginx feed /en/, view=both cookie", cached_both),
    ]:
        report(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps'] / baseline:.2f} | {r['errors']} |"
        )
    ratio = cached["rps"] / app_feed["rps"]
    report()
    report("| target | measured | met |")
    report("|---|---|:-:|")
    report(
        f"| nginx feed ≥ {TARGET:.0f} × the app's cached feed | {ratio:.1f} × | {'yes' if ratio >= TARGET else 'NO'} |"
    )
    shown = f"{delay:.1f} s" if delay is not None else "not within 60 s"
    met = "yes" if delay is not None and delay < 6 else "NO"
    report(f"| a publish shows through nginx within 5 s + one refresh | {shown} | {met} |")
    report(f"| the cache keys keep readers apart | {'all' if keys_ok else 'NOT all'} | {'yes' if keys_ok else 'NO'} |")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(OUT, f"nginx-{stamp}.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"written to bench/out/nginx-{stamp}.md")
    if re.search(r"\| NO \|$", "\n".join(lines), re.M):
        sys.exit(1)


if __name__ == "__main__":
    main()
