"""Deleting an article: the Deleted list, restoring with the same id, purging after the stated time."""

from bs4 import BeautifulSoup

from ainews.db import database
from ainews.rules import DELETED_KEPT
from conftest import csrf_token, form_values
from models import Article, ArticleTag, Revision


def delete(client, article_id):
    url = f"/editor/{article_id}/delete"
    return client.post(url, data={"csrf_token": csrf_token(client, url)})


def restore(client, article_id, **extra):
    return client.post(
        f"/editor/deleted/{article_id}/restore", data={"csrf_token": csrf_token(client, "/editor/deleted"), **extra}
    )


def count(model, *where):
    with database().connection_context():
        return model.select().where(*where).count() if where else model.select().count()


def test_a_deleted_article_leaves_the_site_and_waits_in_the_deleted_list(editor_client, make_article, make_tag):
    article = make_article(title_en="Doomed <b>story</b>", tags=[make_tag()])
    assert delete(editor_client, article.id).status_code == 303
    assert count(Article, Article.id == article.id) == 0
    assert editor_client.get(f"/en/articles/{article.slug}").status_code == 404

    page = BeautifulSoup(editor_client.get("/editor/deleted").get_data(as_text=True), "html.parser")
    row = page.select_one(f"#deleted-{article.id}")
    assert "Doomed <b>story</b>" in row.get_text() and "alice" in row.get_text()
    with database().connection_context():
        last = Revision.select().where(Revision.article_id == article.id).order_by(Revision.version.desc()).get()
    assert (last.kind, last.version) == ("delete", 2)


def test_restoring_brings_it_back_with_its_id_tags_and_text(editor_client, make_article, make_tag):
    article = make_article(title_en="Back again", tags=[make_tag()])
    delete(editor_client, article.id)
    response = restore(editor_client, article.id)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/editor/{article.id}/edit")
    with database().connection_context():
        back = Article.get_by_id(article.id)
        assert [link.tag.slug for link in ArticleTag.select().where(ArticleTag.article == back)] == ["open-source"]
    assert (back.slug, back.title_en, back.version) == (article.slug, "Back again", 3)
    assert "Back again" in editor_client.get(f"/en/articles/{article.slug}").get_data(as_text=True)
    assert f"deleted-{article.id}" not in editor_client.get("/editor/deleted").get_data(as_text=True)
    assert restore(editor_client, article.id).status_code == 404  # not in the list any more


def test_a_taken_address_asks_for_another_and_loses_nothing(editor_client, make_article):
    article = make_article(title_en="First one", slug="same-address")
    delete(editor_client, article.id)
    make_article(title_en="Second one", slug="same-address")

    response = restore(editor_client, article.id)
    assert response.status_code == 409
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Another article uses this address now" in page.get_text()
    assert page.select_one(f"#slug-{article.id}")["value"] == "same-address"
    assert restore(editor_client, article.id, slug="Not A Slug").status_code == 422
    assert restore(editor_client, article.id, slug="same-address-2").status_code == 303
    with database().connection_context():
        assert Article.get_by_id(article.id).slug == "same-address-2"


def test_deleted_articles_are_purged_after_the_stated_time(editor_client, make_article, runner, clock):
    old, recent = make_article(slug="old-one"), make_article(slug="recent-one")
    delete(editor_client, old.id)
    clock.advance(days=DELETED_KEPT.days - 1)
    delete(editor_client, recent.id)
    clock.advance(days=1, seconds=1)

    result = runner.invoke(args=["purge-deleted"])
    assert result.exit_code == 0 and "Purged 1 " in result.output
    assert count(Revision, Revision.article_id == old.id) == 0
    assert count(Revision, Revision.article_id == recent.id) == 2
    clock.advance(days=DELETED_KEPT.days)
    editor_client.get("/editor/deleted")  # the list purges lazily too
    assert count(Revision) == 0


def test_revisions_of_a_live_article_are_kept_whatever_their_age(editor_client, make_article, runner, clock):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    editor_client.post(url, data=dict(form_values(editor_client, url), title_en="Changed"))
    clock.advance(days=DELETED_KEPT.days * 3)
    runner.invoke(args=["purge-deleted"])
    assert count(Revision, Revision.article_id == article.id) == 2


def test_the_history_of_a_restored_article_shows_the_delete_and_the_restore(editor_client, make_article):
    article = make_article()
    delete(editor_client, article.id)
    restore(editor_client, article.id)
    page = BeautifulSoup(editor_client.get(f"/editor/{article.id}/history").get_data(as_text=True), "html.parser")
    assert "Deleted" in page.select_one("#version-2").get_text()
    assert "Restored" in page.select_one("#version-3").get_text()
