"""Rules of reading, stated once: reading speeds, how much of a list a
reload brings back, how many related articles an article page shows."""

# Reading time. Silent reading of non-fiction runs at about 238 words a
# minute in English (Brysbaert, 2019, a meta-analysis of 190 studies); for
# Chinese, studies of silent reading put adults at 300 to 500 characters a
# minute. We take round, unhurried figures: a reader of news is not racing.
WORDS_PER_MINUTE = {"en": 230}
CHARACTERS_PER_MINUTE = {"zh": 400}

# Infinite scroll keeps "?page=1-4" in the address: a reload or Back brings
# back every page loaded so far, up to this many (the last ones), about
# 100 cards or 200 KB of HTML before compression.
MOST_PAGES_AT_ONCE = 5

# Related articles at the end of an article page.
RELATED_ARTICLES = 4
