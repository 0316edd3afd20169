"""The body of a write: a JSON object whose fields have the JSON types their rules ask for.

The rules themselves (lengths, patterns, ranges, choices) are the editors'
form's to check (writing.py); here a field only has to be known and of the
right type, so the form gets values it can read.
"""

import json
import re
from datetime import datetime, timezone

from flask import request
from flask_babel import gettext as _

from ainews.api.errors import ApiError
from ainews.rules import API_NAME_ECHO_MAX, ARTICLE_FIELDS, KEPT_FIELDS, TAG_SEPARATORS, TIME_RULE

# The JSON type of each kind of field; a time is an ISO 8601 string with its zone, or null.
JSON_TYPES = {"text": str, "choice": str, "integer": int, "boolean": bool, "tags": list, "time": "time"}

# What a new article's body may hold; a change also sends the version it was made from.
CREATE_FIELDS = ARTICLE_FIELDS
CHANGE_FIELDS = {**ARTICLE_FIELDS, "version": KEPT_FIELDS["version"]}


def read_article_body(fields):
    """The JSON object sent, and an error for each unknown field or value of the wrong type.

    Times come back as aware UTC datetimes. The fields in error are left out,
    so the form can still check the others and the client hears about every
    problem at once. Not an object: a 400.
    """
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        raise ApiError(400, {"body": _("The body is not valid JSON.")}) from None
    if not isinstance(data, dict):
        raise ApiError(400, {"body": _('Send a JSON object, such as {"title_en": "…"}.')})
    values, errors = {}, {}
    for name, value in data.items():
        if name not in fields:
            # Named back as sent, cut short, with what UTF-8 cannot carry (a lone surrogate) escaped.
            errors[name[:API_NAME_ECHO_MAX].encode("utf-8", "backslashreplace").decode()] = _("There is no such field.")
            continue
        kind = JSON_TYPES[fields[name].kind]
        if not has_type(value, kind):
            errors[name] = type_message(kind)
        elif kind is list and any(re.search(TAG_SEPARATORS, item) for item in value):
            # The form reads "A, B" as two tags; a list item is one tag, so a comma in it is a mistake.
            errors[name] = _("Send each tag as its own item: a tag name cannot contain a comma.")
        elif kind == "time":
            try:
                values[name] = read_time(value)
            except ValueError:
                errors[name] = time_message()
        elif name not in ARTICLE_FIELDS and not fields[name].accepts(value):
            # Not a field of the form (the version): its rule is checked here.
            low, high = fields[name].range
            errors[name] = _("Use a whole number from %(low)d to %(high)d.", low=low, high=high)
        else:
            values[name] = value
    return values, errors


def has_type(value, kind):
    if kind == "time":
        return value is None or isinstance(value, str)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is list:
        return isinstance(value, list) and all(is_text(item) for item in value)
    if kind is str:
        return is_text(value)
    return isinstance(value, kind)


def is_text(value):
    """A string that can be stored anywhere: JSON allows lone surrogates and NULs, UTF-8 and PostgreSQL do not."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def type_message(kind):
    if kind == "time":
        return time_message()
    return {
        str: _("Must be text."),
        int: _("Must be a whole number."),
        bool: _("Must be true or false."),
        list: _('Must be a list of tag names, such as ["Open Source|开源"].'),
    }[kind]


def time_message():
    first, last = TIME_RULE.years
    return _(
        "Must be a time such as 2026-05-01T09:30:00Z, with a year from %(first)d to %(last)d, or null.",
        first=first,
        last=last,
    )


def read_time(text):
    """An ISO 8601 time with its zone (or None), as aware UTC; ValueError when it is not one.

    Its year is the form's to check, like every other rule.
    """
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no zone: which moment is meant?")
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999, moved out of the calendar
        raise ValueError("out of range") from None
