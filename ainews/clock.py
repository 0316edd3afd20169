"""The site's clock: every "now" comes from here (stored times are UTC)."""

from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)


def current_minute():
    """The minute by which relative times are told: pages cached within it tell the same times."""
    return int(utcnow().timestamp() // 60)
