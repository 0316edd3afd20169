"""What the reader typed, as search terms; the limits every search backend keeps; highlighting."""

import re
import unicodedata

from markupsafe import Markup, escape

from ainews.rules import LANGS, SEARCH_QUERY_MAX

MAX_TERMS = 8
MAX_RESULTS = 1000
# How many of the newest articles a backend samples to tell common short terms from rare ones.
SAMPLE_SIZE = 100
# Reading the text stops after this many of the newest articles, so that a
# term common lately but rare before cannot make it read the whole table.
SCAN_LIMIT = 5 * MAX_RESULTS

# A "quoted phrase" (ASCII or Chinese quotes), or a run without spaces.
TERM = re.compile(r'["“”]([^"“”]*)["“”]|(\S+)')
# Separate words like spaces: list punctuation in either language, slashes,
# and a hyphen between letters ("open-source", "开源、监管").
SEPARATORS = re.compile(r"[,，、;；/|]|(?<=\w)-(?=\w)")


def parse_query(q):
    """The lowercased terms of a query, at most MAX_TERMS, without repeats.

    Spaces (and commas, 、, slashes, hyphens between words) separate terms,
    and a "quoted phrase" is one term. Every other
    character is literal text, FTS5 operators included; punctuation at
    either end of a term is dropped, so "AI," and "(open" find AI and open
    (and a quoted "( b" finds b), and a term of nothing but punctuation is
    no term.
    """
    q = (q or "")[:SEARCH_QUERY_MAX]
    q = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in q)
    q = SEPARATORS.sub(" ", q)
    terms = []
    for match in TERM.finditer(q):
        phrase, word = match.groups()
        term = " ".join((word if phrase is None else phrase).split()).lower()
        term = strip_punctuation(term)
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def strip_punctuation(term):
    """The term without punctuation (and ^, `) at its ends; '#' stays, for C#.

    A space that the punctuation leaves at an end goes too: "( b" is b.
    """

    def is_punctuation(c):
        return unicodedata.category(c)[0] == "P" and c != "#" or unicodedata.category(c) == "Sk" or c == " "

    start, end = 0, len(term)
    while start < end and is_punctuation(term[start]):
        start += 1
    while end > start and is_punctuation(term[end - 1]):
        end -= 1
    term = term[start:end]
    # A lone symbol such as '+' or '^' is no more a word than '(' is.
    if not any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "So" for c in term):
        return ""
    return term


# The article columns searched, and the two that rank a match higher.
TITLES = tuple(f"title_{lang}" for lang in LANGS)
SUMMARIES = tuple(f"summary_{lang}" for lang in LANGS)
SEARCHED_COLUMNS = TITLES + SUMMARIES + tuple(f"analysis_{lang}" for lang in LANGS)


def starts_words(term):
    """Short English terms (AI, EU) match only where a word starts: inside
    words they are mostly noise ("said", "reused"). Longer terms and Chinese,
    which has no spaces, match anywhere. Checking word starts for every term
    made English searches 5-10x slower at 100,000 articles (measured)."""
    return len(term) < 3 and term[0].isascii() and term[0].isalnum()


# Highlighting ------------------------------------------------------------------


def highlight(text, terms):
    """`text` as HTML, every occurrence of a term (ignoring case) in <mark>.

    Matches are found in the raw text and each piece escaped afterwards, so
    a term can never cut an HTML entity in two. Longer terms win where
    terms overlap, and marks never nest.
    """
    text = text or ""
    terms = sorted({term for term in terms if term}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile(
        "|".join(("(?<![a-z0-9])" if starts_words(term) else "") + re.escape(term) for term in terms), re.IGNORECASE
    )
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group())
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)
