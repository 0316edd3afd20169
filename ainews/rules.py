"""Every rule of the site's content, stated once.

Limits, patterns, defaults and allowed values live here and nowhere else:
the models, the editors' form, the API's type checks, the OpenAPI document
and `flask import` all read them from this module. Change a rule here and
every door into the database changes with it.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

# Languages: URL prefixes, which are also the suffixes of translated columns.
LANGS = ("en", "zh")
DEFAULT_LANG = "en"

# Fields written in both languages, whose translations can fall out of step,
# and their columns: category_en, category_zh, title_en, …
TRANSLATED_FIELDS = ("category", "title", "summary", "analysis")
TEXT_COLUMNS = tuple(f"{field}_{lang}" for field in TRANSLATED_FIELDS for lang in LANGS)
# What an editor writes of an article in a language (its category aside): a
# language with none of these has no text, and one that lacks what the other has is missing.
WRITTEN_FIELDS = ("title", "summary", "analysis")
# An article needs a title in at least one language (see has_title).
TITLE_COLUMNS = tuple(f"title_{lang}" for lang in LANGS)
# Sane limits: far above any real article, far below what could hurt the server.
TEXT_LIMITS = {"category": 60, "title": 300, "summary": 2_000, "analysis": 50_000}
CATEGORY_DEFAULTS = {"category_en": "AI News", "category_zh": "AI资讯"}

STATUSES = ("draft", "published")
DEFAULT_STATUS = "draft"
SCORES = ("hot", "quality", "impact")
SCORE_RANGE = (0, 100)
DEFAULT_SCORE = 50  # what a new article's form starts with
DEFAULT_SORT = "new"
SORTS = (DEFAULT_SORT, *SCORES)  # feed orders: newest first, or by a score

# Article addresses: lowercase ASCII words joined by single hyphens.
SLUG_MAX = 100
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_PATTERN_TEXT = "lowercase letters, digits and single hyphens"
# A slug made from a title leaves room for a "-2" suffix when it is taken.
TITLE_SLUG_MAX = 80

# Tags, as an editor types them: "Open Source|开源, Regulation".
MAX_TAGS = 12
TAG_NAME_MAX = 60
TAG_SLUG_MAX = 60
TAGS_TEXT_MAX = 1_000
TAG_SEPARATORS = r"[,，]"  # the Chinese comma too
CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Publish times outside these years are typing mistakes.
YEARS = (2000, 2100)
# How an editor may type a time: what a datetime-local input sends, with or
# without seconds, or with a space.
DATETIME_SECONDS = "%Y-%m-%dT%H:%M:%S"
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", DATETIME_SECONDS, "%Y-%m-%d %H:%M")

# Provenance that pipelines may set: where a story came from, which model wrote it.
SOURCE_URL_MAX = 500
URL_SCHEMES = ("http", "https")
MODEL_NAME_MAX = 100
OUTDATED_MAX = 200  # the space-separated list of translations marked out of date

# What both databases can store: PostgreSQL's integer has 32 bits.
MAX_INTEGER = 2**31 - 1

# Editors and their sign-in.
EDITOR_NAME_MAX = 40
EDITOR_NAME_PATTERN = rf"[\w.@-]{{1,{EDITOR_NAME_MAX}}}"
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200  # hashing is deliberately slow; keep it bounded
SESSION_LIFETIME = timedelta(days=14)
LOGIN_LIMIT = 5  # failed sign-ins allowed per address and per name…
LOGIN_WINDOW = timedelta(minutes=10)  # …within this window

# API tokens.
TOKEN_NAME_MAX = 60
TOKEN_NAME_PATTERN = rf"[\w.@-]{{1,{TOKEN_NAME_MAX}}}"
TOKEN_PREFIX = "ainews_"

# Revisions: every saved version of an article is kept while it lives; a
# deleted article stays in the editors' "Deleted" list this long, then
# `flask purge-deleted` (and any later delete) removes it with its revisions.
DELETED_KEPT = timedelta(days=30)
REVISION_BY_MAX = 80  # "API: " and a token's name, or an editor's name
REVISION_KINDS = ("save", "restore", "delete")
# Columns a revision keeps but does not list as changed: the site sets them at every save.
REVISION_BOOKKEEPING = ("version", "updated_at", "outdated")
HISTORY_PAGE = 50  # revisions per history page
COMPARE_MAX_WORDS = 20_000  # beyond this many words a side, a field's change is shown whole

# Lists.
PER_PAGE = 20  # cards per reader page
MAX_PAGE = 1_000_000
API_DEFAULT_LIMIT = 20
API_MAX_LIMIT = 100
DASHBOARD_PAGE = 50
DASHBOARD_QUERY_MAX = TEXT_LIMITS["title"]  # the dashboard finds articles by title: no longer than one
REQUEST_MAX_BYTES = 1024 * 1024  # far above any article the form accepts
REQUEST_MAX_TEXT = f"{REQUEST_MAX_BYTES // 2**20} MB"
API_NAME_ECHO_MAX = 100  # how much of an unknown field's name the API's error repeats
SEARCH_QUERY_MAX = 200  # characters of a search; the rest is ignored
CLOCK_STAMPS_MAX = 200  # relative times one /times request may ask for
# Images editors upload: accepted only when they decode as one of these
# formats within these limits, then stored re-encoded as WebP at these widths
# (never wider than the original), under a name made from their content.
IMAGE_MAX_BYTES = 10 * 2**20
IMAGE_MAX_TEXT = f"{IMAGE_MAX_BYTES // 2**20} MB"
IMAGE_MAX_PIXELS = 40_000_000  # a 12,000 x 12,000 picture (144 million) is refused
IMAGE_MAX_SIDE = 10_000
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")  # as Pillow names them; AVIF when Pillow has it
IMAGE_WIDTHS = (480, 960, 1600)
IMAGE_QUALITY = 80  # WebP quality: 1600 px wide about 75 KB (2026-11-30)
IMAGE_KEY_LENGTH = 32  # hex digits of the content hash
IMAGE_KEY_PATTERN = rf"[0-9a-f]{{{IMAGE_KEY_LENGTH}}}"
IMAGE_KEY_PATTERN_TEXT = f"{IMAGE_KEY_LENGTH} hexadecimal digits: the key of an uploaded image"
IMAGE_ALT_MAX = 300
UPLOADER_MAX = max(EDITOR_NAME_MAX, TOKEN_NAME_MAX)
# Forms that carry an image besides the article's text take this much.
UPLOAD_REQUEST_MAX_BYTES = IMAGE_MAX_BYTES + REQUEST_MAX_BYTES
UPLOAD_REQUEST_MAX_TEXT = f"{UPLOAD_REQUEST_MAX_BYTES // 2**20} MB"
# How wide a cover shows (the `sizes` of its srcset; static/style.css lays
# it out so): small beside a card's text, the column's width on the article.
CARD_IMAGE_SIZES = "(max-width: 30rem) 100vw, 12rem"
ARTICLE_IMAGE_SIZES = "(min-width: 46rem) 44rem, 100vw"
EAGER_CARDS = 2  # cards at the top of a page whose cover loads at once; the rest when scrolled to


def has_title(values):
    """Whether `values` (a dict of columns) hold a title, not just spaces, in at least one language."""
    return any(isinstance(values.get(name), str) and values[name].strip() for name in TITLE_COLUMNS)


def image_key_ok(key):
    return re.fullmatch(IMAGE_KEY_PATTERN, key) is not None


def cover_alt_missing(values):
    """The alt text columns a cover needs and `values` (a dict of columns) leave blank."""
    if not values.get("cover"):
        return []
    names = [f"cover_alt_{lang}" for lang in LANGS]
    return [name for name in names if not (isinstance(values.get(name), str) and values[name].strip())]


def score_ok(value):
    return SCORE_RULE.accepts(value)


def slug_ok(slug):
    """A stored article's slug: not empty, and keeping the slug rule."""
    return bool(slug) and ARTICLE_FIELDS["slug"].accepts(slug)


