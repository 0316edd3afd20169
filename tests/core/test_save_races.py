"""Saves that race: two editors saving at the same moment, each on a connection of its own.

Each save runs in a thread of its own; a barrier lets both go at once,
after each has loaded what it saves from. The outcome must not depend on
which one the database lets through first.
"""

import threading

import pytest

from ainews.articles import EditConflict, find_or_make_tags, parse_tags, save_article
from ainews.db import database
from ainews.rules import TEXT_COLUMNS
from conftest import form_values, sign_in
from models import Article, ArticleTag, Tag

TIMEOUT = 30  # seconds: only reached if a save hangs


def race(*prepares):
    """Run each `prepare` in a thread of its own, on a connection of its own.

    `prepare()` loads what it needs and returns the step to race; the steps
    all start together. Returns each step's outcome: ("saved", result),
    ("conflict", EditConflict) or ("error", exception).
    """
    barrier = threading.Barrier(len(prepares), timeout=TIMEOUT)
    outcomes = [None] * len(prepares)

    def run(index, prepare):
        try:
            with database().connection_context():
                step = prepare()
                barrier.wait()
                outcomes[index] = ("saved", step())
        except EditConflict as conflict:
            outcomes[index] = ("conflict", conflict)
        except Exception as error:  # reported by the test, not lost in the thread
            outcomes[index] = ("error", error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(index, prepare)) for index, prepare in enumerate(prepares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a save never finished"
    return outcomes


def stored(article_id):
    with database().connection_context():
        article = Article.get_by_id(article_id)
        article.tag_slugs = sorted(link.tag.slug for link in ArticleTag.select().where(ArticleTag.article == article))
        return article


def edit_from_loaded(article_id, title, tags_text=""):
    """An editor who loads the article, then saves a new title from the version loaded."""

    def prepare():
        loaded = Article.get_by_id(article_id)
        tags = find_or_make_tags(parse_tags(tags_text))
        values = {column: getattr(loaded, column) for column in TEXT_COLUMNS}
        values.update(title_en=title, summary_en=f"Summary by {title}", status="published")
        return lambda: save_article(loaded, values, tags, expected_version=loaded.version)

    return prepare


def test_of_two_saves_from_the_same_version_exactly_one_is_stored(app, make_article):
    article = make_article()
    acknowledged = []
    for round_ in range(10):
        before = stored(article.id)
        titles = [f"Alice's title {round_}", f"Bob's title {round_}"]

        outcomes = race(*(edit_from_loaded(article.id, title) for title in titles))

        assert sorted(kind for kind, _ in outcomes) == ["conflict", "saved"], outcomes
        winner = titles[[kind for kind, _ in outcomes].index("saved")]
        acknowledged.append(winner)
        [conflict] = [value for kind, value in outcomes if kind == "conflict"]
        after = stored(article.id)
        # The loser is shown the winner's save, and the winner's text is what is stored.
        assert (conflict.current.version, conflict.current.title_en) == (after.version, winner)
        assert (after.title_en, after.summary_en) == (winner, f"Summary by {winner}")
        assert after.version == before.version + 1
    assert stored(article.id).version == article.version + len(acknowledged)


@pytest.mark.parametrize("existing", [True, False], ids=["editing", "creating"])
def test_two_saves_making_the_same_new_tag_share_one_tag(app, make_article, existing):
    tags_text = "Quantum computing|量子计算, Open Source|开源"
    if existing:
        ids = [make_article(slug=f"story-{n}", title_en=f"Story {n}").id for n in range(2)]
        prepares = [edit_from_loaded(article_id, f"Story {n} with tags", tags_text) for n, article_id in enumerate(ids)]
    else:

        def create(n):
            def prepare():
                tags = find_or_make_tags(parse_tags(tags_text))
                assert [tag.id for tag in tags] == [None, None]  # new to both saves
                values = {column: "" for column in TEXT_COLUMNS}
                values.update(title_en=f"New story {n}", status="published")
                return lambda: save_article(Article(), values, tags)

            return prepare

        prepares = [create(n) for n in range(2)]

    outcomes = race(*prepares)

    assert [kind for kind, _ in outcomes] == ["saved", "saved"], outcomes
    with database().connection_context():
        tags = list(Tag.select().order_by(Tag.slug))
        assert [(t.slug, t.name_en, t.name_zh) for t in tags] == [
            ("open-source", "Open Source", "开源"),
            ("quantum-computing", "Quantum computing", "量子计算"),
        ]
    for _, saved in outcomes:
        assert sorted(tag.id for tag in saved.tags) == sorted(tag.id for tag in tags)
        assert stored(saved.id).tag_slugs == ["open-source", "quantum-computing"]


# Through the editors' form -------------------------------------------------------------


def test_two_editors_saving_the_same_form_at_once_get_one_303_and_one_409(app, make_editor, make_article):
    article = make_article()
    url = f"/editor/{article.id}/edit"
    posts = {}
    for name in ("alice", "bob"):
        make_editor(name)
        client = app.test_client()
        assert sign_in(client, name).status_code == 303
        data = dict(form_values(client, url), title_en=f"Title by {name}")
        posts[name] = (client, data)
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    statuses = {}

    def save(name):
        client, data = posts[name]
        barrier.wait()
        response = client.post(url, data=data)
        statuses[name] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=save, args=(name,)) for name in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(status for status, _ in statuses.values()) == [303, 409], statuses
    [winner] = [name for name, (status, _) in statuses.items() if status == 303]
    [loser] = [name for name, (status, _) in statuses.items() if status == 409]
    assert f"Title by {winner}" in statuses[loser][1]  # the conflict shows the stored text…
    assert f"Title by {loser}" in statuses[loser][1]  # …beside the text not saved, kept in the form
    assert stored(article.id).title_en == f"Title by {winner}"
    assert stored(article.id).version == article.version + 1


def test_two_saves_from_the_same_version_on_different_fields_both_land(app, make_article):
    article = make_article()
    with database().connection_context():
        loaded = Article.get_by_id(article.id)
        values = {column: getattr(loaded, column) for column in TEXT_COLUMNS}
        save_article(loaded, dict(values, status="published"), [], expected_version=1)  # version 2 is kept

    def edit(column, text):
        def prepare():
            loaded = Article.get_by_id(article.id)
            values = {column: getattr(loaded, column) for column in TEXT_COLUMNS}
            values.update({column: text, "status": "published"})
            return lambda: save_article(loaded, values, [], expected_version=loaded.version)

        return prepare

    for round_ in range(5):
        before = stored(article.id)
        outcomes = race(edit("title_en", f"Title {round_}"), edit("summary_zh", f"摘要 {round_}"))
        assert [kind for kind, _ in outcomes] == ["saved", "saved"], outcomes
        after = stored(article.id)
        assert (after.title_en, after.summary_zh, after.version) == (
            f"Title {round_}",
            f"摘要 {round_}",
            before.version + 2,
        )
