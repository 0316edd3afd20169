"""Rendering reader pages: the reading mode, links, cards, and fragment or whole page.

`render_page` decides in one place whether a request gets a whole page or,
for an htmx swap, one block of it. A page that shows articles gets their
cards from `render_cards` (the one card template, from the card cache when
it can) and the page around them from the frame cache (`framed`).
"""

import secrets
from collections import namedtuple
from urllib.parse import urlsplit

from cachetools.keys import hashkey
from flask import current_app, g, has_request_context, render_template, request, url_for
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from ainews import search
from ainews.cache import (
    CARD_LISTS,
    CARDS,
    FRAMES,
    Bounded,
    body_etag,
    frozen,
    site_address,
    template_key,
    times_good_until,
)
from ainews.clock import current_minute, utcnow
from ainews.db import LoadedRows
from ainews.http_cache import static_fingerprint
from ainews.i18n import (
    HTML_LANGS,
    LANG_NAMES,
    catalog,
    exact_time_tag,
    iso_utc,
    label,
    ntr,
    other_lang,
    relative_text,
    time_tag,
    tr,
)
from ainews.rules import EAGER_CARDS, LANGS, SORTS
from ainews.text import absent_langs, aligned_analysis, render_markdown, texts
from ainews.web import COOKIE_MAX_AGE, LANG_COOKIE, current_lang, wants_fragment

VIEW_COOKIE = "view"
VIEWS = ("both", "one")  # reading modes: bilingual, or the page's language alone
CARD_TEMPLATE = "reader/_card.html"


def init_app(app):
    """The template helpers every reader page uses, and links that keep the page's language."""
    app.jinja_env.install_gettext_callables(page_gettext, page_ngettext, newstyle=True)
    app.jinja_env.globals.update(
        url_for=template_url_for,
        tr=tr,
        texts=texts,
        aligned_analysis=aligned_analysis,
        time_tag=time_tag,
        render_markdown=render_markdown,
        lang_url=lang_url,
        other_lang=other_lang,
        card_page_url=card_page_url,
        page_url=page_url,
        list_url=list_url,
        SORTS=SORTS,
        marked=marked,
        card_swap_url=card_swap_url,
        cached_url=cached_url,
        label=label,
        ntr=ntr,
        absent_langs=absent_langs,
        iso_utc=iso_utc,
        exact_time_tag=exact_time_tag,
        OG_LOCALES={"en": "en_US", "zh": "zh_CN"},
        HTML_LANGS=HTML_LANGS,
        LANG_NAMES=LANG_NAMES,
        LANGS=LANGS,
    )
    app.jinja_env.filters["source_host"] = lambda url: urlsplit(url).hostname or url
    app.url_defaults(add_lang)
    app.after_request(remember_choice)


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
    """'both' (bilingual) or 'one': from ?view=, else the choice kept in a cookie."""
    chosen = request.args.get("view")
    if chosen in VIEWS:
        return chosen
    return "both" if request.cookies.get(VIEW_COOKIE) == "both" else "one"


def content_langs(lang, view):
    return [lang, other_lang(lang)] if view == "both" else [lang]


def remember_choice(response):
    """The reader chose a language or mode in the header toggle: keep it in cookies."""
    view = request.args.get("view")
    if view not in VIEWS or "lang" not in (request.view_args or {}) or response.status_code >= 400:
        return response
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
    return response


# Links -----------------------------------------------------------------------

# Query arguments that name a page's content, and their defaults; and the
# ones each page uses.
CONTENT_ARGS = {"page": "1", "sort": "new", "q": ""}
PAGE_ARGS = {
    "reader.feed": ("page", "sort"),
    "reader.tag": ("page", "sort"),
    "reader.search_page": ("q", "page"),
    "reader.article": (),
    "reader.tags": (),
}


def lang_url(lang, external=False, canonical=False, **args):
    """This page in `lang`, keeping only the query that names its content.

    Other pages (errors, say) lead to the feed. The `canonical` address of
    pages 1-3 of a list (what infinite scroll loaded) is its first page.
    """
    if request.endpoint in PAGE_ARGS and request.view_args is not None:
        endpoint, values = request.endpoint, dict(request.view_args, lang=lang)
        # An error page leads to the same page without what made it fail.
        for name in PAGE_ARGS[endpoint] if not g.get("error") else ():
            value = request.args.get(name, CONTENT_ARGS[name])
            if canonical and name == "page":
                value = value.partition("-")[0]
            if value != CONTENT_ARGS[name]:
                args.setdefault(name, value)
    else:
        endpoint, values = "reader.feed", {"lang": lang}
    return cached_url(endpoint, **values, **args, _external=external)