def web_url_ok(text):
    """An absolute http(s) address whose host a browser reads as we do.

    Browsers parse URLs by the WHATWG rules, Python's urlsplit by RFC 3986,
    and they differ on backslashes ("https://evil.example\\@trusted.example"
    is evil.example to a browser, trusted.example to urlsplit), user info
    and white space. Refusing those leaves addresses both read alike.
    """
    if re.search(r"[\s<>\"\\]", text) or CONTROL_CHARACTERS.search(text):
        return False
    parts = urlsplit(text)
    if parts.scheme not in URL_SCHEMES or not parts.hostname or "@" in parts.netloc:
        return False
    try:
        parts.port  # noqa: B018 # a port that is not a number raises
    except ValueError:
        return False
    return True


# C0 control characters other than tab, line feed and carriage return: nobody
# types them, XML cannot carry them and PostgreSQL cannot store NUL. A
# vertical tab or form feed is what a word processor pastes for a line break.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
PASTED_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def clean_text(value):
    """Typed text as it is stored: pasted line breaks as newlines, other control characters gone."""
    return CONTROL_CHARACTERS.sub("", value.translate(PASTED_LINE_BREAKS))


# Every field of an article, described once ----------------------------------
#
# The form builds its validators from these, the API its type checks, the
# OpenAPI document its schemas, and `flask import` its per-field checks.


