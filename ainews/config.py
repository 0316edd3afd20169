"""Configuration: from the environment, with development defaults."""

import os
import secrets
from urllib.parse import urlsplit

from ainews.rules import REQUEST_MAX_BYTES, SESSION_LIFETIME


def load_config(app, test_config):
    """Configuration from the environment, with development defaults."""
    app.config.from_mapping(
        ENV_NAME=os.environ.get("APP_ENV", "development"),
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:///instance/news.db"),
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        # How many reverse proxies stand in front of the app: their
        # X-Forwarded-For/-Proto/-Host headers are then trusted, so sign-in
        # limits count the reader's address and HTTPS is recognised.
        PROXY_COUNT=int(os.environ.get("PROXY_COUNT", "0")),
        # Far above any article the form accepts, so its own limits answer first.
        MAX_CONTENT_LENGTH=REQUEST_MAX_BYTES,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # The token lives as long as the editor's session; an editor may
        # spend more than an hour on one article.
        WTF_CSRF_TIME_LIMIT=None,
        # Article views are written in batches this many seconds apart; 0
        # writes each view before its page is sent.
        VIEW_FLUSH_SECONDS=float(os.environ.get("VIEW_FLUSH_SECONDS", "1")),
        # 0 leaves compression to a reverse proxy in front.
        COMPRESS=os.environ.get("COMPRESS", "1") != "0",
        # PostgreSQL connections each process keeps open (ainews/db.py): by
        # default one per gunicorn thread, one for the view counter, one spare.
        DATABASE_POOL_SIZE=int(os.environ.get("DATABASE_POOL_SIZE") or int(os.environ.get("THREADS", "4")) + 2),
        # 0 renders every list page afresh (ainews/cache.py): to measure rendering.
        CACHE_PAGES=os.environ.get("CACHE_PAGES", "1") != "0",
        # PostgreSQL: 0 reads the change counter at every request instead of
        # listening for changes (ainews/changes.py); for a pooler such as
        # PgBouncer in transaction mode, through which LISTEN hears nothing.
        LISTEN_FOR_CHANGES=os.environ.get("LISTEN_FOR_CHANGES", "1") != "0",
        # The address readers use, e.g. https://news.example: every absolute
        # URL (canonical, feeds, sitemap, API links) is built on it, never on
        # the Host header a request brings. Required in production.
        SITE_URL=os.environ.get("SITE_URL", ""),
        # Host names a request may name (comma-separated); others get a 400.
        TRUSTED_HOSTS=[host.strip() for host in os.environ["TRUSTED_HOSTS"].split(",") if host.strip()]
        if os.environ.get("TRUSTED_HOSTS")
        else None,
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
        app.config["SECRET_KEY"] = development_secret(app.instance_path)
    if app.config["SITE_URL"]:
        use_site_url(app, app.config["SITE_URL"])
    elif app.config["ENV_NAME"] == "production":
        raise RuntimeError("SITE_URL must be set when APP_ENV=production, e.g. SITE_URL=https://news.example")


def use_site_url(app, site_url):
    """Build every absolute URL on the configured address, whatever Host a request names."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise RuntimeError(f"SITE_URL must be an http(s) address with no path, like https://news.example: {site_url!r}")
    app.config.update(SERVER_NAME=parts.netloc, PREFERRED_URL_SCHEME=parts.scheme)
    app.wsgi_app = SiteScheme(app.wsgi_app, parts.scheme)


class SiteScheme:
    """WSGI middleware: requests arrive in the site's scheme (TLS usually ends at a proxy in front)."""

    def __init__(self, wsgi_app, scheme):
        self.wsgi_app, self.scheme = wsgi_app, scheme

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        return self.wsgi_app(environ, start_response)


def development_secret(instance_path):
    """A random key kept in the instance folder, so sessions survive restarts."""
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(secrets.token_hex(32))
    with open(path) as f:
        return f.read().strip()


def database_url(app):
    """DATABASE_URL, with a relative SQLite path taken from the project folder."""
    url = app.config["DATABASE_URL"]
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/"):
        path = os.path.join(app.root_path, url[len(prefix) :])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        url = prefix + path
    return url
