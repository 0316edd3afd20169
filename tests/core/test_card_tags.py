"""An article's tags as its card shows them, kept on its row by triggers (ainews/card_tags.py):
right after every way tags change, and filled by `flask init-db` for older rows."""

import json

from bs4 import BeautifulSoup
from peewee import SqliteDatabase

from ainews import card_tags
from ainews.db import database, write_transaction
from ainews.schema import create_tables
from models import TAGS_SHOWN, Article, ArticleTag, Tag, attach_tags, set_tags


def shown(article_id):
    """The tags shown as kept on the row, and as the links say (attach_tags)."""
    with database().connection_context():
        kept = Article.select(TAGS_SHOWN).where(Article.id == article_id).scalar()
        article = Article.get_by_id(article_id)
        attach_tags([article])
    return json.loads(kept), [[tag.id, tag.slug, tag.name_en, tag.name_zh] for tag in article.tags]


def test_linking_unlinking_renaming_and_deleting_tags_keep_them(app, make_article, make_tag):
    policy, chips = (
        make_tag(slug="policy", name_en="Policy", name_zh="政策"),
        make_tag(slug="chips", name_en="Chips", name_zh="芯片"),
    )
    article = make_article()
    assert shown(article.id) == ([], [])

    with database().connection_context():
        set_tags(article, [policy, chips])
    kept, linked = shown(article.id)
    assert kept == linked and [tag[1] for tag in kept] == ["chips", "policy"]  # by English name

    with database().connection_context(), write_transaction():
        Tag.update(name_en="AI policy", name_zh="人工智能政策").where(Tag.id == policy.id).execute()
    kept, linked = shown(article.id)
    assert kept == linked and kept[0][2:] == ["AI policy", "人工智能政策"]

    robots = make_tag(slug="robots", name_en="Robots", name_zh="机器人")
    with database().connection_context(), write_transaction():
        ArticleTag.update(tag=robots).where(ArticleTag.tag == chips).execute()  # a link moved
        Tag.delete().where(Tag.id == policy.id).execute()  # its links go with it
    assert shown(article.id) == ([[robots.id, "robots", "Robots", "机器人"]],) * 2

    with database().connection_context():
        set_tags(article, [])
    assert shown(article.id) == ([], [])


def test_a_renamed_tag_shows_at_once_on_remembered_cards(client, make_article, make_tag):
    make_article(slug="tagged", tags=[make_tag()])
    assert "Open Source" in client.get("/en/").get_data(as_text=True)
    with database().connection_context(), write_transaction():
        Tag.update(name_en="Open weights").where(Tag.slug == "open-source").execute()
    card = BeautifulSoup(client.get("/en/").get_data(as_text=True), "html.parser").select_one("#card-tagged .tags")
    assert card.get_text(" ", strip=True) == "Open weights"


def test_init_db_adds_and_fills_the_column_for_older_articles(app, make_article, make_tag):
    tags = [make_tag(), make_tag(slug="policy", name_en="Policy", name_zh="政策")]
    ids = [make_article(slug=f"older-{n}", tags=tags[:n]).id for n in range(3)]
    db = database()
    with db.connection_context():
        # As a database from before the column: no column, no triggers.
        if isinstance(db, SqliteDatabase):
            drops = [f"DROP TRIGGER article_tags_shown_{event}" for event in ("insert", "delete", "update", "renamed")]
        else:
            drops = ["DROP TRIGGER article_tags_shown ON articletag", "DROP TRIGGER article_tags_shown_renamed ON tag"]
        for sql in [*drops, f"ALTER TABLE article DROP COLUMN {card_tags.COLUMN}"]:
            db.execute_sql(sql)
    create_tables()  # what `flask init-db` runs
    for article_id, count in zip(ids, range(3), strict=True):
        kept, linked = shown(article_id)
        assert kept == linked and len(kept) == count
