"""AI News · AI资讯: the Flask application and its reader pages.

`create_app()` builds the app; `flask` finds it here by itself. Every reader
URL starts with its language (`/en/…`, `/zh/…`). htmx requests get only the
part of a page they swap; `render_page` decides that in one place.
"""
import hashlib
import os
import secrets
import threading
from collections import OrderedDict
from functools import lru_cache
from urllib.parse import urlsplit

from flask import (
    Flask, abort, current_app, g, has_request_context, make_response, redirect, render_template, request, url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from htmx_flask import Htmx
from flask_wtf.csrf import CSRFProtect
from jinja2 import pass_context
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import api
import caching
import commands
import editor
import pagecache
import search
from content import analysis_texts, render_markdown, texts
from i18n import (
    BABEL_LOCALES,
    HTML_LANGS,
    LANG_NAMES,
    LANGS,
    absolute_date,
    catalog,
    label,
    other_lang,
    iso_utc,
    parse_iso_utc,
    relative_text,
    time_tag,
    tr,
)
from models import (
    SESSION_LIFETIME, SORTS, Article, Tag, ViewCounter, database, db_wrapper, open_database, tags_with_counts,
    update_statistics, utcnow,
)
from web import COOKIE_MAX_AGE, LANG_COOKIE, current_lang, page_count, page_number, preferred_lang, wants_fragment

VIEW_COOKIE = "view"
VIEWS = ("both", "one")  # reading modes: bilingual, or the page's language alone
PER_PAGE = 20
MAX_CLOCK_STAMPS = 200

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


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
        MAX_CONTENT_LENGTH=1024 * 1024,
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
        # 0 renders every list page afresh (pagecache.py): to measure rendering.
        REMEMBER_PAGES=os.environ.get("REMEMBER_PAGES", "1") != "0",
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
        app.config["SECRET_KEY"] = development_secret(app.instance_path)


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
    if url.startswith(prefix) and not url[len(prefix):].startswith("/"):
        path = os.path.join(app.root_path, url[len(prefix):])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        url = prefix + path
    return url


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)
    app.config["DATABASE"] = open_database(database_url(app))
    db_wrapper.init_app(app)
    app.extensions["view_counter"] = ViewCounter(app.config["DATABASE"], app.config["VIEW_FLUSH_SECONDS"])
    if not app.config.get("TESTING"):
        update_statistics()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.session_interface = SessionInterface()
    csrf = CSRFProtect(app)
    Htmx(app)
    Babel(app, locale_selector=lambda: BABEL_LOCALES[current_lang()])
    app.jinja_env.install_gettext_callables(page_gettext, page_ngettext, newstyle=True)
    app.jinja_env.globals.update(
        tr=tr, texts=texts, analysis_texts=analysis_texts, time_tag=time_tag,
        render_markdown=render_markdown, lang_url=lang_url, other_lang=other_lang,
        card_page_url=card_page_url, page_url=page_url, list_url=list_url, SORTS=SORTS, marked=marked,
        card_swap_url=card_swap_url, remembered_url=remembered_url, label=label, render_card=render_card,
        iso_utc=iso_utc, absolute_date=absolute_date, OG_LOCALES={"en": "en_US", "zh": "zh_CN"},
        HTML_LANGS=HTML_LANGS, LANG_NAMES=LANG_NAMES, LANGS=LANGS,
    )
    app.jinja_env.filters["source_host"] = lambda url: urlsplit(url).hostname or url
    app.url_defaults(add_lang)
    caching.init_app(app)
    app.extensions["remembered_pages"] = Remembered(pagecache.PAGES_KEPT)
    app.before_request(refuse_nul_in_address)
    app.after_request(add_headers)
    app.register_error_handler(HTTPException, error_page)
    register_routes(app)
    app.register_blueprint(editor.bp)
    api.register(app, csrf)
    commands.register(app)
    return app


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the site is served over HTTPS."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


# Language and reading mode ---------------------------------------------------

