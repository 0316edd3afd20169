"""The site's clock: every "now" comes from here (stored times are UTC).

Also the arithmetic of relative times ("12h ago"), which needs no language:
how many whole units a time lies back, and when that number next changes.
People read "ago" as a floor: "1m ago" from 60 to 119 seconds, "59m ago"
until the hour is full. Floors also mean a text is never ahead of the truth.
"""

from datetime import datetime, timedelta, timezone

from babel.dates import TIMEDELTA_UNITS

# Under this age a time reads "just now" rather than "12s ago".
JUST_NOW = timedelta(minutes=1)
# Babel's units and their lengths in seconds, largest first (a month is 30
# days, a year 365): what format_timedelta counts in.
UNITS = TIMEDELTA_UNITS


def utcnow():
    return datetime.now(timezone.utc)


def current_minute():
    """The minute by which cached pages are kept: scheduled articles appear at most a minute late."""
    return int(utcnow().timestamp() // 60)


def floored_delta(seconds):
    """(future, unit, number) for a delta of `seconds`: the largest unit that fits, counted whole."""
    for unit, unit_seconds in UNITS:
        number = int(abs(seconds) // unit_seconds)
        if number >= 1 or unit == "second":
            return seconds >= 0, unit, max(1, number)


def text_changes_at(moment, now):
    """The first time after `now` at which `moment`'s relative text may read differently.

    Past times change when the count of their unit goes up or a larger unit
    takes over; future ones when their count goes down. Erring early is
    harmless: a page is only rendered again.
    """
    age = (now - moment).total_seconds()
    if abs(age) < JUST_NOW.total_seconds():
        return moment + JUST_NOW
    _future, unit, number = floored_delta(-age)
    unit_seconds = dict(UNITS)[unit]
    if age < 0:
        return moment - timedelta(seconds=number * unit_seconds)
    larger = [seconds for _name, seconds in UNITS if seconds > unit_seconds and seconds > age]
    return moment + timedelta(seconds=min([(number + 1) * unit_seconds, *larger]))
