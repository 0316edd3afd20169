"""Feeds for machines: Atom per language and tag, the sitemap, robots.txt."""

import hashlib
import re

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for

from ainews.clock import utcnow
from ainews.i18n import tr
from ainews.tags import tag_by_slug
from ainews.web import LANG_PREFIX, page_count, site_host
from models import Article

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 50
SITEMAP_ARTICLES = 20_000  # two URLs each: under the 50,000 a sitemap may hold


# Characters XML 1.0 cannot carry at all, even escaped: C0 controls other than
# tab, newline and carriage return, and the two non-characters. A title with a
# vertical tab (what Word pastes as a line break) must not break the feed for
# every subscriber.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_response(body, mimetype="application/xml"):
    response = make_response(NOT_IN_XML.sub("", body))
    response.mimetype = mimetype
    return response


def atom_response(lang, tag):
    """An Atom feed of the newest articles (of one tag), answering 304 when unchanged.

    Entry ids name the article's id, which never changes or gets reused,
    so feed readers keep an entry across edits.
    """
    articles, _has_next = Article.feed_page(1, FEED_ENTRIES, tag=tag)
    updated = max((article.updated_at or article.published_at for article in articles), default=None)
    fingerprint = ";".join(f"{a.id}.{a.version}" for a in articles)
    response = xml_response(
        render_template(
            "feeds/atom.xml",
            lang=lang,
            tag=tag,
            articles=articles,
            updated=updated or utcnow(),
            authority=site_host(),
            title=f"{tag.name(lang)} · {tr('AI News', lang)}" if tag else tr("AI News", lang),
        ),
        "application/atom+xml",
    )
    response.set_etag(hashlib.sha256(f"{lang}|{tag and tag.id}|{fingerprint}".encode()).hexdigest()[:32])
    if updated:
        response.last_modified = updated
    return response.make_conditional(request)


@bp.get(f"{LANG_PREFIX}/feed.xml")
def atom(lang):
    """The newest articles as an Atom feed in `lang`."""
    return atom_response(lang, None)


@bp.get(f"{LANG_PREFIX}/tags/<slug>/feed.xml")
def tag_atom(lang, slug):
    """One tag's newest articles as an Atom feed in `lang`."""
    return atom_response(lang, tag_by_slug(slug) or abort(404))


@bp.get("/robots.txt")
def robots():
    """Crawl the reader pages, never the editors'."""
    lines = ["User-agent: *", "Disallow: /editor/", f"Sitemap: {url_for('feeds.sitemap', _external=True)}", ""]
    return current_app.response_class("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    """The index of the sitemap's parts, each small enough for search engines' limits."""
    parts = page_count(Article.count_published(), SITEMAP_ARTICLES)
    return xml_response(render_template("feeds/sitemap_index.xml", parts=parts))


@bp.get("/sitemaps/<int:part>.xml")
def sitemap_part(part):
    """Published articles, oldest first, in both languages with hreflang alternates."""
    if not 1 <= part <= page_count(Article.count_published(), SITEMAP_ARTICLES):
        abort(404)
    published = Article.published().order_by(Article.id)
    articles = list(published.offset((part - 1) * SITEMAP_ARTICLES).limit(SITEMAP_ARTICLES))
    return xml_response(render_template("feeds/sitemap.xml", articles=articles, part=part))