def list_url(**changes):
    """This list of cards with its sort, search and page changed; defaults are left out."""
    args = {name: request.args.get(name, default) for name, default in CONTENT_ARGS.items() if name != "page"}
    args["page"] = "1"
    args.update({name: str(value) for name, value in changes.items()})
    args = {name: value for name, value in args.items() if value != CONTENT_ARGS[name]}
    return cached_url(request.endpoint, **request.view_args, **args)


def page_url(page):
    return list_url(page=page)


def marked(text):
    """Text with the words being searched for marked, on a search page; else as it is."""
    terms = g.get("search_terms")
    return search.highlight(text, terms) if terms else text


def cached_url(endpoint, **values):
    """url_for, from a cache.

    A URL depends only on the endpoint, its values, the page language
    (`add_lang` fills it in) and the address the site is served at. A page
    of 20 cards builds about 150, the same ones page after page, and
    building them was a fifth of the page's cost.
    """
    key = (site_address(), current_lang(), endpoint, tuple(values.items()))
    url = URLS.get(key)
    if url is None:
        url = URLS.put(key, url_for(endpoint, **values))
    return url


URLS = Bounded(8192)  # a page asks for about forty, the same ones page after page


def template_url_for(endpoint, **values):
    """Templates' url_for, from the cache: every page builds the same dozen URLs.

    A static file's URL carries its current fingerprint (`http_cache`), so
    an edited file still gets a new URL at once.
    """
    if endpoint == "static" and "v" not in values:
        values["v"] = static_fingerprint(values.get("filename", ""))
    return cached_url(endpoint, **values)


def card_page_url(slug, show):
    """The page that shows an article as a card toggle would: for links without JavaScript."""
    if show == "both":
        return cached_url("reader.article", lang=current_lang(), slug=slug) + "?view=both"
    return cached_url("reader.article", lang=show, slug=slug) + "?view=one"


def card_swap_url(slug, show, full):
    """The card's own toggle: the article's path plus /card, as url_for('reader.card', …) would build it."""
    path = cached_url("reader.article", lang=current_lang(), slug=slug)
    return path + f"/card?show={show}" + ("&full=1" if full else "")


# Cards and pages ---------------------------------------------------------------


# What the cards of one page share, looked up once per request.
CardsPage = namedtuple("CardsPage", "lang address search_terms now")


def cards_page():
    page = g.get("cards_page")
    if page is None:
        page = g.cards_page = CardsPage(current_lang(), site_address(), tuple(g.get("search_terms") or ()), utcnow())
    return page


def render_cards(context, articles, eager=0):
    """The card template for each of `articles` in the page's `context`, joined; the first `eager`
    load their covers at once.

    Rendering a card was nine tenths of a feed page's cost, so rendered
    cards are cached, keyed by every value the card template reads (found
    in the template itself: see `cache.template_key`) and by what the
    helpers it calls read besides their arguments: the page language, the
    site's address, the search terms and the relative times. The part of
    the key that is the same for every card of the page is made once.
    Articles given as LoadedRows are keyed by their rows as read, so a
    remembered card needs no model made.
    """
    page, shared = cards_page(), shared_card_key(context)
    template = current_app.jinja_env.get_template(CARD_TEMPLATE)
    lang, rows = context.get("lang"), isinstance(articles, LoadedRows)
    rendered = []
    for n in range(len(articles)):
        if rows:
            identity = articles.identity(n)
            published, updated = articles.value(n, "published_at"), articles.value(n, "updated_at")
        else:
            article = articles[n]
            identity, published, updated = frozen(article), article.published_at, article.updated_at
        key = hashkey(
            shared,
            identity,
            n < eager,
            relative_text(published, lang, page.now) if published else None,
            relative_text(updated, lang, page.now) if updated else None,
        )
        html = CARDS.get(key)
        if html is None:
            html = Markup(template.render(context, article=articles[n], eager_cover=n < eager))  # nosec B704 # autoescaped by Jinja
            CARDS.put(key, html)
        rendered.append(html)
    # One card as it is kept: the same object while it is the same card (see Frame).
    return rendered[0] if len(rendered) == 1 else Markup("\n").join(rendered)


