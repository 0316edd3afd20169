"""What the search tests share: the backend under test, ways to ask it, and five articles to search."""

from datetime import timedelta

import pytest

from ainews import search
from ainews.clock import utcnow
from ainews.db import database
from conftest import ON_POSTGRES

HOURS = timedelta(hours=1)


def backend():
    """The search backend of the database under test."""
    return search.backend(database())


def set_common_share(monkeypatch, share):
    """Make every term common (0) or none (2), in the search of the database under test."""
    monkeypatch.setattr(backend(), "COMMON_SHARE", share)


def use_short_terms(way, monkeypatch):
    """Look short terms up through the index ("rare") or by reading the articles ("common")."""
    set_common_share(monkeypatch, 2 if way == "rare" else 0)
    return way


def slugs(query, **options):
    articles, _total, _partial = search.search(query, **options)
    return [article.slug for article in articles]


def found(query):
    return set(slugs(query))


def indexed_ids():
    """The article ids in the index itself, for what search() would hide."""
    column = "article_id" if ON_POSTGRES else "rowid"
    return {row[0] for row in database().execute_sql(f"SELECT {column} FROM article_search")}


# Five articles whose words are easy to tell apart. Watch out for substrings
# when editing: "ai" is in "said", "or" in "for".
ARTICLES = [
    dict(
        slug="open-models",
        published_at=-5,
        tags=["open-source"],
        title_en="Open models reach the classroom",
        title_zh="开源模型走进课堂",
        summary_en="Schools try small open source models on their own computers.",
        summary_zh="学校在自己的电脑上试用小型开源模型。",
        analysis_en="Teachers like that nothing leaves the building.",
        analysis_zh="老师们喜欢数据不出校门。",
    ),
    dict(
        slug="gpu-rules",
        published_at=-4,
        tags=["policy"],
        title_en="GPU export regulation tightens",
        title_zh="GPU出口监管收紧",
        summary_en="Lawmakers want AI chips tracked.",
        summary_zh="立法者希望追踪AI芯片。",
        analysis_en="Vendors say the rules leave open questions.",
        analysis_zh="厂商说规则含糊。",
    ),
    dict(
        slug="ethics-panel",
        published_at=-3,
        tags=[],
        title_en="A panel meets in Geneva",
        title_zh="一个小组在日内瓦开会",
        summary_en="Experts talk for two days (a 2:1 vote).",
        summary_zh="专家们讨论了两天。",
        analysis_en="The panel wrote guidance on machine ethics and source disclosure. Open questions are left.",
        analysis_zh="小组撰写了关于机器伦理的指南。",
    ),
    dict(
        slug="beijing-lab",
        published_at=-2,
        tags=["research"],
        title_en="A large model from a Beijing lab",
        title_zh="北京实验室发布大模型",
        summary_en="It learns from public text.",
        summary_zh="它用公开数据训练。",
        analysis_en="Few facts so far.",
        analysis_zh="细节不多。",
    ),
    dict(
        slug="festival-robots",
        published_at=-1,
        tags=["robotics"],
        title_en="Robots at the mid-autumn festival",
        title_zh="中秋庙会上的机器人",
        summary_en="Children meet the machines.",
        summary_zh="孩子们见到了机器。",
        analysis_en="Crowds liked the dancing ones.",
        analysis_zh="人们喜欢会跳舞的那些。",
    ),
    dict(
        slug="open-tools",
        published_at=-6,
        tags=[],
        title_en="Open tools for AI teams",
        title_zh="面向AI团队的开源工具",
        summary_en="Launch day 🚀 for the tools.",
        summary_zh="工具发布日。",
        analysis_en="Most are small.",
        analysis_zh="大多很小。",
    ),
]
TAGS = [
    ("open-source", "Open Source", "开源"),
    ("policy", "Policy", "政策"),
    ("research", "Research", "研究"),
    ("robotics", "Robotics", "机器人"),
]


def add_articles(make_article, make_tag):
    """The five ARTICLES, with their TAGS, published hours apart up to now."""
    tags = {slug: make_tag(slug, en, zh) for slug, en, zh in TAGS}
    now = utcnow()
    for fields in ARTICLES:
        fields = dict(fields)
        make_article(
            tags=[tags[slug] for slug in fields.pop("tags")],
            published_at=now + fields.pop("published_at") * HOURS,
            **fields,
        )


# Fixtures the search test modules share: each imports them by these names
# (pytest knows them by the names given here).


@pytest.fixture(name="short_terms", params=["rare", "common"])
def short_terms_fixture(request, monkeypatch):
    """Run a test both ways a one- or two-character term can be looked up:
    through the index ("rare") and by reading the articles ("common").
    (On PostgreSQL, longer terms too.)"""
    return use_short_terms(request.param, monkeypatch)


@pytest.fixture(name="articles")
def articles_fixture(db, make_article, make_tag):
    add_articles(make_article, make_tag)