def page_gettext(message):
    """Templates' _(): the page language's catalog, the one flask-babel would pick.

    Four times cheaper than flask-babel's own, which looks up the locale
    and its catalog at every call; a page of cards makes about a hundred.
    """
    return catalog(current_lang()).gettext(message)


def page_ngettext(singular, plural, n):
    return catalog(current_lang()).ngettext(singular, plural, n)


def add_lang(endpoint, values):
    """Links from a page stay in its language unless they say otherwise."""
    if "lang" not in values and has_request_context() and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = current_lang()


def reading_view():
    """'both' (bilingual) or 'one': from ?view=, else the remembered choice."""
    chosen = request.args.get("view")
    if chosen in VIEWS:
        return chosen
    return "both" if request.cookies.get(VIEW_COOKIE) == "both" else "one"


def content_langs(lang, view):
    return [lang, other_lang(lang)] if view == "both" else [lang]


# Query arguments that name a page's content, and their defaults; and the
# ones each page uses.
CONTENT_ARGS = {"page": "1", "sort": "new", "q": ""}
PAGE_ARGS = {"feed": ("page", "sort"), "tag": ("page", "sort"), "search_page": ("q", "page"), "article": (), "tags": ()}


def lang_url(lang, external=False, **args):
    """This page in `lang`, keeping only the query that names its content.

    Other pages (errors, say) lead to the feed.
    """
    if request.endpoint in PAGE_ARGS and request.view_args is not None:
        endpoint, values = request.endpoint, dict(request.view_args, lang=lang)
        # An error page leads to the same page without what made it fail.
        for name in PAGE_ARGS[endpoint] if not g.get("error") else ():
            if request.args.get(name, CONTENT_ARGS[name]) != CONTENT_ARGS[name]:
                args.setdefault(name, request.args[name])
    else:
        endpoint, values = "feed", {"lang": lang}
    return remembered_url(endpoint, **values, **args, _external=external)


def list_url(**changes):
    """This list of cards with its sort, search and page changed; defaults are left out."""
    args = {name: request.args.get(name, default) for name, default in CONTENT_ARGS.items() if name != "page"}
    args["page"] = "1"
    args.update({name: str(value) for name, value in changes.items()})
    args = {name: value for name, value in args.items() if value != CONTENT_ARGS[name]}
    return remembered_url(request.endpoint, **request.view_args, **args)


def page_url(page):
    return list_url(page=page)


def marked(text):
    """Text with the words being searched for marked, on a search page; else as it is."""
    terms = g.get("search_terms")
    return search.highlight(text, terms) if terms else text


def remembered_url(endpoint, **values):
    """url_for, remembered across requests.

    A URL depends only on the endpoint, its values, the page language
    (`add_lang` fills it in) and the address the site is served at. A page
    of 20 cards builds about 150, the same ones page after page, and
    building them was a fifth of the page's cost.
    """
    return _remembered_url(request.host_url, current_lang(), endpoint, tuple(values.items()))


@lru_cache(maxsize=8192)
def _remembered_url(host_url, lang, endpoint, values):
    return url_for(endpoint, **dict(values))


def card_page_url(slug, show):
    """The page that shows an article as a card toggle would: for links without JavaScript."""
    if show == "both":
        return remembered_url("article", lang=current_lang(), slug=slug) + "?view=both"
    return remembered_url("article", lang=show, slug=slug) + "?view=one"


def card_swap_url(slug, show, full):
    """url_for('card', slug=slug, show=show, full=…): the card's route is the article's path plus /card."""
    return remembered_url("article", lang=current_lang(), slug=slug) + f"/card?show={show}" + ("&full=1" if full else "")


class Remembered:
    """Recently rendered HTML (cards, pages) by everything that decides it; the least recently used goes first."""

    def __init__(self, size):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
            return html

    def put(self, key, html):
        with self.lock:
            self.entries[key] = html
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)


