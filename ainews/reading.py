"""Rules of reading, stated once: reading speeds, how much of a list a
reload brings back, how many related articles an article page shows; and
the reading time they give."""

import math
import re

from ainews.rules import CHINESE, LANGS, WRITTEN_FIELDS

# Reading time. Silent reading of non-fiction runs at about 238 words a
# minute in English (Brysbaert, 2019, a meta-analysis of 190 studies); for
# Chinese, studies of silent reading put adults at 300 to 500 characters a
# minute. We take round, unhurried figures: a reader of news is not racing.
# A text is timed by both: its English words (and numbers) at the first
# rate, its Chinese characters at the second, so a Chinese text quoting
# "GPU" or an English one quoting 开源 is timed right too.
WORDS_PER_MINUTE = 230
CHINESE_CHARACTERS_PER_MINUTE = 400

# Infinite scroll keeps "?page=1-4" in the address: a reload or Back brings
# back every page loaded so far, up to this many (the last ones), about
# 100 cards or 200 KB of HTML before compression.
MOST_PAGES_AT_ONCE = 5

# Related articles at the end of an article page, found among each of its
# tags' newest articles, this many.
RELATED_ARTICLES = 4
RELATED_POOL = 200


WORD = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")
LINK_TARGET = re.compile(r"\]\([^)]*\)")  # what a Markdown link points to is not read


def reading_minutes(article, lang):
    """Minutes to read the article's title, summary and analysis in `lang`, rounded up; None without words."""
    text = " ".join(getattr(article, f"{field}_{lang}") for field in WRITTEN_FIELDS)
    text = LINK_TARGET.sub("]", text)
    minutes = len(WORD.findall(CHINESE.sub(" ", text))) / WORDS_PER_MINUTE
    minutes += len(CHINESE.findall(text)) / CHINESE_CHARACTERS_PER_MINUTE
    return max(1, math.ceil(minutes)) if minutes else None


# What a list's card tells of an article's analyses, stored with the article
# and worked out again from its texts at every write (Article.make_storable):
# a list then never reads the analyses, which are most of its rows' bytes.
# On PostgreSQL, sending and reading them was a tenth of a rendered feed
# page's work (about 80 of 800 us, 2026-11-30).
TEXT_FACTS = (*(f"reading_{lang}" for lang in LANGS), "analysed")


def text_facts(article):
    """The stored facts of the article's texts: its reading minutes in each language (0 without
    words) and the languages it has an analysis in, space-separated."""
    return {
        **{f"reading_{lang}": reading_minutes(article, lang) or 0 for lang in LANGS},
        "analysed": " ".join(lang for lang in LANGS if getattr(article, f"analysis_{lang}")),
    }
