"""Markdown that works for Chinese: a markdown-it-py plugin.

CommonMark decides whether `**` opens or closes emphasis from the characters
on either side of it, and treats full-width punctuation like any other
punctuation. So `**使用：**能否` stays literal: the closing `**` follows a
punctuation mark and is followed by a letter, which CommonMark reads as the
start of a word. The CommonMark CJK-friendly amendments (the rule
markdown-it-cjk-friendly implements, published by its author as a
specification) count a CJK character next to the delimiter run as good as
whitespace or punctuation, and CJK punctuation as good as a letter. That is
`scan_delims` below, used by the emphasis and strikethrough rules.

A line break inside a paragraph is a space in HTML; between two Chinese
characters it is a stray gap, since Chinese puts no spaces between words.
`join_cjk_lines` drops such soft breaks, as CSS Text 3 asks browsers to
(Chromium does not). Hangul keeps them: Korean separates words with spaces.
"""

import unicodedata
from functools import partial

from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import emphasis, strikethrough
from markdown_it.rules_inline.state_inline import Scanned

# Code points of East Asian width W that are emoji by default, not text.
_EMOJI_RANGES = ((0x231A, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
# Standard variation selectors other than the emoji one (U+FE0F), and the ideographic ones.
_TEXT_VARIATION_SELECTORS = range(0xFE00, 0xFE0F)
_IDEOGRAPHIC_VARIATION_SELECTORS = range(0xE0100, 0xE01F0)


def _in(code, ranges):
    return any(low <= code <= high for low, high in ranges)


def is_hangul(char):
    return _in(ord(char), _HANGUL_RANGES)


def is_cjk(char):
    """A CJK character: wide, full-width or half-width and not an emoji, or Hangul."""
    code = ord(char)
    if is_hangul(char):
        return True
    return unicodedata.east_asian_width(char) in ("W", "F", "H") and not _in(code, _EMOJI_RANGES)


def is_punctuation(char):
    return isMdAsciiPunct(ord(char)) or isPunctChar(char)


def is_non_cjk_punctuation(char):
    return is_punctuation(char) and not is_cjk(char)


def _before(src, start):
    """The character before a delimiter run, and the one before that when it is a variation selector."""
    last = src[start - 1] if start > 0 else " "
    base = src[start - 2] if ord(last) in _TEXT_VARIATION_SELECTORS and start > 1 else last
    return last, base


def scan_delims(state, start, can_split_word):
    """StateInline.scanDelims with the CJK-friendly flanking rules."""
    src, end = state.src, start
    marker = src[start]
    while end < state.posMax and src[end] == marker:
        end += 1
    last, last_base = _before(src, start)
    following = src[end] if end < state.posMax else " "

    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(following))
    last_punct, next_punct = is_punctuation(last_base), is_punctuation(following)
    last_other_punct = is_non_cjk_punctuation(last_base)
    next_other_punct = is_non_cjk_punctuation(following)
    last_cjk = is_cjk(last_base) or ord(last) in _IDEOGRAPHIC_VARIATION_SELECTORS

    left_flanking = not next_space and (not next_other_punct or last_space or last_other_punct or last_cjk)
    right_flanking = not last_space and (not last_other_punct or next_space or next_other_punct or is_cjk(following))
    can_open = left_flanking and (can_split_word or not right_flanking or last_punct)
    can_close = right_flanking and (can_split_word or not left_flanking or next_punct)
    return Scanned(can_open, can_close, end - start)


def _with_cjk_flanking(rule):
    def tokenize(state, silent):
        state.scanDelims = partial(scan_delims, state)  # shadows the method on this state only
        return rule(state, silent)

    return tokenize


def _edge_char(children, index, step):
    """The nearest character of text beside children[index], looking back (-1) or ahead (+1)."""
    index += step
    while 0 <= index < len(children):
        child = children[index]
        if child.type in ("softbreak", "hardbreak"):
            return None
        if child.content:
            return child.content[-1] if step < 0 else child.content[0]
        index += step
    return None


def _joins_without_space(before, after):
    return all(char and is_cjk(char) and not is_hangul(char) for char in (before, after))


def join_cjk_lines(state):
    """Drop a soft line break between two Chinese (or Japanese) characters."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        for index, child in enumerate(children):
            if child.type == "softbreak" and _joins_without_space(
                _edge_char(children, index, -1), _edge_char(children, index, 1)
            ):
                child.type = "text"
                child.content = ""


def cjk_friendly(md):
    """Use as `MarkdownIt(...).use(cjk_friendly)`."""
    md.inline.ruler.at("emphasis", _with_cjk_flanking(emphasis.tokenize))
    md.inline.ruler.at("strikethrough", _with_cjk_flanking(strikethrough.tokenize))
    md.core.ruler.push("cjk_soft_breaks", join_cjk_lines)
