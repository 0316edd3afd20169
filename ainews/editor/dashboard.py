"""The dashboard: every article, drafts included, found by title, filtered and paged.

Filters come from the query string (?q=, status, tag, translation, page) and
every link of the page keeps them. A value that is not one of the filters'
is refused with a 400 that says which, never guessed at.
"""

from dataclasses import asdict, dataclass

from flask import abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import SQL, Case, fn

from ainews.clock import utcnow
from ainews.editor.blueprint import STATE_NAMES, bp
from ainews.rules import DASHBOARD_PAGE, DASHBOARD_QUERY_MAX, TAG_FIELDS, clean_text
from ainews.schema import LAST_SAVED, missing_translation
from ainews.web import page_number
from models import Article, ArticleTag, Tag

STATES = tuple(STATE_NAMES)  # draft, scheduled, published
TRANSLATION_FILTERS = {
    "missing-en": _l("English missing"),
    "missing-zh": _l("Chinese missing"),
    "outdated": _l("Translation outdated"),
}
# What a row of the list shows; the long texts stay in the database.
LISTED = (
    Article.id,
    Article.slug,
    Article.status,
    Article.title_en,
    Article.title_zh,
    Article.hot,
    Article.quality,
    Article.impact,
    Article.published_at,
    Article.updated_at,
    Article.created_at,
    Article.outdated,
)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    tag: str = ""  # a tag's slug
    translation: str = ""

    def args(self, **changes):
        """The query string's values for url_for, empty ones left out."""
        return {name: value for name, value in dict(asdict(self), **changes).items() if value}

    @property
    def narrowed(self):
        return any(asdict(self).values())


def refuse(message):
    """A 400 page saying what is wrong with the address."""
    page = render_template("editor/message.html", title=_("This list cannot be shown"), message=message)
    abort(make_response(page, 400))


def read_filters():
    """The filters asked for, checked; a bad value is a 400 with a clear message."""
    args = request.args
    filters = Filters(
        q=clean_text(args.get("q", "")).strip(),  # no title holds control characters; PostgreSQL refuses NUL
        status=args.get("status", ""),
        tag=args.get("tag", ""),
        translation=args.get("translation", ""),
    )
    if len(filters.q) > DASHBOARD_QUERY_MAX:
        refuse(_("Search for at most %(max)d characters of a title.", max=DASHBOARD_QUERY_MAX))
    if filters.status and filters.status not in STATES:
        refuse(_("There is no status “%(value)s”.", value=filters.status[:DASHBOARD_QUERY_MAX]))
    if filters.translation and filters.translation not in TRANSLATION_FILTERS:
        refuse(_("There is no translation filter “%(value)s”.", value=filters.translation[:DASHBOARD_QUERY_MAX]))
    return filters


def among(ids):
    """Articles whose id is in the subquery `ids`.

    As `id + 0`, SQLite walks the list's own index in order and checks each
    id against the subquery's, stopping at the page, rather than looking up
    every article listed and sorting them all (370 ms for a common word at
    100,000 articles). PostgreSQL plans it as it would `id IN`.
    """
    return (Article.id + 0).in_(ids)


def narrowed(query, filters, tag):
    """`query` narrowed by every filter but the status (the status tabs count each status)."""
    if filters.q:
        # The ids from the narrow index of titles, not from whole rows.
        titled = Article.title_en.contains(filters.q) | Article.title_zh.contains(filters.q)
        query = query.where(among(Article.select(Article.id).where(titled)))
    if tag is not None:
        query = query.where(among(ArticleTag.select(ArticleTag.article).where(ArticleTag.tag == tag)))
    if filters.translation == "outdated":
        query = query.where(Article.outdated != "")
    elif filters.translation:
        query = query.where(missing_translation(filters.translation.removeprefix("missing-")))
    return query


def with_status(query, status, now):
    if status == "draft":
        return query.where(Article.status == "draft")
    if status == "scheduled":
        return query.where((Article.status == "published") & (Article.published_at > now))
    if status == "published":
        # Nearly every article: as one expression no index answers, so the
        # list's own index is walked in order, not all of them sorted.
        state = Case(None, [(Article.status == "draft", "draft"), (Article.published_at > now, "scheduled")], "")
        return query.where(state == "")
    return query


def state_counts(filters, tag, now):
    """How many articles each status tab holds, with the other filters applied.

    Three counts, each of which an index answers (one pass summing by state
    read every whole row: 630 ms at 100,000 articles). The states are
    blueprint.article_state's: a published article whose time is to come is
    scheduled.
    """
    query = narrowed(Article.select(fn.COUNT(SQL("*"))), filters, tag)
    total, drafts, later = (with_status(query, status, now).scalar() for status in ("", "draft", "scheduled"))
    return {"draft": drafts, "scheduled": later, "published": total - drafts - later}


@bp.get("/")
def dashboard():
    """Every article, drafts included, the most recently saved first."""
    filters = read_filters()
    page = page_number()
    tag = None
    if filters.tag:
        tag = Tag.get_or_none(Tag.slug == filters.tag) if TAG_FIELDS["slug"].accepts(filters.tag) else None
        if tag is None:
            refuse(_("There is no tag with the address “%(value)s”.", value=filters.tag[:DASHBOARD_QUERY_MAX]))
    now = utcnow()
    counts = state_counts(filters, tag, now)
    total = counts[filters.status] if filters.status else sum(counts.values())
    query = with_status(narrowed(Article.select(*LISTED), filters, tag), filters.status, now)
    rows = list(query.order_by(*LAST_SAVED).offset((page - 1) * DASHBOARD_PAGE).limit(DASHBOARD_PAGE + 1))
    if not rows and page > 1:
        abort(404)
    return render_template(
        "editor/dashboard.html",
        articles=rows[:DASHBOARD_PAGE],
        filters=filters,
        counts=counts,
        total=total,
        page=page,
        pages=max(1, -(-total // DASHBOARD_PAGE)),
        has_next=len(rows) > DASHBOARD_PAGE,
        tags=Tag.select(Tag.slug, Tag.name_en, Tag.name_zh).order_by(Tag.name_en),
        STATES=STATES,
        TRANSLATION_FILTERS=TRANSLATION_FILTERS,
    )
