"""Writing articles: batched import, the index caught up once at the end, rows left alone when unchanged."""

import json

import pytest

from ainews import search
from ainews.articles import save_article
from ainews.db import database, write_transaction
from ainews.ops import transfer
from ainews.rules import ARTICLE_FIELDS
from ainews.search import postgres_index
from conftest import ON_POSTGRES
from models import Article, ArticleTag, attach_tags
from search_helpers import found, short_terms_fixture, use_short_terms  # noqa: F401 # the fixture is used by name

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: its search triggers can be deferred")


def export(count, tags=("open-source",)):
    """An export file's data: `count` new articles, each naming a word of its own."""
    return {
        "format": transfer.FORMAT,
        "tags": [{"slug": "open-source", "name_en": "Open Source", "name_zh": "开源"}],
        "articles": [
            {
                "slug": f"bulk-{n}",
                "title_en": f"Bulk article zebra{n}x",
                "title_zh": f"批量文章{n}",
                "status": "published",
                "published_at": "2026-01-01T00:00:00Z",
                "tags": list(tags) if n % 2 else [],
            }
            for n in range(count)
        ],
    }


def test_an_import_in_batches_writes_every_article_and_link(db, monkeypatch, short_terms):
    monkeypatch.setattr(transfer, "IMPORT_BATCH", 3)
    counts = transfer.import_data(export(7))
    assert counts["articles created"] == 7
    assert sorted(a.slug for a in Article.select()) == sorted(f"bulk-{n}" for n in range(7))
    tagged = {link.article.slug for link in ArticleTag.select().join(Article)}
    assert tagged == {f"bulk-{n}" for n in (1, 3, 5)}
    # The search index followed, text and tags alike.
    assert found("zebra6x") == {"bulk-6"}
    assert found("开源") == {"bulk-1", "bulk-3", "bulk-5"}
    assert found("批量") == {f"bulk-{n}" for n in range(7)}


def test_an_import_into_a_site_with_articles_updates_and_creates(db, monkeypatch, short_terms):
    monkeypatch.setattr(transfer, "IMPORT_BATCH", 2)
    transfer.import_data(export(3))
    data = export(5)
    data["articles"][0]["title_en"] = "Changed title walrus"
    counts = transfer.import_data(data)
    assert (counts["articles updated"], counts["articles created"]) == (3, 2)
    assert Article.get(Article.slug == "bulk-0").title_en == "Changed title walrus"
    assert found("walrus") == {"bulk-0"}
    assert found("zebra0x") == set()


def test_a_failed_import_writes_nothing(db, tmp_path):
    data = export(4)
    data["articles"].append(dict(data["articles"][0]))  # a slug twice
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(transfer.ImportRefused):
        transfer.import_data(transfer.read_file(path))
    assert Article.select().count() == 0


def search_row(article_id):
    """The article's index row: its text, and the transaction that last wrote it."""
    return (
        database()
        .execute_sql("SELECT doc, xmin::text FROM article_search WHERE article_id = %s", (article_id,))
        .fetchone()
    )


@postgres_only
def test_deferred_leaves_the_index_alone_until_the_block_ends(db):
    transfer.import_data(export(1))
    (article,) = Article.select()
    with write_transaction():
        with search.deferred():
            Article.update(title_en="Deferred narwhal").where(Article.id == article.id).execute()
            assert "narwhal" not in search_row(article.id)[0]
        assert "narwhal" in search_row(article.id)[0]
    assert found("narwhal") == {"bulk-0"}


@postgres_only
def test_a_row_whose_text_did_not_change_is_not_rewritten(db):
    transfer.import_data(export(1))
    (article,) = Article.select()
    before = search_row(article.id)
    database().execute_sql("SELECT article_search_refresh(ARRAY[%s])", (article.id,))
    Article.update(views=5, hot=90).where(Article.id == article.id).execute()
    assert search_row(article.id) == before
    Article.update(summary_en="Now with a summary").where(Article.id == article.id).execute()
    assert search_row(article.id)[1] != before[1]


