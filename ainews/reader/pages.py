"""The reader's pages: the feed, tags, search, articles, the card toggle and the page clock."""

from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from ainews import search
from ainews.cache import cached_page, while_unchanged
from ainews.clock import utcnow
from ainews.db import LoadedRows
from ainews.i18n import parse_iso_utc, relative_text, tr
from ainews.reader.render import VIEWS, card_page_url, content_langs, page_url, reading_view, render_page
from ainews.reading import MOST_PAGES_AT_ONCE, RELATED_ARTICLES
from ainews.related import related
from ainews.rules import CLOCK_STAMPS_MAX, LANGS, PER_PAGE, SEARCH_QUERY_MAX, SORTS, slug_ok
from ainews.tags import tag_by_slug, tags_with_counts
from ainews.text import texts
from ainews.web import LANG_PREFIX, current_lang, page_count, page_range, preferred_lang, wants_fragment
from models import Article

bp = Blueprint("reader", __name__)


@bp.get("/")
def index():
    """Send the reader to their language's front page."""
    view = request.args.get("view")
    response = redirect(url_for("reader.feed", lang=preferred_lang(), view=view if view in VIEWS else None), 302)
    response.vary.add("Accept-Language")
    return response


@bp.get(f"{LANG_PREFIX}/")
@cached_page
def feed(lang):
    """The published cards: newest first, or by a score."""
    return card_list("reader/feed.html", title=tr("AI News", lang))


@bp.get(f"{LANG_PREFIX}/tags/")
@cached_page
def tags(lang):
    """Every tag with its number of articles."""
    return render_page("reader/tags.html", tags=tags_with_counts(), title=tr("Tags", lang))


@bp.get(f"{LANG_PREFIX}/tags/<slug>")
@cached_page
def tag(lang, slug):
    """One tag's published cards, sortable and paged like the feed."""
    found = tag_by_slug(slug) or abort(404)
    return card_list("reader/tag.html", tag=found, title=f"{found.name(lang)} · {tr('AI News', lang)}")


@bp.get(f"{LANG_PREFIX}/search")
def search_page(lang):
    """Articles with every word of ?q=, in either language, best first."""
    query, (first, page, last) = request.args.get("q", ""), pages_shown()
    g.search_terms = terms = search.parse_query(query)
    articles, total, partial = search.search(query, limit=PER_PAGE * (last - page + 1), offset=(page - 1) * PER_PAGE)
    if not articles and page > 1:
        return redirect(page_url(page_count(total, PER_PAGE)), 302)
    return render_page(
        "reader/search.html",
        cards=articles,
        total=total,
        capped=partial,
        q=query,
        query_max=SEARCH_QUERY_MAX,
        terms=terms,
        shown_query=shown_query(query),
        page=page,
        first_page=first,
        last_page=last,
        has_next=last * PER_PAGE < total,
        sort="new",
        tag=None,
        langs=content_langs(lang, reading_view()),
        title=tr("%(query)s · Search", lang, query=shown_query(query)) if terms else tr("Search", lang),
    )


@bp.get(f"{LANG_PREFIX}/articles/<slug>")
def article(lang, slug):
    """One article with its full analysis; a full page load counts a view."""
    found = Article.get_published(slug) or abort(404)
    if not request.htmx and request.method == "GET":
        current_app.extensions["view_counter"].add(found.id)
        found.views += 1
    langs = content_langs(lang, reading_view())
    older, newer = found.neighbours()
    return render_page(
        "reader/article.html",
        cards=[found],
        article=found,
        langs=langs,
        full=True,
        title=article_title(found, langs),
        # Worked out once a minute while nothing changes: 0.3 of an article page's 0.8 ms at 100,000 articles.
        related=while_unchanged(("related", found.id), lambda: related(found, RELATED_ARTICLES)),
        older=older,
        newer=newer,
    )


@bp.get(f"{LANG_PREFIX}/articles/<slug>/card")
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
        "reader/article.html",
        block="card",
        cards=[found],
        article=found,
        langs=langs,
        full=request.args.get("full") == "1",
        title=article_title(found, langs),
    )