# About 50 pages of cards; each entry holds the card and its article's text, 10-20 KB.
RENDERED_CARDS = Remembered(1024)


@pass_context
def render_card(context, article):
    """_card.html for `article` in the calling template's context, as {% include %} would render it.

    Rendering a card was nine tenths of a feed page's cost. Its HTML depends
    only on the article's columns and tags, the few context values below,
    the language, the address the site is served at, the search terms and
    the relative times, so it is remembered by all of them: any change to
    any of them renders it afresh. A new input of _card.html must join `key`.
    """
    lang = context.get("lang")
    key = (
        tuple(article.__data__.items()), tuple(tuple(tag.__data__.items()) for tag in article.tags),
        lang, current_lang(), tuple(context.get("langs")), bool(context.get("full")), context.get("sort"),
        tuple(g.get("search_terms") or ()), request.host_url,
        relative_text(article.published_at, lang) if article.published_at else None,
        relative_text(article.updated_at, lang) if article.updated_at else None,
    )
    html = RENDERED_CARDS.get(key)
    if html is None:
        template = context.environment.get_template("_card.html")
        html = Markup(template.render(context.get_all(), article=article))  # nosec B704 # autoescaped by Jinja
        RENDERED_CARDS.put(key, html)
    return html


# Responses -------------------------------------------------------------------

# htmx targets inside a page that get a block of it rather than the whole page.
FRAGMENT_BLOCKS = {"load-more": "cards", "results": "results"}


def render_page(template, block="page", **context):
    """The whole page, or for an htmx swap just the named block of it.

    "Load more" (an htmx request from the #load-more link) gets the `cards`
    block: the next cards and the link to the ones after. The search box
    gets the `results` block.
    """
    lang = current_lang()
    context.update(
        lang=lang, html_lang=HTML_LANGS[lang], view=reading_view(),
        fragment=wants_fragment(),
    )
    if context["fragment"] and block == "page":
        block = FRAGMENT_BLOCKS.get(request.headers.get("HX-Target"), block)
    if context["fragment"]:
        return render_block(template, block, **context)
    return render_template(template, **context)


def add_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"  # frame-ancestors 'none', for browsers before CSP 2
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.endpoint == "static":
        return response
    # HX-Target: "load more" and the search box get a block of the page.
    response.vary.update(["HX-Request", "HX-Target", "Cookie"])
    if request.blueprint == "editor":
        # Editors' pages hold unpublished text: never cached, never indexed.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    view = request.args.get("view")
    if view in VIEWS and "lang" in (request.view_args or {}) and response.status_code < 400:
        remember_choice(response, view)
    return response


def remember_choice(response, view):
    """The reader chose a language or mode in the header toggle: keep it."""
    options = {"samesite": "Lax", "secure": request.is_secure, "httponly": True}
    lang = current_lang()
    response.set_cookie(LANG_COOKIE, lang, max_age=COOKIE_MAX_AGE, **options)
    if view == "both":
        response.set_cookie(VIEW_COOKIE, "both", max_age=COOKIE_MAX_AGE, **options)
    else:
        response.delete_cookie(VIEW_COOKIE, **options)
    if wants_fragment():
        # Keep ?view=both in the address bar; ?view=one is the default anyway.
        response.headers["HX-Push-Url"] = lang_url(lang, **({"view": "both"} if view == "both" else {}))


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("This address has a value the site cannot use. Check the link and try again.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved, or it was never published.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too much text"), _l("What you sent is larger than the site accepts. Go back with your browser: your text is still in the form there. Shorten it and try again.")),
    500: (_l("Server error"), _l("Something went wrong on our side. Please try again in a moment.")),
}


def error_page(error):
    """Errors as pages in the reader's language."""
    if request.path.startswith("/api/"):
        return api.http_error(error)
    code = error.code or 500
    g.error = True
    title, message = ERROR_TEXTS.get(code, ERROR_TEXTS[500 if code >= 500 else 400])
    if request.blueprint == "editor":
        return render_template("editor/message.html", title=title, message=message), code
    return render_page("error.html", code=code, title=title, message=message), code


