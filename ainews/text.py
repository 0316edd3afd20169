"""Article text as readers see it: which language shows, and safe Markdown.

A card shows each field in one language or in both. A field missing in the
wanted language falls back to the other one and says so; it is never blank.
The analysis is read block by block: the two languages' blocks are paired
(`aligned_analysis`), so a bilingual reader sees each paragraph beside its
translation, and a block with no translation shows in its place.
"""

import re
from dataclasses import dataclass
from itertools import zip_longest

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from ainews.cache import memo
from ainews.cjk_markdown import cjk_friendly
from ainews.i18n import other_lang
from ainews.images import file_path, file_srcset
from ainews.media import stored_image
from ainews.rules import ARTICLE_IMAGE_SIZES, IMAGE_KEY_PATTERN, LANGS, WRITTEN_FIELDS

# CommonMark with raw HTML switched off, made right for Chinese emphasis and
# line breaks; whatever HTML the renderer makes still passes through an
# allow-list sanitizer.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").use(cjk_friendly)


def _image(self, tokens, idx, options, env):
    """An image of our own uploads shows inline; any other becomes a link to it.

    No third-party requests, and the alt text survives either way.
    """
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    own = OWN_IMAGE.fullmatch(token.attrGet("src") or "")
    image = stored_image(own.group(1)) if own else None
    if image is not None:
        return (
            f'<img src="{file_path(image.key, image.widths[-1])}" srcset="{escapeHtml(file_srcset(image))}" '
            f'sizes="{ARTICLE_IMAGE_SIZES}" width="{image.width}" height="{image.height}" '
            f'alt="{escapeHtml(alt)}" loading="lazy" decoding="async">'
        )
    src = escapeHtml(token.attrGet("src") or "")
    return f'<a href="{src}">{escapeHtml(alt or src)}</a>'


_markdown.add_render_rule("image", _image)
OWN_IMAGE = re.compile(rf"/media/({IMAGE_KEY_PATTERN})")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "img": {"src", "srcset", "sizes", "width", "height", "alt", "loading", "decoding"},
}
# An <img> survives only pointing at our own files: whatever made it.
OWN_FILE = re.compile(rf"/media/{IMAGE_KEY_PATTERN}-[0-9]+\.webp")


def only_own_images(tag, attribute, value):
    """nh3's attribute filter: an image's addresses must be our stored files, its sizes plain."""
    if tag != "img":
        return value
    if attribute == "src":
        return value if OWN_FILE.fullmatch(value) else None
    if attribute == "srcset":
        candidates = [part.strip().split(" ") for part in value.split(",")]
        ok = all(len(c) == 2 and OWN_FILE.fullmatch(c[0]) and re.fullmatch(r"[0-9]+w", c[1]) for c in candidates)
        return value if ok else None
    if attribute in ("width", "height"):
        return value if value.isdigit() else None
    if attribute == "loading":
        return value if value in ("lazy", "eager") else None
    if attribute == "decoding":
        return value if value == "async" else None
    if attribute == "sizes":
        return value if value == ARTICLE_IMAGE_SIZES else None
    return value


def render_markdown(text):
    """Markdown to sanitized HTML: no script, no event handlers, no hx-* attributes."""
    return finish_html(_markdown.render(text or ""))


def finish_html(html):
    # Headings inside a card start at h3: the page owns h1 and the card h2.
    return sanitize_html(re.sub(r"<(/?)h[12]>", r"<\1h3>", html))


