"""Moving the site's content in and out: `flask export FILE` and `flask import FILE`.

The file holds every tag and every article, drafts included, sorted by slug,
and the articles' revisions (those of deleted articles too) and every
uploaded image (ainews/ops/image_transfer.py), so exporting, importing into
an empty site and exporting again gives the same file. An import is all or
nothing: every record is checked first, and one invalid record means nothing
is written. A file from before revisions (no "revisions" list) imports as
before.
"""

import json
from datetime import datetime

from ainews import revisions, search
from ainews.clock import utcnow
from ainews.db import write_transaction
from ainews.i18n import iso_utc, parse_iso_utc
from ainews.ops.image_transfer import cover_problems, export_images, image_problems, import_images
from ainews.rules import (
    ARTICLE_FIELDS,
    CONTROL_CHARACTERS,
    KEPT_FIELDS,
    MAX_INTEGER,
    REVISION_BY_MAX,
    REVISION_KINDS,
    TAG_FIELDS,
    TITLE_COLUMNS,
    has_title,
)
from models import Article, ArticleTag, Revision, Tag, attach_tags, set_tags

FORMAT = "ai-news/1"
# An article's record: the fields anyone writes, and those the site keeps.
RECORD_FIELDS = {**ARTICLE_FIELDS, **KEPT_FIELDS}
CONTROL_PROBLEM = "text must not contain control characters (tab and line breaks aside)"


def export_data():
    """Everything, as plain JSON-ready data."""
    tags = [{"slug": t.slug, "name_en": t.name_en, "name_zh": t.name_zh} for t in Tag.select().order_by(Tag.slug)]
    articles = list(Article.select().order_by(Article.slug))
    attach_tags(articles)
    records = [article_record(a) for a in articles]
    return {
        "format": FORMAT,
        "tags": tags,
        "articles": records,
        "revisions": revision_groups(articles),
        "images": export_images(),
    }


def revision_groups(articles):
    """The revisions, a group per article: a live one's named by its slug; a deleted one's by its id too,
    so that it can be restored with its id."""
    slugs = {article.id: article.slug for article in articles}
    groups = {}
    for rev in Revision.select().order_by(Revision.article_id, Revision.version):
        group = groups.setdefault(rev.article_id, {"versions": []})
        group["versions"].append(
            {
                "version": rev.version,
                "saved_at": rev.saved_at.isoformat(),
                "saved_by": rev.saved_by,
                "kind": rev.kind,
                "changed": rev.changed,
                "snapshot": json.loads(rev.snapshot),
            }
        )
    for article_id, group in groups.items():
        live = article_id in slugs
        group.update(slug=slugs.get(article_id) or group["versions"][-1]["snapshot"].get("slug"), deleted=not live)
        if not live:
            group["id"] = article_id
    return sorted(groups.values(), key=lambda group: (group["deleted"], str(group["slug"]), group.get("id", 0)))