@bp.get(f"{LANG_PREFIX}/times")
def times(lang):
    """The page clock's answer: fresh relative times, and on a list, how many articles are new.

    ?t= names each time on the page, ?l= each language they are shown in
    (`en`, `zh`; the page's language when none is named). A list page adds
    ?since= (when it was told) and ?tag=, so the same answer can say "2 new
    articles" without a second poll.
    """
    moments = {}
    for stamp in request.args.getlist("t")[:CLOCK_STAMPS_MAX]:
        moment = parse_iso_utc(stamp)
        if moment:
            moments[stamp] = moment
    langs = [code for code in LANGS if code in request.args.getlist("l")] or [lang]
    return render_template(
        "reader/_times.html", langs=langs, relative_text=relative_text, moments=moments, **new_articles(lang)
    )


def new_articles(lang):
    """The "new articles" notice for the page clock's answer: their number and where they are."""
    since, slug = parse_since(request.args.get("since")), request.args.get("tag", "")
    tag = tag_by_slug(slug) if since and slug_ok(slug) else None
    if since is None or (slug and tag is None):
        return {}
    endpoint, values = ("reader.tag", {"slug": tag.slug}) if tag else ("reader.feed", {})
    return {
        "new_count": Article.count_published(tag, since=since),
        "list_href": url_for(endpoint, **values),
        "new_href": url_for(endpoint, **values, since=request.args["since"]),
        "notice_langs": content_langs(lang, "both" if request.args.get("both") == "1" else "one"),
        "max_new": PER_PAGE,
    }


def card_list(template, tag=None, **context):
    """A page of cards from the feed or one tag, in the order of ?sort=.

    The newest-first list remembers the moment it was told as of
    (`new_since`); the page clock counts what was published after it, and
    the "new articles" notice asks for just those cards (?since=, answered
    with the `new_cards` block).
    """
    (first, page, last), sort, now = pages_shown(), sort_order(), utcnow()
    langs = content_langs(current_lang(), reading_view())
    since = parse_since(request.args.get("since"))
    if since and wants_fragment() and request.headers.get("HX-Target") == "new-articles":
        articles = Article.published_since(since, now, tag, limit=PER_PAGE)
        return render_page(
            template,
            block="new_cards",
            cards=articles,
            new_since=since_stamp(told_as_of(articles, since)),
            tag=tag,
            langs=langs,
            **context,
        )
    articles, has_next = Article.feed_page(page, PER_PAGE, sort=sort, tag=tag, pages=last - page + 1, now=now)
    if not articles and page > 1:
        # Past the end: the last page there is.
        return redirect(page_url(page_count(Article.count_published(tag), PER_PAGE)), 302)
    return render_page(
        template,
        cards=articles,
        page=page,
        first_page=first,
        last_page=last,
        has_next=has_next,
        sort=sort,
        tag=tag,
        langs=langs,
        new_since=since_stamp(told_as_of(articles)) if sort == "new" and page == 1 else None,
        **context,
    )


def told_as_of(articles, otherwise=None):
    """The moment a newest-first list is told as of: its newest article's publish time.

    Taken from the data, not the clock, so the same list is the same page
    (its ETag holds, caches keep it); whatever is published after it is
    what the page clock counts as new.
    """
    if not articles:
        return otherwise or NOTHING_YET
    # Read from the row when there is one, so a page of remembered cards makes no model.
    return articles.value(0, "published_at") if isinstance(articles, LoadedRows) else articles[0].published_at


NOTHING_YET = datetime(2000, 1, 1, tzinfo=timezone.utc)  # before any article: every article is new


# A list's moment, to the microsecond: an article published in the same
# second as the list was told is either on it or counted as new, never both.
SINCE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def since_stamp(moment):
    return moment.astimezone(timezone.utc).strftime(SINCE_FORMAT)


def parse_since(text):
    """The moment a ?since= names, or None for anything else."""
    try:
        return datetime.strptime(text or "", SINCE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def pages_shown():
    """(first, from, last): the pages ?page= names (`7` or, after infinite scroll, `1-3`),
    and the first this answer shows: all of them, but only the last for "More news",
    which adds that page to the ones already there."""
    first, last = page_range(MOST_PAGES_AT_ONCE)
    loading_more = wants_fragment() and request.headers.get("HX-Target") == "load-more"
    return first, last if loading_more else first, last


def sort_order():
    """?sort=new|hot|quality|impact; anything else is a 400."""
    sort = request.args.get("sort", "new")
    if sort not in SORTS:
        abort(400)
    return sort


def shown_query(query, length=40):
    """The query as a message quotes it: printable, and cut when long."""
    text = " ".join("".join(c for c in query if c.isprintable()).split())
    return text if len(text) <= length else text[:length] + "…"


def article_title(article, langs):
    return " · ".join(text.value for text in texts(article, "title", langs) if text.value)