@dataclass(frozen=True)
class FieldRule:
    """What one field may hold.

    kind is "text", "integer", "boolean", "choice", "time" (an aware datetime,
    or None) or "tags" (names as editors type them). Text may be empty;
    `pattern` and `web_url` apply to text that is not. `meaning` says the
    rule in English, for `flask import`; the form and the API word it in the
    reader's language themselves.
    """

    kind: str
    max_length: int | None = None  # text; tags: of each name
    pattern: str | None = None
    pattern_text: str = ""  # the pattern in plain English
    web_url: bool = False  # an absolute http(s) address (web_url_ok)
    choices: tuple[str, ...] = ()
    range: tuple[int, int] | None = None  # integer: lowest and highest
    years: tuple[int, int] | None = None  # time
    max_items: int | None = None  # tags
    default: object = None  # what a new article starts with

    def accepts(self, value):
        """Whether a value (times as aware datetimes) keeps this rule."""
        if self.kind == "integer":
            return isinstance(value, int) and not isinstance(value, bool) and self.range[0] <= value <= self.range[1]
        if self.kind == "boolean":
            return isinstance(value, bool)
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "time":
            if value is None:
                return True
            first, last = self.years
            return isinstance(value, datetime) and value.tzinfo is not None and first <= value.year <= last
        if self.kind == "tags":
            return (
                isinstance(value, (list, tuple))
                and len(value) <= self.max_items
                and all(isinstance(name, str) and len(name) <= self.max_length for name in value)
            )
        return self.text_ok(value)

    def text_ok(self, value):
        if not isinstance(value, str) or len(value) > self.max_length:
            return False
        if not value:
            return True
        return (self.pattern is None or re.fullmatch(self.pattern, value) is not None) and (
            not self.web_url or web_url_ok(value)
        )

    @property
    def meaning(self):
        """The rule in plain English, for `flask import`'s messages: "must be …"."""
        if self.kind == "integer":
            return f"a whole number from {self.range[0]} to {self.range[1]}"
        if self.kind == "boolean":
            return "true or false"
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        if self.kind == "time":
            return f"a time like 2026-05-01T09:30:00Z, in the years {self.years[0]} to {self.years[1]}, or null"
        if self.kind == "tags":
            return f"a list of at most {self.max_items} tags, each name of at most {self.max_length} characters"
        if self.web_url:
            return f"an http(s) address of at most {self.max_length} characters, or empty"
        if self.pattern:
            return f"text of at most {self.max_length} {self.pattern_text}"
        return f"text of at most {self.max_length} characters"