def sanitize_html(html):
    """Keep only the tags, attributes and URL schemes of ordinary prose, and images of our own files."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        attribute_filter=only_own_images,
    )
    # An <img> whose address was not ours has lost its src: drop what is left of it.
    return Markup(IMAGE_WITHOUT_SOURCE.sub("", cleaned))  # nosec B704 # nh3 has removed everything outside the allow-list


IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


@dataclass(frozen=True)
class Block:
    """One top-level block of Markdown: a paragraph, heading, list, quote, table or code, as safe HTML."""

    kind: str  # "paragraph", "heading", "bullet_list", …
    html: Markup


def markdown_blocks(text):
    """The top-level blocks of a Markdown text, each rendered and sanitized on its own."""
    env = {}  # link reference definitions, found anywhere, used everywhere
    tokens = _markdown.parse(text or "", env)
    blocks, start = [], 0
    for index, token in enumerate(tokens):
        if token.level != 0:
            continue
        if token.nesting == 1:
            start = index
            continue
        first = start if token.nesting == -1 else index
        html = _markdown.renderer.render(tokens[first : index + 1], _markdown.options, env)
        blocks.append(Block(tokens[first].type.removesuffix("_open"), finish_html(html)))
    return blocks


def sections(blocks):
    """Blocks cut at headings: what comes before the first, then each heading with what follows it."""
    result = [[]]
    for block in blocks:
        if block.kind == "heading":
            result.append([])
        result[-1].append(block)
    return result


@memo(64)  # the analyses of the articles being read; up to 100 KB each
def aligned_blocks(text_en, text_zh):
    """Rows of (English block, Chinese block), either None where that language has no block.

    Headings pair with headings in order, and the blocks under each pair in
    order; a section one language has more blocks in ends with them, so a
    missing paragraph never shifts the sections after it.
    """
    rows = []
    for en, zh in zip_longest(sections(markdown_blocks(text_en)), sections(markdown_blocks(text_zh)), fillvalue=[]):
        rows.extend(zip_longest(en, zh))
    return tuple(row for row in rows if row != (None, None))


@dataclass
class Cell:
    """One language's block in a row of the analysis."""

    block: Block | None  # None: this language has no block here
    lang: str  # the language of the block, or of the column that lacks one
    fallback: bool = False  # shown in the other language, for want of the one asked for


@dataclass
class AlignedAnalysis:
    rows: list  # lists of Cells, one per language shown, the leading language first
    missing: list  # languages asked for that have no analysis at all
    partial: bool  # one language asked for, and it covers fewer blocks than the other


def aligned_analysis(article, langs):
    """The analysis as rows of paired blocks in `langs`, the first language leading.

    A language with no analysis at all is left out and named in `missing`
    (one note for it, not one per block). With one language asked for, a
    block it lacks shows in the other language, in its place, marked.
    """
    missing = [lang for lang in langs if not getattr(article, f"analysis_{lang}")]
    shown = [lang for lang in langs if lang not in missing] or [other_lang(langs[0])]
    rows = []
    for row in aligned_blocks(article.analysis_en, article.analysis_zh):
        blocks = dict(zip(LANGS, row, strict=True))
        if len(shown) == 2:
            rows.append([Cell(blocks[lang], lang) for lang in shown])
        elif blocks[shown[0]] is not None:
            rows.append([Cell(blocks[shown[0]], shown[0])])
        else:
            other = other_lang(shown[0])
            rows.append([Cell(blocks[other], other, fallback=True)])
    partial = any(cell.fallback for row in rows for cell in row)
    return AlignedAnalysis(rows, missing, partial)


def absent_langs(article):
    """The languages an article has no text in at all: no title, summary or analysis (which
    a list's card knows of by `analysed` alone: ainews.reading.text_facts)."""
    return [
        lang
        for lang in LANGS
        if lang not in article.analysed.split()
        and not any(getattr(article, f"{field}_{lang}") for field in WRITTEN_FIELDS if field != "analysis")
    ]


@dataclass
class Text:
    """One field of an article in one language, as a card shows it."""

    value: str
    lang: str  # the language of `value`
    wanted: str  # the language the reader asked for
    outdated: bool = False  # the other language changed after this translation

    @property
    def fallback(self):
        return self.lang != self.wanted

    @property
    def missing(self):
        return not self.value


def texts(article, field, langs):
    """The field in each of `langs`, falling back to the other language."""
    if len(langs) == 1:
        wanted = langs[0]
        for lang in (wanted, other_lang(wanted)):
            value = getattr(article, f"{field}_{lang}")
            if value:
                return [Text(value, lang, wanted, outdated=article.is_outdated(field, lang))]
        return []
    return [
        Text(getattr(article, f"{field}_{lang}"), lang, lang, outdated=article.is_outdated(field, lang))
        for lang in langs
    ]
