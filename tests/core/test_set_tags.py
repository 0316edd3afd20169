"""Saving an article's tags writes only the links that change: each link written
makes the search index rewrite the article (five rewrites per save with two tags)."""

from models import ArticleTag, set_tags


def links(article):
    return {link.tag_id: link.id for link in ArticleTag.select().where(ArticleTag.article == article)}


def test_unchanged_tags_keep_their_links(db, make_article, make_tag):
    open_source, policy = make_tag(), make_tag(slug="policy", name_en="Policy", name_zh="政策")
    article = make_article(tags=[open_source, policy])
    before = links(article)
    set_tags(article, [policy, open_source])
    assert links(article) == before


def test_only_the_changed_links_are_written(db, make_article, make_tag):
    open_source, policy = make_tag(), make_tag(slug="policy", name_en="Policy", name_zh="政策")
    ethics = make_tag(slug="ethics", name_en="Ethics", name_zh="伦理")
    article = make_article(tags=[open_source, policy])
    kept = links(article)[policy.id]
    set_tags(article, [policy, ethics])
    after = links(article)
    assert set(after) == {policy.id, ethics.id}
    assert after[policy.id] == kept
    set_tags(article, [])
    assert links(article) == {}
