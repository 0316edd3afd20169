"""Every rule of the site's content, stated once.

Limits, patterns, defaults and allowed values live here and nowhere else:
the models, the editors' form, the API's type checks, the OpenAPI document
and `flask import` all read them from this module. Change a rule here and
every door into the database changes with it.
"""

import hashlib
import re
import unicodedata
from datetime import timedelta
from urllib.parse import urlsplit

# Languages: URL prefixes, which are also the suffixes of translated columns.
LANGS = ("en", "zh")
DEFAULT_LANG = "en"

# Fields written in both languages, whose translations can fall out of step,
# and their columns: category_en, category_zh, title_en, …
TRANSLATED_FIELDS = ("category", "title", "summary", "analysis")
TEXT_COLUMNS = tuple(f"{field}_{lang}" for field in TRANSLATED_FIELDS for lang in LANGS)
# Sane limits: far above any real article, far below what could hurt the server.
TEXT_LIMITS = {"category": 60, "title": 300, "summary": 2_000, "analysis": 50_000}
CATEGORY_DEFAULTS = {"category_en": "AI News", "category_zh": "AI资讯"}

STATUSES = ("draft", "published")
DEFAULT_STATUS = "draft"
SCORES = ("hot", "quality", "impact")
SCORE_RANGE = (0, 100)
DEFAULT_SCORE = 50  # what a new article's form starts with
SORTS = ("new", *SCORES)  # feed orders: newest first, or by a score

# Article addresses: lowercase ASCII words joined by single hyphens.
SLUG_MAX = 100
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
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
# How an editor may type a publish time.
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")

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

# Lists.
PER_PAGE = 20  # cards per reader page
MAX_PAGE = 1_000_000
API_DEFAULT_LIMIT = 20
API_MAX_LIMIT = 100
DASHBOARD_PAGE = 50
REQUEST_MAX_BYTES = 1024 * 1024  # far above any article the form accepts
REQUEST_MAX_TEXT = f"{REQUEST_MAX_BYTES // 2**20} MB"


def score_ok(value):
    return isinstance(value, int) and not isinstance(value, bool) and SCORE_RANGE[0] <= value <= SCORE_RANGE[1]


def slug_ok(slug):
    return isinstance(slug, str) and len(slug) <= SLUG_MAX and re.fullmatch(SLUG_PATTERN, slug) is not None


def web_url_ok(text):
    """An absolute http(s) address with a host: the only kind of source link shown to readers."""
    parts = urlsplit(text)
    return parts.scheme in URL_SCHEMES and bool(parts.netloc) and not re.search(r"[\s<>\"]", text)


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
    """The slug of a tag: from its English name, else a stable one."""
    return slugify(name_en, TAG_SLUG_MAX) or stable_slug("tag", name_zh)
