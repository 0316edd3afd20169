"""What a list's cards tell of the texts without reading the analyses: reading
times and the languages analysed, stored at every write (ainews.reading.text_facts)."""

import json

from bs4 import BeautifulSoup

from ainews.db import database
from ainews.reading import TEXT_FACTS, text_facts
from ainews.schema import create_tables, work_out_text_facts
from conftest import csrf_token, form_values
from models import FEED_PAGES, Article

LONG_EN, LONG_ZH = "word " * 500, "字" * 1000  # 3 minutes each


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def facts(slug):
    """The facts stored for the article, and those its stored texts give."""
    with database().connection_context():
        article = Article.get(Article.slug == slug)
    return {name: getattr(article, name) for name in TEXT_FACTS}, text_facts(article)


def card_times(client, slug):
    card = soup(client.get("/en/?view=both")).select_one(f"#card-{slug}")
    return [span.get_text() for span in card.select(".reading-time > span")], bool(card.select_one(".read-more"))


def test_lists_do_not_read_the_analyses(app):
    for query in FEED_PAGES.values():
        sql = query.prepare()[0]
        assert "analysis" not in sql and '"reading_zh"' in sql and '"analysed"' in sql


def test_a_card_tells_of_analyses_it_did_not_read(client, make_article):
    # Chinese only in its analysis: the bilingual card still times the Chinese text.
    make_article(slug="long", title_zh="", summary_zh="", analysis_en=LONG_EN, analysis_zh=LONG_ZH)
    make_article(slug="short", analysis_en="", analysis_zh="")

    assert card_times(client, "long") == (["3 min read", "阅读约 3 分钟"], True)
    assert card_times(client, "short") == (["1 min read", "阅读约 1 分钟"], False)
    assert facts("long")[0] == {"reading_en": 3, "reading_zh": 3, "analysed": "en zh"}


def test_an_editors_save_works_them_out_again(editor_client, make_article):
    article = make_article(slug="growing", analysis_en="", analysis_zh="")
    assert card_times(editor_client, "growing") == (["1 min read", "阅读约 1 分钟"], False)
    url = f"/editor/{article.id}/edit"
    data = dict(form_values(editor_client, url), analysis_en=LONG_EN, csrf_token=csrf_token(editor_client, url))

    assert editor_client.post(url, data=data).status_code == 303
    stored, worked_out = facts("growing")
    assert stored == worked_out == {"reading_en": 3, "reading_zh": 1, "analysed": "en"}
    assert card_times(editor_client, "growing") == (["3 min read", "阅读约 1 分钟"], True)


def test_an_import_works_them_out_for_new_and_updated_articles(client, make_article, runner, tmp_path):
    make_article(slug="kept", analysis_en="", analysis_zh="")
    path = tmp_path / "export.json"
    assert runner.invoke(args=["export", str(path)]).exit_code == 0
    data = json.loads(path.read_text())
    (record,) = data["articles"]
    data["articles"] = [dict(record, analysis_zh=LONG_ZH), dict(record, slug="added", analysis_en=LONG_EN)]
    path.write_text(json.dumps(data))

    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    for slug, expected in (("kept", (1, 3, "zh")), ("added", (3, 1, "en"))):
        stored, worked_out = facts(slug)
        assert stored == worked_out == dict(zip(TEXT_FACTS, expected, strict=True))


def test_a_restored_article_gets_them_again(editor_client, make_article):
    article = make_article(slug="back", analysis_zh=LONG_ZH)
    url = f"/editor/{article.id}/delete"
    assert editor_client.post(url, data={"csrf_token": csrf_token(editor_client, url)}).status_code == 303
    restore = f"/editor/deleted/{article.id}/restore"
    assert (
        editor_client.post(restore, data={"csrf_token": csrf_token(editor_client, "/editor/deleted")}).status_code
        == 303
    )

    stored, worked_out = facts("back")
    assert stored == worked_out and stored["reading_zh"] == 3


def test_init_db_works_them_out_for_older_articles(app, make_article):
    for n in range(5):
        make_article(slug=f"older-{n}", analysis_en=LONG_EN if n % 2 else "")
    with database().connection_context():
        # As an article stored before these columns was: nothing worked out yet.
        Article.update(reading_en=None, reading_zh=None, analysed="").execute()
        work_out_text_facts(database(), batch=2)  # several batches
        assert Article.select().where(Article.reading_en.is_null()).count() == 0
        Article.update(reading_en=None, analysed="").where(Article.slug == "older-1").execute()
    create_tables()  # what `flask init-db` runs

    for n in range(5):
        stored, worked_out = facts(f"older-{n}")
        assert stored == worked_out and stored["analysed"] == ("en zh" if n % 2 else "zh")
