"""Article text as readers see it: which language shows, and safe Markdown.

A card shows each field in one language or in both. A field missing in the
wanted language falls back to the other one and says so; it is never blank.
"""

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from ainews.cjk_markdown import cjk_friendly
from ainews.i18n import other_lang
from ainews.rules import LANGS

# CommonMark with raw HTML switched off, made right for Chinese emphasis and
# line breaks; whatever HTML the renderer makes still passes through an
# allow-list sanitizer.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").use(cjk_friendly)


def _image_as_link(self, tokens, idx, options, env):
    """Images become links to them: no third-party requests, and the alt text survives."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    src = escapeHtml(token.attrGet("src") or "")
    return f'<a href="{src}">{escapeHtml(alt or src)}</a>'


_markdown.add_render_rule("image", _image_as_link)

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
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text):
    """Markdown to sanitized HTML: no script, no event handlers, no hx-* attributes."""
    html = _markdown.render(text or "")
    # Headings inside a card start at h3: the page owns h1 and the card h2.
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    return sanitize_html(html)


def sanitize_html(html):
    """Keep only the tags, attributes and URL schemes of ordinary prose."""
    return Markup(
        nh3.clean(  # nosec B704 # nh3 has just removed everything outside the allow-list
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener nofollow",
        )
    )


def paragraph_count(text):
    return len([block for block in re.split(r"\n\s*\n", text or "") if block.strip()])


def absent_langs(article):
    """The languages an article has no text in at all: no title, summary or analysis."""
    fields = ("title", "summary", "analysis")
    return [lang for lang in LANGS if not any(getattr(article, f"{field}_{lang}") for field in fields)]


@dataclass
class Text:
    """One field of an article in one language, as a card shows it."""

    value: str
    lang: str  # the language of `value`
    wanted: str  # the language the reader asked for
    partial: bool = False  # shorter than the other language's version
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


def analysis_texts(article, langs):
    """Like `texts`, marking an analysis that covers less than the other language's."""
    result = texts(article, "analysis", langs)
    for text in result:
        source = getattr(article, f"analysis_{other_lang(text.lang)}")
        text.partial = paragraph_count(text.value) < paragraph_count(source)
    return result
