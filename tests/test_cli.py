"""The Flask CLI commands."""
import json

from commands import DEMO_FILE
from models import Article, Tag, database


def counts():
    with database().connection_context():
        return (
            Article.select().count(),
            Article.select().where(Article.status == "draft").count(),
            Tag.select().count(),
        )


def test_init_db_is_safe_to_repeat(runner):
    assert "Database ready" in runner.invoke(args=["init-db"]).output
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_seed_demo_adds_the_demo_once(runner):
    with open(DEMO_FILE, encoding="utf-8") as f:
        demo = json.load(f)

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert f"Added {len(demo['articles'])} demo articles." in first.output
    assert "Added 0 demo articles." in second.output
    total, drafts, tags = counts()
    assert total == len(demo["articles"]) >= 12
    assert drafts >= 2
    assert tags == len(demo["tags"])


def test_seed_demo_if_empty_leaves_existing_data_alone(runner, make_article):
    make_article()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not added" in result.output
    assert counts()[0] == 1


def test_demo_articles_render_in_both_languages(runner, client):
    runner.invoke(args=["seed-demo"])
    for lang in ("en", "zh"):
        for view in ("one", "both"):
            response = client.get(f"/{lang}/?view={view}")
            assert response.status_code == 200
            assert response.get_data(as_text=True).count('class="card"') >= 10
