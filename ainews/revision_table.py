"""The revision table: one row per saved version of an article (the logic is in ainews/revisions.py).

Its own module so that `models.py` can list it and `revisions.py` can use
both it and `Article` without importing in a circle.
"""

from peewee import CharField, IntegerField, TextField

from ainews import rules
from ainews.clock import utcnow
from ainews.db import BaseModel
from ainews.fields import UTCDateTimeField


class Revision(BaseModel):
    """One saved version of an article: every column and the tags, as JSON (ainews/revisions.py).

    `article_id` is a plain integer, not a foreign key: the revisions of a
    deleted article outlive it, so that it can be restored.
    """

    article_id = IntegerField()
    version = IntegerField()
    saved_at = UTCDateTimeField(default=utcnow)
    saved_by = CharField(max_length=rules.REVISION_BY_MAX, default="")  # "" for a version saved before history
    kind = CharField(max_length=max(map(len, rules.REVISION_KINDS)), default=rules.REVISION_KINDS[0])
    changed = TextField(default="")  # space-separated field names changed from the version before
    snapshot = TextField()

    class Meta:
        indexes = ((("article_id", "version"), True), (("kind", "saved_at"), False))