def text_rule(max_length, **kwargs):
    return FieldRule("text", max_length=max_length, default=kwargs.pop("default", ""), **kwargs)


SCORE_RULE = FieldRule("integer", range=SCORE_RANGE, default=DEFAULT_SCORE)
TIME_RULE = FieldRule("time", years=YEARS)

# What editors type in the form and pipelines send to the API.
ARTICLE_FIELDS = {
    **{
        f"{field}_{lang}": text_rule(TEXT_LIMITS[field], default=CATEGORY_DEFAULTS.get(f"{field}_{lang}", ""))
        for field in TRANSLATED_FIELDS
        for lang in LANGS
    },
    "slug": text_rule(SLUG_MAX, pattern=SLUG_PATTERN, pattern_text=SLUG_PATTERN_TEXT),  # empty: made from the title
    **{name: SCORE_RULE for name in SCORES},
    "ai_generated": FieldRule("boolean", default=False),
    "status": FieldRule("choice", choices=STATUSES, default=DEFAULT_STATUS),
    "published_at": TIME_RULE,  # empty: when it is published
    "tags": FieldRule("tags", max_items=MAX_TAGS, max_length=TAG_NAME_MAX, default=()),
    "source_url": text_rule(SOURCE_URL_MAX, web_url=True),
    "model": text_rule(MODEL_NAME_MAX),
    "generated_at": TIME_RULE,
    # A cover picture: the key of an uploaded image, or empty; its alt text
    # is required in both languages when it is set (cover_alt_missing).
    "cover": text_rule(IMAGE_KEY_LENGTH, pattern=IMAGE_KEY_PATTERN, pattern_text=IMAGE_KEY_PATTERN_TEXT),
    **{f"cover_alt_{lang}": text_rule(IMAGE_ALT_MAX) for lang in LANGS},
}

# What the site keeps itself; only `flask import` restores these.
KEPT_FIELDS = {
    "views": FieldRule("integer", range=(0, MAX_INTEGER), default=0),
    "version": FieldRule("integer", range=(0, MAX_INTEGER), default=1),
    "outdated": text_rule(OUTDATED_MAX),
    "created_at": TIME_RULE,
    "updated_at": TIME_RULE,
}

# A tag, as `flask import` reads it.
TAG_FIELDS = {
    "slug": text_rule(TAG_SLUG_MAX, pattern=SLUG_PATTERN, pattern_text=SLUG_PATTERN_TEXT),
    "name_en": text_rule(TAG_NAME_MAX),
    "name_zh": text_rule(TAG_NAME_MAX),
}


def slugify(text, max_length=TITLE_SLUG_MAX):
    """ASCII slug: lowercase words joined by hyphens ("" if none survive)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:max_length].strip("-")


def stable_slug(prefix, text):
    """A slug for text with no ASCII words (a Chinese title): the same text gives the same slug."""
    return f"{prefix}-" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]


def article_slug(title_en, title_zh=""):
    """The slug a title asks for: from the English title, else a stable one."""
    return slugify(title_en) or stable_slug("article", title_zh)


def tag_slug(name_en, name_zh=""):
    """The slug of a tag; distinct names never share one.

    A name that is plain words ("Open Source", "open-source") gives them;
    any other name ("C#", "C++", "Café", "???", a long one, a Chinese one)
    gives what words it has, if any, and a hash of the whole name, so that
    two tags cannot merge silently because their slugs met.
    """
    words = slugify(name_en, max_length=len(name_en) * 4 + 1)
    plain = words.split("-") == name_en.lower().replace("-", " ").split()
    if words and plain and len(words) <= TAG_SLUG_MAX:
        return words
    name = name_en or name_zh
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    prefix = words[: TAG_SLUG_MAX - len(digest) - 1].strip("-") or "tag"
    return f"{prefix}-{digest}"
