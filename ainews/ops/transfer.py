"""Moving the site's content in and out: `flask export FILE` and `flask import FILE`.

The file holds every tag and every article, drafts included, sorted by slug,
so exporting, importing into an empty site and exporting again gives the
same file. An import is all or nothing: every record is checked first, and
one invalid record means nothing is written.
"""

import json

from ainews.clock import utcnow
from ainews.db import write_transaction
from ainews.i18n import iso_utc, parse_iso_utc
from ainews.rules import (
    MAX_INTEGER,
    MODEL_NAME_MAX,
    OUTDATED_MAX,
    SCORE_RANGE,
    SCORES,
    SLUG_MAX,
    SOURCE_URL_MAX,
    STATUSES,
    TAG_NAME_MAX,
    TAG_SLUG_MAX,
    TEXT_COLUMNS,
    TEXT_LIMITS,
    score_ok,
    slug_ok,
    web_url_ok,
)
from models import Article, Tag, attach_tags, set_tags

FORMAT = "ai-news/1"
TIMES = ("published_at", "updated_at", "created_at", "generated_at")
# PostgreSQL's text cannot hold NUL.
NUL_PROBLEM = "text must not contain NUL characters"


def export_data():
    """Everything, as plain JSON-ready data."""
    tags = [{"slug": t.slug, "name_en": t.name_en, "name_zh": t.name_zh} for t in Tag.select().order_by(Tag.slug)]
    articles = list(Article.select().order_by(Article.slug))
    attach_tags(articles)
    return {"format": FORMAT, "tags": tags, "articles": [article_record(a) for a in articles]}


def article_record(article):
    record = {"slug": article.slug}
    record.update({name: getattr(article, name) for name in TEXT_COLUMNS})
    record.update({name: getattr(article, name) for name in SCORES})
    record.update(
        ai_generated=article.ai_generated,
        status=article.status,
        views=article.views,
        version=article.version,
        outdated=article.outdated,
        source_url=article.source_url,
        model=article.model,
    )
    record.update({name: iso_utc(getattr(article, name)) if getattr(article, name) else None for name in TIMES})
    record["tags"] = sorted(tag.slug for tag in article.tags)
    return record


class ImportRefused(Exception):
    """The file cannot be imported; `errors` says why, record by record."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


def read_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused([f"cannot read {path}: {error}"]) from None


def check(data):
    """Every problem in the data, as readable lines; empty when it can be imported."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [f'not an export of this site: expected an object with "format": "{FORMAT}"']
    errors = []
    tags, articles = data.get("tags"), data.get("articles")
    if not isinstance(tags, list) or not isinstance(articles, list):
        return ['"tags" and "articles" must be lists']
    tag_slugs = set()
    for n, tag in enumerate(tags):
        where = f"tags[{n}]"
        if not isinstance(tag, dict) or not all(isinstance(tag.get(k), str) for k in ("slug", "name_en", "name_zh")):
            errors.append(f"{where}: needs slug, name_en and name_zh as text")
            continue
        if not slug_ok(tag["slug"]) or len(tag["slug"]) > TAG_SLUG_MAX:
            errors.append(
                f"{where} ({tag['slug']!r}): slug must be {TAG_SLUG_MAX} characters at most, "
                "of lowercase letters, digits and single hyphens"
            )
        if any(len(tag[k]) > TAG_NAME_MAX for k in ("name_en", "name_zh")):
            errors.append(f"{where} ({tag['slug']!r}): a name over {TAG_NAME_MAX} characters")
        if any("\x00" in tag[k] for k in ("slug", "name_en", "name_zh")):
            errors.append(f"{where} ({tag['slug']!r}): {NUL_PROBLEM}")
        if tag["slug"] in tag_slugs:
            errors.append(f"{where} ({tag['slug']}): slug appears twice")
        tag_slugs.add(tag["slug"])
    known_tags = tag_slugs | {slug for (slug,) in Tag.select(Tag.slug).tuples()}
    seen = set()
    for n, record in enumerate(articles):
        where = f"articles[{n}]" + (f" ({record.get('slug')})" if isinstance(record, dict) else "")
        errors += [f"{where}: {problem}" for problem in article_problems(record, known_tags)]
        if isinstance(record, dict):
            if record.get("slug") in seen:
                errors.append(f"{where}: slug appears twice")
            seen.add(record.get("slug"))
    return errors


