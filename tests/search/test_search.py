"""Search: terms in both languages, odd input, ranking, and an index that follows every edit."""

import string
import unicodedata
from datetime import timedelta

import pytest
from markupsafe import Markup

from ainews import search
from ainews.clock import utcnow
from ainews.db import database
from ainews.search import query as search_query
from conftest import ON_POSTGRES
from models import Article, ArticleTag, Tag, set_tags


@pytest.fixture(params=["rare", "common"])
def short_terms(request, monkeypatch):
    """Run a test both ways a one- or two-character term can be looked up:
    through the index ("rare") and by reading the articles ("common").
    (On PostgreSQL, longer terms too.)"""
    set_common_share(monkeypatch, 2 if request.param == "rare" else 0)
    return request.param


def backend():
    """The search backend of the database under test."""
    return search.backend(database())


def set_common_share(monkeypatch, share):
    """Make every term common (0) or none (2), in the search of the database under test."""
    monkeypatch.setattr(backend(), "COMMON_SHARE", share)


def slugs(query, **options):
    articles, _total = search.search(query, **options)
    return [article.slug for article in articles]


def found(query):
    return set(slugs(query))


HOURS = timedelta(hours=1)

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


@pytest.fixture
def articles(db, make_article, make_tag):
    tags = {slug: make_tag(slug, en, zh) for slug, en, zh in TAGS}
    now = utcnow()
    for fields in ARTICLES:
        fields = dict(fields)
        make_article(
            tags=[tags[slug] for slug in fields.pop("tags")],
            published_at=now + fields.pop("published_at") * HOURS,
            **fields,
        )


def indexed_ids():
    """The article ids in the index itself, for what search() would hide."""
    column = "article_id" if ON_POSTGRES else "rowid"
    return {row[0] for row in database().execute_sql(f"SELECT {column} FROM article_search")}


# The oracle: what search should find, defined here from the rules the search
# page states, without the code under test, in slow and obvious steps.

QUOTES = '"“”'
LIST_PUNCTUATION = ",，、;；/|"
ASCII_WORD_CHARACTERS = string.ascii_lowercase + string.digits


def oracle_terms(query):
    """The terms of a query.

    Only the first 200 characters count. Line breaks, list punctuation and a
    hyphen between two word characters separate terms, as spaces do. Text
    between two quotes is one term; anything else runs to the next space.
    A term is lowercased, its inner spaces collapsed and the punctuation at
    its ends dropped ('#' is kept, for C#); a term with no letter, digit or
    symbol such as an emoji is no term. Repeats count once; at most 8 terms.
    """
    chars = list(query[:200])
    for i, char in enumerate(chars):
        between_words = 0 < i < len(chars) - 1 and is_word_char(chars[i - 1]) and is_word_char(chars[i + 1])
        if (
            unicodedata.category(char) in ("Cc", "Zl", "Zp")
            or char in LIST_PUNCTUATION
            or char == "-"
            and between_words
        ):
            chars[i] = " "
    text = "".join(chars)

    pieces, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        closing = next((j for j in range(i + 1, len(text)) if text[j] in QUOTES), None)
        if text[i] in QUOTES and closing is not None:
            pieces.append(text[i + 1 : closing])
            i = closing + 1
            continue
        end = i
        while end < len(text) and not text[end].isspace():
            end += 1
        pieces.append(text[i:end])
        i = end

    terms = []
    for piece in pieces:
        term = " ".join(piece.lower().split())
        while term and is_end_punctuation(term[0]):
            term = term[1:]
        while term and is_end_punctuation(term[-1]):
            term = term[:-1]
        meaningful = any(unicodedata.category(char)[0] in "LN" or unicodedata.category(char) == "So" for char in term)
        if meaningful and term not in terms:
            terms.append(term)
    return terms[:8]


def is_word_char(char):
    return char.isalnum() or char == "_"


def is_end_punctuation(char):
    category = unicodedata.category(char)
    return (category.startswith("P") and char != "#") or category == "Sk"


def oracle_has(text, term):
    """A term of one or two ASCII letters or digits matches only where a word starts ("ai" not in "said");
    any other term, anywhere."""
    if len(term) <= 2 and term[0] in ASCII_WORD_CHARACTERS:
        return any(
            text.startswith(term, i) and (i == 0 or text[i - 1] not in ASCII_WORD_CHARACTERS) for i in range(len(text))
        )
    return term in text


def oracle(query):
    """The published articles whose titles, summaries, analyses and tag names, in either language, have every term."""
    terms = oracle_terms(query)
    now = utcnow()
    matches = set()
    for article in Article.select():
        if article.status != "published" or article.published_at > now:
            continue
        texts = [article.title_en, article.title_zh, article.summary_en, article.summary_zh]
        texts += [article.analysis_en, article.analysis_zh]
        texts += [name for link in article.article_tags for name in (link.tag.name_en, link.tag.name_zh)]
        text = "\n".join(texts).lower()
        if terms and all(oracle_has(text, term) for term in terms):
            matches.add(article.slug)
    return matches


