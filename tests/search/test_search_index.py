"""The search index follows every edit, tag change and deletion, and can be installed and rebuilt."""

from ainews import search
from ainews.db import database
from models import Article, ArticleTag, Tag, set_tags
from search_helpers import (  # noqa: F401 # the fixtures are used by name
    ARTICLES,
    add_articles,
    articles_fixture,
    found,
    indexed_ids,
    set_common_share,
    short_terms_fixture,
    slugs,
    use_short_terms,
)


def test_the_index_follows_edits(db, make_article, short_terms):
    article = make_article(slug="edited", title_en="Quantum chips", title_zh="量子芯片")
    assert slugs("quantum") == ["edited"]

    article.title_en, article.title_zh = "Photonic chips", "光子芯片"
    article.save()
    assert (found("quantum"), found("量子")) == (set(), set())
    assert (found("photonic"), found("光子")) == ({"edited"}, {"edited"})

    # Writes that skip the model's save() are followed too.
    Article.update(summary_en="Now about lasers.").where(Article.id == article.id).execute()
    assert found("lasers") == {"edited"}

    Article.update(views=Article.views + 1).where(Article.id == article.id).execute()
    assert found("photonic") == {"edited"}


def test_the_index_follows_tags(db, make_article, make_tag, short_terms):
    tag = make_tag("policy", "Policy", "政策")
    article = make_article(slug="tagged", tags=[tag])
    assert (found("policy"), found("政策")) == ({"tagged"}, {"tagged"})

    Tag.update(name_en="Regulation", name_zh="监管").where(Tag.id == tag.id).execute()
    assert (found("policy"), found("政策")) == (set(), set())
    assert (found("regulation"), found("监管")) == ({"tagged"}, {"tagged"})

    other = make_article(slug="other")
    ArticleTag.update(article=other).where(ArticleTag.tag == tag).execute()
    assert (found("regulation"), found("监管")) == ({"other"}, {"other"})

    set_tags(other, [])
    assert (found("regulation"), found("监管")) == (set(), set())

    set_tags(article, [tag])
    assert found("监管") == {"tagged"}
    tag.delete_instance()
    assert (found("regulation"), found("监管")) == (set(), set())


def test_deleted_articles_leave_the_index(db, make_article, make_tag, short_terms):
    article = make_article(
        slug="gone", title_en="Quantum chips", title_zh="量子芯片", tags=[make_tag("policy", "Policy", "政策")]
    )
    kept = make_article(slug="kept", title_en="Photonic chips")
    article.delete_instance()
    assert (found("quantum"), found("量子"), found("policy")) == (set(), set(), set())
    assert indexed_ids() == {kept.id}
    make_article(slug="new", title_en="Quantum chips")
    assert found("quantum") == {"new"}


def test_install_indexes_the_articles_already_there(articles, monkeypatch):
    set_common_share(monkeypatch, 2)  # short terms through the index too
    database().execute_sql("DROP TABLE article_search")
    search.install(database())
    assert found("regulation") == found("监管") == {"gpu-rules"}
    assert len(indexed_ids()) == len(ARTICLES)


def test_install_is_safe_to_repeat(articles):
    search.install(database())
    search.install(database())
    assert found("监管") == {"gpu-rules"}


def test_reindex_rebuilds_a_wiped_index(articles, monkeypatch):
    set_common_share(monkeypatch, 2)  # short terms through the index too
    database().execute_sql("DELETE FROM article_search")
    assert found("regulation") == found("监管") == set()

    assert search.reindex(database()) == len(ARTICLES)
    assert found("regulation") == found("监管") == {"gpu-rules"}
    assert found("研究") == {"beijing-lab"}
    # and the triggers still write to the rebuilt index
    Article.update(title_en="Chip regulation").where(Article.slug == "beijing-lab").execute()
    assert found("regulation") == {"gpu-rules", "beijing-lab"}