def refuse_nul_in_address():
    """No page has a NUL character in its address (PostgreSQL cannot even look one up): 404."""
    if "\x00" in request.path:
        abort(404)


# Routes ----------------------------------------------------------------------

def register_routes(app):
    prefix = "/<any(en, zh):lang>"

    @app.get("/")
    def index():
        """Send the reader to their language's front page."""
        view = request.args.get("view")
        response = redirect(url_for("feed", lang=preferred_lang(), view=view if view in VIEWS else None), 302)
        response.vary.add("Accept-Language")
        return response

    @app.get(f"{prefix}/")
    @pagecache.remembered
    def feed(lang):
        """The published cards: newest first, or by a score."""
        return card_list("feed.html", title=tr("AI News", lang))

    @app.get(f"{prefix}/tags/")
    @pagecache.remembered
    def tags(lang):
        """Every tag with its number of articles."""
        return render_page("tags.html", tags=tags_with_counts(), title=tr("Tags", lang))

    @app.get(f"{prefix}/tags/<slug>")
    @pagecache.remembered
    def tag(lang, slug):
        """One tag's published cards, sortable and paged like the feed."""
        found = Tag.get_or_none(Tag.slug == slug) or abort(404)
        return card_list("tag.html", tag=found, title=f"{found.name(lang)} · {tr('AI News', lang)}")

    @app.get(f"{prefix}/feed.xml")
    def atom_feed(lang):
        """The newest articles as an Atom feed in `lang`."""
        return atom_response(lang, None)

    @app.get(f"{prefix}/tags/<slug>/feed.xml")
    def tag_atom_feed(lang, slug):
        """One tag's newest articles as an Atom feed in `lang`."""
        return atom_response(lang, Tag.get_or_none(Tag.slug == slug) or abort(404))

    @app.get(f"{prefix}/search")
    def search_page(lang):
        """Articles with every word of ?q=, in either language, best first."""
        query, page = request.args.get("q", ""), page_number()
        g.search_terms = terms = search.parse_query(query)
        articles, total = search.search(query, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        if not articles and page > 1:
            return redirect(page_url(page_count(total, PER_PAGE)), 302)
        return render_page(
            "search.html", articles=articles, total=total, capped=total >= search.MAX_RESULTS,
            q=query, terms=terms, shown_query=shown_query(query), page=page, has_next=page * PER_PAGE < total,
            sort="new", tag=None, langs=content_langs(lang, reading_view()),
            title=tr("%(query)s · Search", lang, query=shown_query(query)) if terms else tr("Search", lang),
        )

    @app.get(f"{prefix}/articles/<slug>")
    def article(lang, slug):
        """One article with its full analysis; a full page load counts a view."""
        found = Article.get_published(slug) or abort(404)
        if not request.htmx and request.method == "GET":
            current_app.extensions["view_counter"].add(found.id)
            found.views += 1
        langs = content_langs(lang, reading_view())
        return render_page(
            "article.html", article=found, langs=langs, full=True, title=article_title(found, langs),
        )

    @app.get(f"{prefix}/articles/<slug>/card")
    def card(lang, slug):
        """One card in the language(s) of ?show=en|zh|both: the card's own toggle.

        Without htmx the reader goes to the article page in that language.
        """
        show = request.args.get("show", lang)
        if show not in ("en", "zh", "both"):
            abort(400)
        if not wants_fragment():
            return redirect(card_page_url(slug, show), 303)  # that page answers 404 itself
        found = Article.get_published(slug) or abort(404)
        langs = content_langs(lang, "both") if show == "both" else [show]
        return render_page(
            "article.html", block="card", article=found, langs=langs,
            full=request.args.get("full") == "1", title=article_title(found, langs),
        )

    @app.get(f"{prefix}/times")
    def times(lang):
        """Fresh relative times for the page clock: one answer for every stamp on a page."""
        moments = {}
        for stamp in request.args.getlist("t")[:MAX_CLOCK_STAMPS]:
            moment = parse_iso_utc(stamp)
            if moment:
                moments[stamp] = moment
        return render_template("_times.html", lang=lang, relative_text=relative_text, moments=moments)

    @app.get("/robots.txt")
    def robots():
        """Crawl the reader pages, never the editors'."""
        lines = ["User-agent: *", "Disallow: /editor/", f"Sitemap: {url_for('sitemap', _external=True)}", ""]
        return app.response_class("\n".join(lines), mimetype="text/plain")

    @app.get("/sitemap.xml")
    def sitemap():
        """The index of the sitemap's parts, each small enough for search engines' limits."""
        parts = page_count(Article.count_published(), SITEMAP_ARTICLES)
        return xml_response(render_template("sitemap_index.xml", parts=parts))

    @app.get("/sitemaps/<int:part>.xml")
    def sitemap_part(part):
        """Published articles, oldest first, in both languages with hreflang alternates."""
        published = Article.published().order_by(Article.id)
        articles = list(published.offset((part - 1) * SITEMAP_ARTICLES).limit(SITEMAP_ARTICLES)) if part >= 1 else []
        if not articles and part != 1:
            abort(404)
        return xml_response(render_template("sitemap.xml", articles=articles, part=part))

    @app.get("/healthz")
    def healthz():
        """200 when the database answers."""
        try:
            with database().connection_context():
                database().execute_sql("SELECT 1")
        except Exception:
            return {"status": "unavailable"}, 503
        return {"status": "ok"}


def card_list(template, tag=None, **context):
    """A page of cards from the feed or one tag, in the order of ?sort=."""
    page, sort = page_number(), sort_order()
    articles, has_next = Article.feed_page(page, PER_PAGE, sort=sort, tag=tag)
    if not articles and page > 1:
        # Past the end: the last page there is.
        return redirect(page_url(page_count(Article.count_published(tag), PER_PAGE)), 302)
    return render_page(
        template, articles=articles, page=page, has_next=has_next, sort=sort, tag=tag,
        langs=content_langs(current_lang(), reading_view()), **context,
    )


def sort_order():
    """?sort=new|hot|quality|impact; anything else is a 400."""
    sort = request.args.get("sort", "new")
    if sort not in SORTS:
        abort(400)
    return sort


FEED_ENTRIES = 50
SITEMAP_ARTICLES = 20_000  # two URLs each: under the 50,000 a sitemap may hold


def xml_response(body):
    response = make_response(body)
    response.mimetype = "application/xml"
    return response


def atom_response(lang, tag):
    """An Atom feed of the newest articles (of one tag), answering 304 when unchanged.

    Entry ids name the article's id, which never changes or gets reused,
    so feed readers keep an entry across edits.
    """
    articles, _has_next = Article.feed_page(1, FEED_ENTRIES, tag=tag)
    updated = max((article.updated_at or article.published_at for article in articles), default=None)
    fingerprint = ";".join(f"{a.id}.{a.version}" for a in articles)
    response = make_response(render_template(
        "feed.xml", lang=lang, tag=tag, articles=articles, updated=updated or utcnow(),
        authority=request.host.split(":")[0], title=f"{tag.name(lang)} · {tr('AI News', lang)}" if tag else tr("AI News", lang),
    ))
    response.mimetype = "application/atom+xml"
    response.set_etag(hashlib.sha256(f"{lang}|{tag and tag.id}|{fingerprint}".encode()).hexdigest()[:32])
    if updated:
        response.last_modified = updated
    return response.make_conditional(request)


def shown_query(query, length=40):
    """The query as a message quotes it: printable, and cut when long."""
    text = " ".join("".join(c for c in query if c.isprintable()).split())
    return text if len(text) <= length else text[:length] + "…"


def article_title(article, langs):
    return " · ".join(text.value for text in texts(article, "title", langs) if text.value)