@postgres_only
def test_an_index_made_with_generated_pieces_is_converted_and_kept(db, monkeypatch):
    transfer.import_data(export(2))
    with write_transaction():
        db.execute_sql("DROP TABLE article_search")
        db.execute_sql(
            """CREATE TABLE article_search (
                article_id integer PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE,
                doc text NOT NULL,
                grams text[] GENERATED ALWAYS AS (article_search_grams(doc)) STORED)"""
        )
        db.execute_sql("INSERT INTO article_search (article_id, doc) SELECT id, lower(title_zh) FROM article")
    search.install(db)
    generated = db.execute_sql(
        "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'article_search'::regclass AND attname = 'grams'"
    ).fetchone()[0]
    assert generated == ""
    use_short_terms("rare", monkeypatch)  # found through the pieces
    assert found("批量") == {"bulk-0", "bulk-1"}  # the pieces computed before were kept


def index_options():
    rows = database().execute_sql(
        "SELECT relname, reloptions FROM pg_class WHERE relname = ANY (%s) ORDER BY relname",
        (list(postgres_index.INDEXES),),
    )
    return dict(rows.fetchall())


@postgres_only
def test_the_pending_lists_stay_bounded_after_a_bulk_import(db):
    bounded = ["fastupdate=on", f"gin_pending_list_limit={postgres_index.PENDING_KB}"]
    assert index_options() == dict.fromkeys(postgres_index.INDEXES, bounded)
    transfer.import_data(export(3))
    assert index_options() == dict.fromkeys(postgres_index.INDEXES, bounded)


@postgres_only
def test_documents_are_kept_in_their_rows_as_they_are(db, make_article):
    words = "model open source training chips policy agents benchmark".split()
    analysis = " ".join(words[n * 7 % len(words)] + str(n % 50) for n in range(700))  # 4-5 kB, compressible
    article = make_article(analysis_en=analysis)
    compression, length = db.execute_sql(
        "SELECT pg_column_compression(doc), octet_length(doc) FROM article_search WHERE article_id = %s",
        (article.id,),
    ).fetchone()
    toast = db.execute_sql("SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'article_search'").fetchone()
    chunks = db.execute_sql(f"SELECT count(*) FROM {toast[0]}").fetchone()[0]  # nosec B608 # a name from the catalog
    assert length > 4000 and compression is None and chunks == 0  # in the row, not compressed, no TOAST


def index_writes():
    """Rows this transaction has written to the index so far."""
    return (
        database()
        .execute_sql("SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'article_search'")
        .fetchone()[0]
    )


@postgres_only
def test_a_save_indexes_its_article_once_tags_and_text_together(db, make_article, make_tag):
    article = make_article(slug="saved", title_en="Quantum chips", tags=[make_tag("policy", "Policy", "政策")])
    attach_tags([article])
    values = {name: getattr(article, name) for name in ARTICLE_FIELDS if name != "tags"}
    values["title_en"] = "Photonic chips"
    tags = [make_tag("lasers", "Lasers", "激光"), make_tag("optics", "Optics", "光学")]
    with write_transaction():
        before = index_writes()
        save_article(article, values, tags, expected_version=article.version)
        assert index_writes() - before == 1  # not once more for each of the three links changed
    assert (found("photonic"), found("lasers"), found("光学")) == ({"saved"}, {"saved"}, {"saved"})
    assert (found("quantum"), found("policy")) == (set(), set())


@postgres_only
def test_a_deferred_block_inside_another_leaves_the_indexing_to_it(db):
    transfer.import_data(export(2))
    first, second = Article.select().order_by(Article.slug)
    with write_transaction(), search.deferred():
        with search.deferred({first.id}):
            Article.update(title_en="Inner narwhal").where(Article.id == first.id).execute()
        assert "narwhal" not in search_row(first.id)[0]
        Article.update(title_en="Outer walrus").where(Article.id == second.id).execute()
        assert "walrus" not in search_row(second.id)[0]  # still deferred
    assert (found("narwhal"), found("walrus")) == ({"bulk-0"}, {"bulk-1"})


@postgres_only
def test_init_db_gives_back_the_first_words_pieces_that_older_code_left_out(db, monkeypatch):
    transfer.import_data(export(1))  # its text starts "bulk article …", no other word with "b"
    use_short_terms("rare", monkeypatch)  # found through the pieces
    assert found("bu") == {"bulk-0"}
    db.execute_sql("UPDATE article_search SET grams = array_remove(array_remove(grams, 'b'), 'bu')")
    assert found("bu") == set()
    search.install(db)  # as `flask init-db` does
    assert found("bu") == found("b") == {"bulk-0"}