@pytest.mark.parametrize(
    "query, expected",
    [
        # Chinese words of one to four characters
        ("中", {"festival-robots"}),
        ("开源", {"open-models", "open-tools"}),
        ("监管", {"gpu-rules"}),
        ("大模型", {"beijing-lab"}),
        ("开源模型", {"open-models"}),
        # English words of two to ten letters, in any case
        ("AI", {"gpu-rules", "open-tools"}),
        ("ai", {"gpu-rules", "open-tools"}),
        ("GPU", {"gpu-rules"}),
        ("gpu", {"gpu-rules"}),
        ("open", {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),
        ("OPEN", {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),
        ("regulation", {"gpu-rules"}),
        # every term must match, whatever its length
        ("开源 AI", {"open-tools"}),
        ("open 监管", {"gpu-rules"}),
        ("open source", {"open-models", "ethics-panel"}),
        ('"open source"', {"open-models"}),
        ("“开源 模型”", set()),
        # only in tag names, in either language
        ("Policy", {"gpu-rules"}),
        ("政策", {"gpu-rules"}),
        ("research", {"beijing-lab"}),
        ("研究", {"beijing-lab"}),
        # only in analyses
        ("ethics", {"ethics-panel"}),
        ("伦理", {"ethics-panel"}),
        ("guidance 伦理", {"ethics-panel"}),
        ("nowhere", set()),
        ("无", set()),
        # Short English terms match at word starts ("ai" not in "said"); longer ones anywhere
        ("ai", {"gpu-rules", "open-tools"}),
        ("ay", set()),  # "say", "day" and "today" hold it, but no word starts with it
        ("ools", {"open-models", "open-tools"}),  # "Schools", "tools"
        # list punctuation and hyphens separate words, as spaces do
        ("开源，AI", {"open-tools"}),
        ("开源、监管", set()),
        ("open-source", {"open-models", "ethics-panel"}),
        ("gpu,regulation", {"gpu-rules"}),
    ],
)
def test_terms_are_found_in_every_field_and_language(articles, short_terms, query, expected):
    assert found(query) == expected
    assert found(query) == oracle(query)
    assert search.parse_query(query) == oracle_terms(query)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("*", set()),
        ("-", set()),
        ('"', set()),
        ('""', set()),
        ("(", set()),
        ("NEAR(", set()),
        ("NEAR(open, source)", set()),
        ("open*", {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),
        ("-open", {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),
        ("^open", {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),
        ("title:open", set()),
        ("2:1", {"ethics-panel"}),
        ("a:b", set()),
        ("open AND regulation", set()),
        ("open OR regulation", set()),  # "or" is a word of its own, and no word here starts with it
        ("NOT regulation", set()),
        ("'; DROP TABLE article; --", set()),
        ("🚀", {"open-tools"}),
        ("🚀 开源", {"open-tools"}),
        ("open " * 100, {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),
        ("x" * 500, set()),
        ('"unclosed open', set()),
        ("%", set()),
        ("_", set()),
        ("a%b_c\\", set()),
    ],
)
def test_operators_and_injection_are_plain_text(articles, short_terms, query, expected):
    assert found(query) == expected
    assert found(query) == oracle(query)
    assert search.parse_query(query) == oracle_terms(query)
    assert Article.select().count() == len(ARTICLES)


@pytest.mark.parametrize(
    "query, terms",
    [
        ("open source", ["open", "source"]),
        ('"Open  Source" AI', ["open source", "ai"]),
        ("“开源 模型” 中", ["开源 模型", "中"]),
        ("AI, (open) GPU!", ["ai", "open", "gpu"]),
        ("C# C++ -x ^y", ["c#", "c++", "x", "y"]),
        ("open OPEN Open", ["open"]),
        ("* - ( ) \" ' ; -- ^", []),
        ("NEAR(a b)", ["near(a", "b"]),
        ("a\x00b\nc", ["a", "b", "c"]),
        ("🚀", ["🚀"]),
        ("   ", []),
        ("", []),
        (" ".join(f"w{n}" for n in range(20)), [f"w{n}" for n in range(search_query.MAX_TERMS)]),
    ],
)
def test_parse_query(query, terms):
    assert search.parse_query(query) == terms
    assert oracle_terms(query) == terms  # the oracle itself, checked by hand-worked examples


def test_long_queries_are_cut(app):
    assert search.parse_query("x" * 500) == ["x" * search_query.MAX_QUERY_LENGTH]


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "* ( -"])
def test_an_empty_query_asks_nothing(app, count_queries, query):
    assert search.search(query) == ([], 0)
    assert count_queries == []


def test_drafts_and_scheduled_articles_are_never_found(db, make_article, short_terms):
    make_article(slug="live", title_en="Quantum chips 量子")
    make_article(slug="draft", title_en="Quantum chips 量子", status="draft", published_at=None)
    make_article(slug="soon", title_en="Quantum chips 量子", published_at=utcnow() + HOURS)
    for query in ("quantum", "量子", "quantum 量子"):
        assert slugs(query) == ["live"]
        assert search.search(query)[1] == 1

    # Publishing changes no text, and the draft is found at once.
    Article.update(status="published", published_at=utcnow()).where(Article.slug == "draft").execute()
    assert found("量子") == {"live", "draft"}


def test_a_title_match_ranks_above_an_analysis_match(db, make_article, short_terms):
    now = utcnow()
    make_article(slug="in-title", title_en="Quantum chips", title_zh="量子芯片", published_at=now - 3 * HOURS)
    make_article(
        slug="in-analysis",
        title_en="Chips",
        title_zh="芯片",
        analysis_en="Maybe quantum.",
        analysis_zh="也许是量子。",
        published_at=now - HOURS,
    )
    assert slugs("quantum") == ["in-title", "in-analysis"]
    assert slugs("量子") == ["in-title", "in-analysis"]


def test_equal_matches_come_newest_first(db, make_article, short_terms):
    now = utcnow()
    for hours, slug in [(3, "old"), (1, "new"), (2, "middle")]:
        make_article(slug=slug, title_en="Quantum chips", title_zh="量子芯片", published_at=now - hours * HOURS)
    assert slugs("quantum") == ["new", "middle", "old"]
    assert slugs("量子") == ["new", "middle", "old"]


def test_pages_of_results_do_not_overlap(db, make_article, short_terms):
    now = utcnow()
    for n in range(25):
        make_article(slug=f"agent-{n}", title_en=f"Agents {n}", title_zh=f"智能体 {n}", published_at=now - n * HOURS)
    for query in ("agents", "智能"):
        pages = [search.search(query, limit=10, offset=offset) for offset in (0, 10, 20, 30)]
        assert [total for _articles, total in pages] == [25] * 4
        assert [len(articles) for articles, _total in pages] == [10, 10, 5, 0]
        seen = [article.slug for articles, _total in pages for article in articles]
        assert sorted(seen) == sorted(f"agent-{n}" for n in range(25))


def test_only_the_newest_matches_are_ranked_and_counted(db, make_article, monkeypatch, short_terms):
    monkeypatch.setattr(backend(), "MAX_RESULTS", 3)
    for n in range(5):
        make_article(
            slug=f"agent-{n}", title_en=f"Agents {n}", title_zh=f"智能体 {n}", published_at=utcnow() - (5 - n) * HOURS
        )
    for query in ("agents", "智能"):
        articles, total = search.search(query)
        assert total == 3
        assert {article.slug for article in articles} == {"agent-2", "agent-3", "agent-4"}


def test_a_short_term_in_most_new_articles_is_common(db, make_article):
    for n in range(10):
        make_article(
            slug=f"a{n}", title_en="Chips", title_zh="量子芯片" if n else "光子芯片", summary_zh="", analysis_zh=""
        )
    now = Article.published_at.db_value(utcnow())
    assert backend().common_terms(db, ["量子", "光子", "芯片", "xx"], now) == ["量子", "芯片"]


def test_reading_for_common_terms_stops_at_the_scan_limit(db, make_article, monkeypatch):
    set_common_share(monkeypatch, 0)
    monkeypatch.setattr(backend(), "SCAN_LIMIT", 2)
    for n in range(5):
        make_article(slug=f"a{n}", title_zh="量子芯片", published_at=utcnow() - (5 - n) * HOURS)
    assert slugs("量子") == ["a4", "a3"]


def test_results_are_articles_with_tags(articles):
    [article], total = search.search("监管")
    assert isinstance(article, Article) and total == 1
    assert [tag.slug for tag in article.tags] == ["policy"]


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


@pytest.mark.parametrize(
    "text, terms, html",
    [
        ("Open source models", ["open"], "<mark>Open</mark> source models"),
        ("OPEN, open, Open", ["open"], "<mark>OPEN</mark>, <mark>open</mark>, <mark>Open</mark>"),
        ("开源模型走进课堂", ["开源", "课堂"], "<mark>开源</mark>模型走进<mark>课堂</mark>"),
        ("He said AI training (ai) helps", ["ai"], "He said <mark>AI</mark> training (<mark>ai</mark>) helps"),
        ("AI芯片", ["ai"], "<mark>AI</mark>芯片"),
        ("open source models", ["open", "open source", "source"], "<mark>open source</mark> models"),
        ("<script>alert('open')</script>", ["open"], "&lt;script&gt;alert(&#39;<mark>open</mark>&#39;)&lt;/script&gt;"),
        ("<script>", ["script"], "&lt;<mark>script</mark>&gt;"),
        ("a < b & c", ["lt", "amp"], "a &lt; b &amp; c"),
        ("a < b", ["<"], "a <mark>&lt;</mark> b"),
        ("x*y (z)", ["*", "(z)"], "x<mark>*</mark>y <mark>(z)</mark>"),
        ("nothing here", ["absent"], "nothing here"),
        ("no terms", [], "no terms"),
        ("", ["open"], ""),
        (None, ["open"], ""),
    ],
)
def test_highlight(text, terms, html):
    marked = search.highlight(text, terms)
    assert isinstance(marked, Markup)
    assert str(marked) == html


def test_highlight_takes_the_parsed_query(articles):
    terms = search.parse_query('"Open Source" <b>')
    assert str(search.highlight("Open source <b>", terms)) == "<mark>Open source</mark> <mark>&lt;b&gt;</mark>"