def article_problems(record, known_tags):
    if not isinstance(record, dict):
        return ["not an object"]
    problems = []
    if not slug_ok(record.get("slug")):
        problems.append(f"slug must be text of 1 to {SLUG_MAX} lowercase letters, digits and single hyphens")
    for name in TEXT_COLUMNS:
        value = record.get(name, "")
        if not isinstance(value, str):
            problems.append(f"{name} must be text")
        elif len(value) > TEXT_LIMITS[name.rsplit("_", 1)[0]]:
            problems.append(f"{name} is longer than {TEXT_LIMITS[name.rsplit('_', 1)[0]]} characters")
    for name in SCORES:
        if not score_ok(record.get(name)):
            problems.append(f"{name} must be a whole number from {SCORE_RANGE[0]} to {SCORE_RANGE[1]}")
    if record.get("status") not in STATUSES:
        problems.append(f"status must be one of {', '.join(STATUSES)}")
    if not (isinstance(record.get("title_en"), str) and record["title_en"].strip()) and not (
        isinstance(record.get("title_zh"), str) and record["title_zh"].strip()
    ):
        problems.append("needs a title in at least one language")
    for name in TIMES:
        if record.get(name) is not None and parse_iso_utc(record[name]) is None:
            problems.append(f"{name} must be a time like 2026-05-01T09:30:00Z, or null")
    if not isinstance(record.get("ai_generated", False), bool):
        problems.append("ai_generated must be true or false")
    if not isinstance(record.get("outdated", ""), str) or len(record.get("outdated", "")) > OUTDATED_MAX:
        problems.append(f"outdated must be text of at most {OUTDATED_MAX} characters")
    source_url, model = record.get("source_url", ""), record.get("model", "")
    if (
        not isinstance(source_url, str)
        or len(source_url) > SOURCE_URL_MAX
        or (source_url and not web_url_ok(source_url))
    ):
        problems.append(f"source_url must be an http(s) address of at most {SOURCE_URL_MAX} characters, or empty")
    if not isinstance(model, str) or len(model) > MODEL_NAME_MAX:
        problems.append(f"model must be text of at most {MODEL_NAME_MAX} characters")
    for name in ("views", "version"):
        value = record.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INTEGER:
            problems.append(f"{name} must be a whole number from 0 to {MAX_INTEGER}")
    if any(isinstance(value, str) and "\x00" in value for value in record.values()):
        problems.append(NUL_PROBLEM)
    tags = record.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append("tags must be a list of tag slugs")
    else:
        problems += [f"unknown tag {slug}" for slug in tags if slug not in known_tags]
    return problems


def import_data(data):
    """Create or update tags and articles by slug, in one transaction. Returns counts."""
    errors = check(data)
    if errors:
        raise ImportRefused(errors)
    counts = {"tags created": 0, "tags updated": 0, "articles created": 0, "articles updated": 0}
    with write_transaction():
        for item in data["tags"]:
            tag, created = Tag.get_or_create(slug=item["slug"], defaults=item)
            if not created:
                tag.name_en, tag.name_zh = item["name_en"], item["name_zh"]
                tag.save()
            counts["tags created" if created else "tags updated"] += 1
        tags = {tag.slug: tag for tag in Tag.select()}
        for record in data["articles"]:
            article = Article.get_or_none(Article.slug == record["slug"])
            counts["articles updated" if article else "articles created"] += 1
            article = article or Article(slug=record["slug"])
            for name in TEXT_COLUMNS:
                setattr(article, name, record.get(name, ""))
            for name in (*SCORES, "ai_generated", "status", "views", "version", "outdated", "source_url", "model"):
                if name in record:
                    setattr(article, name, record[name])
            for name in TIMES:
                setattr(article, name, parse_iso_utc(record.get(name)))
            article.created_at = article.created_at or utcnow()
            article.save()
            set_tags(article, [tags[slug] for slug in sorted(record.get("tags", []))])
    return counts
