"""Languages: which one a reader gets, and how times and labels read in it.

The site has two languages, named by their URL prefix: `en` and `zh`
(Simplified Chinese). Babel and HTML each spell them their own way.
"""

import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.lists import format_list
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

from ainews.cache import Bounded, memo
from ainews.clock import JUST_NOW, UNITS, floored_delta, text_changes_at, utcnow
from ainews.rules import DEFAULT_LANG, LANGS

BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
HTML_LANGS = {"en": "en", "zh": "zh-Hans"}
LANG_NAMES = {"en": "EN", "zh": "中文"}
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "translations")


def other_lang(lang):
    return "zh" if lang == "en" else "en"


def lang_from_header(accept_languages):
    """Best site language for an Accept-Language header (werkzeug's parsed form).

    Any Chinese tag counts as `zh`: the site has only Simplified Chinese, and
    it reads better to a zh-TW reader than English does.
    """
    for tag, quality in accept_languages:
        if quality <= 0:
            continue
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary in LANGS:
            return primary
    return None


@memo(len(LANGS))
def catalog(lang):
    """The compiled message catalog for a language (English needs none)."""
    if lang == DEFAULT_LANG:
        return NullTranslations()
    return Translations.load(TRANSLATIONS_DIR, [BABEL_LOCALES[lang]])


def tr(message, lang, **variables):
    """Translate an interface string into `lang`, whatever the page's locale.

    Used where a page shows labels in both languages. Variables are escaped
    unless they are already Markup.
    """
    text = Markup(escape(catalog(lang).gettext(message)))  # nosec B704 # escaped here
    return text % variables if variables else text


def ntr(singular, plural, number, lang, **variables):
    """Like `tr`, for a message with a plural form chosen by `number`."""
    text = Markup(escape(catalog(lang).ngettext(singular, plural, number)))  # nosec B704 # escaped here
    return text % variables if variables else text


@memo(1024)
def label(message, langs):
    """An interface string in each of `langs` (a tuple), as the card's labels show it.

    The same few labels repeat on every card, so each is built once.
    """
    # A constant language tag, and tr(), which escapes.
    spans = [Markup(f'<span lang="{HTML_LANGS[code]}">{tr(message, code)}</span>') for code in langs]  # nosec B704
    return Markup(" ").join(spans)


def relative_text(moment, lang, now=None):
    """'12h ago' / '12小时前' for an aware UTC datetime, 'just now' / '刚刚' under a minute.

    Counted in whole units, as people read "ago": 119 seconds is "1m ago".
    """
    now = now or utcnow()
    known = RELATIVE_TEXTS.get((moment, lang))
    if known is not None and known[1] <= now < known[2]:
        return known[0]
    delta = moment - now
    if abs(delta) < JUST_NOW:
        text = str(tr("just now", lang))
    else:
        text = delta_text(lang, *floored_delta(delta.total_seconds()))
    RELATIVE_TEXTS.put((moment, lang), (text, now, text_changes_at(moment, now)))
    return text


# (moment, lang): a relative text and the span of `now` it holds for. A page
# of cards asks for forty, the same ones minute after minute.
RELATIVE_TEXTS = Bounded(4096)


@memo(1024)  # by (lang, future, unit, number): a few hundred at most
def delta_text(lang, future, unit, number):
    """Babel's narrow text for a whole number of units, made once for each.

    Babel rounds; given a whole number of units exactly, it says that number.
    """
    seconds = number * dict(UNITS)[unit] * (1 if future else -1)
    return format_timedelta(
        timedelta(seconds=seconds),
        format="narrow",
        add_direction=True,
        threshold=1,
        locale=BABEL_LOCALES[lang],
    )


# Absolute times: UTC for English readers, who live anywhere; Beijing time,
# named as such, for Chinese readers. Editors type publish times in the same zone.
LOCAL_ZONES = {"en": ZoneInfo("UTC"), "zh": ZoneInfo("Asia/Shanghai")}
# The tooltip on a relative time: the weekday too, and the zone named as the
# article page names it ("UTC", "北京时间"), not CLDR's "中国标准时间".
ABSOLUTE_PATTERNS = {"en": "EEEE, MMMM d, y, HH:mm 'UTC'", "zh": "y年M月d日EEEE HH:mm'（北京时间）'"}


def local_moment(naive, lang):
    """An editor's typed wall-clock time, read in their zone, as aware UTC."""
    return naive.replace(tzinfo=LOCAL_ZONES[lang]).astimezone(timezone.utc)


@memo(4096)
def absolute_text(moment, lang):
    """The full date and time in the reader's zone: cached, as a feed shows the same few hundred times."""
    return format_datetime(moment, ABSOLUTE_PATTERNS[lang], tzinfo=LOCAL_ZONES[lang], locale=BABEL_LOCALES[lang])


# A date as the article page writes it out, its zone named: English readers
# get UTC, Chinese readers Beijing time, whatever zone they are in.
EXACT_PATTERNS = {"en": "MMMM d, y, HH:mm 'UTC'", "zh": "y年M月d日 HH:mm'（北京时间）'"}


@memo(4096)
def exact_text(moment, lang):
    """'November 29, 2026, 08:00 UTC' / '2026年11月29日 16:00（北京时间）'."""
    return format_datetime(moment, EXACT_PATTERNS[lang], tzinfo=LOCAL_ZONES[lang], locale=BABEL_LOCALES[lang])


def exact_time_tag(moment, lang):
    """A <time> with the exact date in text, which the page clock leaves alone."""
    # An ISO time of digits, and a text escaped here.
    return Markup(f'<time datetime="{iso_utc(moment)}">{escape(exact_text(moment, lang))}</time>')  # nosec B704


def local_input_text(moment, lang):
    """A datetime as an editor's form shows it: '2026-05-01T09:30' in their zone."""
    return moment.astimezone(LOCAL_ZONES[lang]).strftime("%Y-%m-%dT%H:%M") if moment else ""


def iso_utc(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text):
    """The aware datetime for a timestamp written by `iso_utc`, or None."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=timezone.utc)


def time_tag(moment, lang, now=None):
    """A <time> element the server renders and the page clock refreshes.

    Built with an f-string rather than Markup.format, which costs as much as
    the rest of the card's times together.
    """
    title, text = escape(absolute_text(moment, lang)), escape(relative_text(moment, lang, now))
    # An ISO time of digits, and two texts escaped above.
    return Markup(f'<time datetime="{iso_utc(moment)}" title="{title}" data-relative>{text}</time>')  # nosec B704


def list_text(items, lang):
    """'Title (EN), Summary (中文), and Tags' / '标题（EN）、摘要（中文）和标签': a list as each language writes one."""
    return format_list([str(item) for item in items], locale=BABEL_LOCALES[lang]) if items else ""
