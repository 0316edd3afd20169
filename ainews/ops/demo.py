"""The demo articles that `make run` starts with (data/demo-articles.json, our own writing)."""

import json
import os
from datetime import timedelta

from ainews.clock import utcnow
from ainews.db import write_transaction
from ainews.rules import article_slug
from models import Article, Tag, set_tags

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_FILE = os.path.join(PROJECT, "data", "demo-articles.json")


def seed_demo(path=DEMO_FILE, now=None):
    """Insert the demo data, skipping slugs already present. Returns the number added."""
    with open(path, encoding="utf-8") as f:
        demo = json.load(f)
    now = now or utcnow()
    added = 0
    with write_transaction():
        tags = {item["slug"]: upsert_tag(item) for item in demo["tags"]}
        for item in demo["articles"]:
            if seed_article(item, tags, now):
                added += 1
    return added


def upsert_tag(item):
    tag, _created = Tag.get_or_create(
        slug=item["slug"], defaults={"name_en": item["name_en"], "name_zh": item["name_zh"]}
    )
    return tag


def hours_before(now, hours):
    return None if hours is None else now - timedelta(hours=hours)


def seed_article(item, tags, now):
    """Create one demo article unless its slug exists. True if created."""
    fields = {
        key: value
        for key, value in item.items()
        if key not in ("tags", "published_hours_ago", "updated_hours_ago", "generated_hours_ago")
    }
    slug = article_slug(fields["title_en"], fields["title_zh"])
    if Article.select().where(Article.slug == slug).exists():
        return False
    published_at = hours_before(now, item["published_hours_ago"])
    article = Article(
        slug=slug,
        **fields,
        published_at=published_at,
        updated_at=hours_before(now, item["updated_hours_ago"]),
        generated_at=hours_before(now, item.get("generated_hours_ago")),
        created_at=published_at or now,
    )
    article.save()
    set_tags(article, [tags[slug] for slug in item["tags"]])
    return True
