"""Search terms: what a query's words find in every field and language, and odd input as plain text."""

import string
import unicodedata

import pytest

from ainews import search
from ainews.clock import utcnow
from ainews.rules import SEARCH_QUERY_MAX
from ainews.search import query as search_query
from models import Article
from search_helpers import (  # noqa: F401 # the fixtures are used by name
    ARTICLES,
    add_articles,
    articles_fixture,
    found,
    short_terms_fixture,
    use_short_terms,
)

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
    """Dropped from a term's ends: punctuation but '#', ^ and `, and a space a quoted term has inside."""
    category = unicodedata.category(char)
    return (category.startswith("P") and char != "#") or category == "Sk" or char == " "


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
        ("op", {"open-models", "gpu-rules", "ethics-panel", "open-tools"}),  # open-tools' text starts with it
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
        ('"( ai"', {"gpu-rules", "open-tools"}),
        ("“。 开源”", {"open-models", "open-tools"}),
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
        ('"( AI" “。 开源” "a )"', ["ai", "开源", "a"]),  # the spaces the punctuation leaves at the ends go
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
    assert search.parse_query("x" * 500) == ["x" * SEARCH_QUERY_MAX]


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "* ( -"])
def test_an_empty_query_asks_nothing(app, count_queries, query):
    assert search.search(query) == ([], 0, False)
    assert count_queries == []


def test_results_are_articles_with_tags(articles):
    [article], total, _partial = search.search("监管")
    assert isinstance(article, Article) and total == 1
    assert [tag.slug for tag in article.tags] == ["policy"]
