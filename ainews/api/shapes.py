"""What the API answers with: articles and tags as JSON, and the cursors of its pages.

A cursor holds the sort keys of the last article on a page, so the next page
starts right after it even when articles are published meanwhile.
"""

import base64
import binascii
import json
from datetime import datetime, timezone

from flask import url_for
from flask_babel import gettext as _

from ainews.api.errors import ApiError
from ainews.i18n import iso_utc, other_lang
from ainews.rules import LANGS, MAX_INTEGER, SCORES, TRANSLATED_FIELDS, score_ok
from models import Article

TIMES = ("published_at", "updated_at", "generated_at")


def tag_json(tag):
    return {"slug": tag.slug, "name_en": tag.name_en, "name_zh": tag.name_zh}


def article_json(article, lang=None, full=True):
    """An article as the API shows it: both languages, or one with per-field fallback."""
    data = {
        "slug": article.slug,
        "urls": {code: url_for("reader.article", lang=code, slug=article.slug, _external=True) for code in LANGS},
        "status": article.status,
    }
    fields = [field for field in TRANSLATED_FIELDS if full or field != "analysis"]
    if lang is None:
        data.update({f"{field}_{code}": getattr(article, f"{field}_{code}") for field in fields for code in LANGS})
    else:
        data.update(one_language(article, lang, fields))
    data.update({name: getattr(article, name) for name in SCORES})
    data.update(
        ai_generated=article.ai_generated,
        tags=[tag_json(tag) for tag in article.tags],
        views=article.views,
        version=article.version,
        source_url=article.source_url,
        model=article.model,
        cover=article.cover,
        cover_alt_en=article.cover_alt_en,
        cover_alt_zh=article.cover_alt_zh,
    )
    for name in TIMES:
        moment = getattr(article, name)
        data[name] = iso_utc(moment) if moment else None
    return data


def one_language(article, lang, fields):
    """Each field in `lang`, or in the other language when it is not translated (listed in `fallbacks`)."""
    other = other_lang(lang)
    data = {"lang": lang, "fallbacks": []}
    for field in fields:
        value = getattr(article, f"{field}_{lang}")
        if not value and getattr(article, f"{field}_{other}"):
            value = getattr(article, f"{field}_{other}")
            data["fallbacks"].append(field)
        data[field] = value
    return data


def make_cursor(article, sort):
    keys = [sort, article.published_at.isoformat(), article.id]
    if sort != "new":
        keys.append(getattr(article, sort))
    return base64.urlsafe_b64encode(json.dumps(keys).encode()).decode().rstrip("=")


def read_cursor(cursor, sort):
    """The cursor's publish time, article id and score (None for "new"); a 400 if it is not one of `sort`."""
    try:
        keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(keys, list):
            raise ValueError
        published_at = datetime.fromisoformat(keys[1])
        if published_at.tzinfo is None:
            raise ValueError
        published_at = published_at.astimezone(timezone.utc)  # OverflowError near year 1 or 9999
        article_id = keys[2]
        if keys[0] != sort or not isinstance(article_id, int) or not 0 <= article_id <= MAX_INTEGER:
            raise ValueError
        score = keys[3] if sort != "new" else None
        if sort != "new" and not score_ok(score):
            raise ValueError
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, binascii.Error, RecursionError):
        raise ApiError(400, {"cursor": _("This cursor is not valid here: use the 'next' address as given.")}) from None
    return published_at, article_id, score


def after_cursor(cursor, sort):
    """WHERE terms for the articles after the cursor, in the order of `sort`."""
    published_at, article_id, score = read_cursor(cursor, sort)
    moment = Article.published_at
    same_time_after = (moment < published_at) | ((moment == published_at) & (Article.id < article_id))
    if sort == "new":
        # The plain range on published_at lets the index skip straight there.
        return [moment <= published_at, same_time_after]
    column = getattr(Article, sort)
    return [column <= score, (column < score) | ((column == score) & same_time_after)]