def shared_card_key(context):
    """The part of a card's key that every card of the page shares (see `render_cards`)."""
    page = cards_page()
    return template_key(
        current_app.jinja_env,
        CARD_TEMPLATE,
        context,
        {"article": None, "eager_cover": None},  # each card's own
        (page.lang, page.address, page.search_terms),
    )


def list_cards(articles, context, shown):
    """A page's cards; the first few of a list's first page load their covers at once.

    Articles given as LoadedRows (the feed's and tags' pages) are also
    remembered as one piece for the page (its frozen values, `shown`: more
    than the cards read) with all the rows they were made from. They are
    served again while the rows read now are the same (compared, not
    hashed: 150 KB of text a page) and until the first of their relative
    times would read differently.
    """
    eager = EAGER_CARDS if context.get("first_page") == 1 else 0
    if not isinstance(articles, LoadedRows):
        return render_cards(context, articles, eager)
    page, rows = cards_page(), articles.identities()
    key = hashkey(shown, page.lang, page.address, page.search_terms, eager)
    kept_rows, html, good_until = CARD_LISTS.get(key) or (None, None, None)
    if kept_rows != rows or (good_until is not None and page.now >= good_until):
        html = render_cards(context, articles, eager)
        CARD_LISTS.put(key, (rows, html, times_good_until(html, page.now)))
    return html


# htmx targets inside a page that get a block of it rather than the whole page.
FRAGMENT_BLOCKS = {"load-more": "cards", "results": "results"}


def render_page(template, block="page", cards=None, **context):
    """The whole page, or for an htmx swap just the named block of it.

    "Load more" (an htmx request from the #load-more link) gets the `cards`
    block: the next cards and the link to the ones after. The search box
    gets the `results` block. A page that shows `cards` (the articles of a
    list, or an article page's one) gets them rendered apart and put into
    its frame (`framed`); the template shows them as `cards`.
    """
    lang = current_lang()
    context.update(lang=lang, html_lang=HTML_LANGS[lang], view=reading_view(), fragment=wants_fragment())
    if context["fragment"] and block == "page":
        asked = FRAGMENT_BLOCKS.get(request.headers.get("HX-Target"))
        # Any request can say any target: only a block this page has is an answer.
        if asked in current_app.jinja_env.get_template(template).blocks:
            block = asked
    if cards is None:
        return render(template, block, context)
    shown = frozen(context)  # every value the page is rendered from, but its cards
    context["cards"] = list_cards(cards, context, shown)
    return framed(template, block, context, shown)


def render(template, block, context):
    if context["fragment"]:
        return render_block(template, block, **context)
    return render_template(template, **context)


# Where a page's cards go in its frame: a comment no text can forge.
CARDS_HOLE = Markup(f"<!--cards {secrets.token_hex(8)}-->")  # nosec B704 # a constant of the process


def framed(template, block, context, shown):
    """A page with cards: the page around them (the frame) from the frame cache, the cards put in.

    The frame is keyed by every value the page is rendered from (`shown`,
    frozen), of its cards only whether there are any, and by what the
    template's helpers read besides: the page's address (its links) and
    the minute (a static file's fingerprint, checked again at least once a
    minute).
    """
    cards = context["cards"]
    key = (template, block, site_address(), request.full_path, current_minute(), shown, bool(cards))
    frame = FRAMES.get(key)
    if frame is None:
        frame = Frame(render(template, block, {**context, "cards": CARDS_HOLE if cards else cards}).split(CARDS_HOLE))
        FRAMES.put(key, frame)
    return frame.page(cards)


class Frame:
    """A page around its cards (`parts`, to be joined by them), and the last page made from it.

    While the cards are the same object (a list's cards as remembered, an
    article's card), the page is the last one: not joined, encoded or
    hashed for its ETag again.
    """

    def __init__(self, parts):
        self.parts, self.last = parts, (None, None, None)

    def page(self, cards):
        last_cards, body, etag = self.last
        if cards is not last_cards:
            body = str(cards).join(self.parts).encode()
            etag = body_etag(body)
            self.last = (cards, body, etag)  # one assignment: another thread sees the old or the new
        response = current_app.response_class(body, mimetype="text/html")
        response.body_etag = etag  # for http_cache, on the pages it makes conditional
        return response