def article_record(article):
    record = {}
    for name, rule in RECORD_FIELDS.items():
        value = getattr(article, name)
        record[name] = (iso_utc(value) if value else None) if rule.kind == "time" else value
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
    """Every problem in the data, as readable lines; empty when it can be imported.

    Each line names the record, then the field: "articles[3] (a-slug): hot must be …".
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [f'not an export of this site: expected an object with "format": "{FORMAT}"']
    tags, articles = data.get("tags"), data.get("articles")
    if not isinstance(tags, list) or not isinstance(articles, list):
        return ['"tags" and "articles" must be lists']
    errors = tag_errors(tags) + revision_errors(data.get("revisions", []))
    known_tags = {tag.get("slug") for tag in tags if isinstance(tag, dict) and isinstance(tag.get("slug"), str)}
    known_tags |= {slug for (slug,) in Tag.select(Tag.slug).tuples()}
    seen = set()
    for n, record in enumerate(articles):
        slug = record.get("slug") if isinstance(record, dict) else None
        where = f"articles[{n}]" + (f" ({slug})" if isinstance(record, dict) else "")
        errors += [f"{where}: {problem}" for problem in article_problems(record, known_tags)]
        if isinstance(slug, str):
            if slug in seen:
                errors.append(f"{where}: slug appears twice")
            seen.add(slug)
    errors += image_problems(data.get("images", []))
    return errors or cover_problems(data)


def revision_errors(groups):
    """Problems in the revisions list: each group names an article and holds well-formed versions."""
    if not isinstance(groups, list):
        return ['"revisions" must be a list']
    errors = []
    for n, group in enumerate(groups):
        where = f"revisions[{n}]"
        if not isinstance(group, dict) or not isinstance(group.get("slug"), str):
            errors.append(f"{where}: needs the slug of its article")
            continue
        if group.get("deleted") and not (isinstance(group.get("id"), int) and 0 < group["id"] <= MAX_INTEGER):
            errors.append(f"{where} ({group['slug']}): a deleted article's revisions need its id")
        versions = group.get("versions")
        if not isinstance(versions, list) or not all(version_ok(version) for version in versions):
            errors.append(f"{where} ({group['slug']}): versions must be a list of revisions as exported")
    return errors


def version_ok(version):
    if not isinstance(version, dict) or not isinstance(version.get("snapshot"), dict):
        return False
    number, saved_at = version.get("version"), version.get("saved_at")
    try:
        datetime.fromisoformat(saved_at)
    except (TypeError, ValueError):
        return False
    return (
        isinstance(number, int)
        and 0 < number <= MAX_INTEGER
        and version.get("kind") in REVISION_KINDS
        and all(isinstance(version.get(name), str) for name in ("saved_by", "changed"))
        and len(version["saved_by"]) <= REVISION_BY_MAX
    )


def tag_errors(tags):
    errors, seen = [], set()
    for n, tag in enumerate(tags):
        where = f"tags[{n}]"
        if not isinstance(tag, dict) or not all(isinstance(tag.get(name), str) for name in TAG_FIELDS):
            errors.append(f"{where}: needs {', '.join(TAG_FIELDS)} as text")
            continue
        where += f" ({tag['slug']!r})"
        errors += [f"{where}: {problem}" for problem in field_problems(tag, TAG_FIELDS)]
        if tag["slug"] in seen:
            errors.append(f"{where}: slug appears twice")
        seen.add(tag["slug"])
    return errors


def article_problems(record, known_tags):
    if not isinstance(record, dict):
        return ["not an object"]
    problems = field_problems(record, {name: rule for name, rule in RECORD_FIELDS.items() if name != "tags"})
    if not has_title(record):
        problems.append(f"{' or '.join(TITLE_COLUMNS)}: needs a title in at least one language")
    tags, rule = record.get("tags", []), ARTICLE_FIELDS["tags"]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags) or len(tags) > rule.max_items:
        problems.append(f"tags must be a list of at most {rule.max_items} tag slugs")
    else:
        problems += [f"tags: unknown tag {slug}" for slug in tags if slug not in known_tags]
    return problems


def field_problems(record, fields):
    """A problem for each field whose value (or, when left out, default) breaks its rule.

    A record's slug names it: it may not be empty.
    """
    problems = [] if record.get("slug") else ["slug must not be empty"]
    for name, rule in fields.items():
        value = record.get(name, rule.default)
        if rule.kind == "time" and value is not None:
            value = parse_iso_utc(value) or "not a time"
        if not rule.accepts(value):
            problems.append(f"{name} must be {rule.meaning}")
        elif isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            problems.append(f"{name}: {CONTROL_PROBLEM}")
    return problems


def import_data(data):
    """Create or update tags and articles by slug, in one transaction. Returns counts.

    New articles are inserted IMPORT_BATCH to a statement, and the search
    index is brought up to date once, at the end (`search.deferred`).
    """
    errors = check(data)
    if errors:
        raise ImportRefused(errors)
    counts = {"images created": 0, "tags created": 0, "tags updated": 0, "articles created": 0, "articles updated": 0}
    with write_transaction(), search.deferred():
        counts["images created"] = import_images(data.get("images", []))
        for item in data["tags"]:
            tag, created = Tag.get_or_create(slug=item["slug"], defaults=item)
            if not created:
                tag.name_en, tag.name_zh = item["name_en"], item["name_zh"]
                tag.save()
            counts["tags created" if created else "tags updated"] += 1
        tags = {tag.slug: tag for tag in Tag.select()}
        records = data["articles"]
        for start in range(0, len(records), IMPORT_BATCH):
            import_articles(records[start : start + IMPORT_BATCH], tags, counts)
        counts["revisions kept"] = import_revisions(data.get("revisions", []))
        keep_versions_ahead(record["slug"] for record in records)
    return counts


# Articles per INSERT statement when importing. One statement per article
# (and one per tag link) made an import of 100,000 articles on PostgreSQL a
# matter of round trips.
IMPORT_BATCH = 500


def import_articles(records, tags, counts):
    """Update the articles these records name that exist; insert the others all at once."""
    slugs = [record["slug"] for record in records]
    existing = {article.slug: article for article in Article.select().where(Article.slug.in_(slugs))}
    new = []
    for record in records:
        article = existing.get(record["slug"]) or Article(slug=record["slug"])
        for name, rule in RECORD_FIELDS.items():
            if name != "tags":
                value = record.get(name, rule.default)
                setattr(article, name, parse_iso_utc(value) if rule.kind == "time" else value)
        article.created_at = article.created_at or utcnow()
        wanted = [tags[slug] for slug in sorted(set(record.get("tags", [])))]
        if record["slug"] in existing:
            article.save()
            set_tags(article, wanted)
        else:
            article.make_storable()
            new.append((article, wanted))
    counts["articles updated"] += len(records) - len(new)
    counts["articles created"] += len(new)
    if not new:
        return
    rows = [article.__data__ for article, _ in new]
    ids = dict(Article.insert_many(rows).returning(Article.slug, Article.id).tuples().execute())
    links = [{"article": ids[article.slug], "tag": tag.id} for article, wanted in new for tag in wanted]
    if links:
        ArticleTag.insert_many(links).execute()


def keep_versions_ahead(slugs):
    """`revisions.keep_version_ahead` for each imported article that has a history (few, on a new site)."""
    slugs = set(slugs)
    with_history = Article.select().where(Article.id.in_(Revision.select(Revision.article_id))).order_by(Article.id)
    articles = [article for article in with_history if article.slug in slugs]
    for start in range(0, len(articles), IMPORT_BATCH):
        batch = articles[start : start + IMPORT_BATCH]
        attach_tags(batch)
        for article in batch:
            revisions.keep_version_ahead(article)


def import_revisions(groups):
    """Add the file's revisions: a live article's to the article with its slug, a deleted one's under its id.

    Versions the site has already are left as they are. A deleted article
    whose id the site uses already is left out. Returns how many revisions were added.
    """
    added = 0
    for group in groups:
        if group.get("deleted"):
            article_id = group["id"]
            if Article.select().where(Article.id == article_id).exists():
                continue
        else:
            article = Article.get_or_none(Article.slug == group["slug"])
            if article is None:
                continue
            article_id = article.id
        for version in group["versions"]:
            if revisions.has_revision(article_id, version["version"]):
                continue
            Revision.create(
                article_id=article_id,
                version=version["version"],
                saved_at=datetime.fromisoformat(version["saved_at"]),
                saved_by=version["saved_by"],
                kind=version["kind"],
                changed=version["changed"],
                snapshot=json.dumps(version["snapshot"], ensure_ascii=False),
            )
            added += 1
    return added
