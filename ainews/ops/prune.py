"""`flask prune-images`: the uploaded images nothing uses any more, listed, and deleted on request.

Images are never deleted by themselves. An image is in use when an
article's cover names it, when an analysis shows it (`/media/<key>`), or
when any saved revision mentions its key (a deleted article's included):
restoring that revision must bring its pictures back. A revision's whole
snapshot is searched for keys, so an old version's cover or Markdown counts
as well as the current article's.
"""

import re

import click

from ainews.db import database, write_transaction
from ainews.images import ImageFile, UploadedImage
from ainews.rules import IMAGE_KEY_PATTERN
from models import Article, Revision

KEY = re.compile(IMAGE_KEY_PATTERN)
BATCH = 500


def keys_in(*texts):
    return {key for text in texts if isinstance(text, str) for key in KEY.findall(text)}


def keys_in_use():
    """Every key an article or a revision mentions (a superset of the images in use: safe to keep)."""
    used = set()
    for row in Article.select(Article.cover, Article.analysis_en, Article.analysis_zh).tuples().iterator():
        used |= keys_in(*row)
    for (snapshot,) in Revision.select(Revision.snapshot).tuples().iterator():
        used |= keys_in(snapshot)
    return used


def unused_images():
    used = keys_in_use()
    return [image for image in UploadedImage.select().order_by(UploadedImage.created_at) if image.key not in used]


@click.command("prune-images")
@click.option("--delete", is_flag=True, help="Delete them; without it, only list them.")
def prune_images_command(delete):
    """List the uploaded images no article or revision uses; with --delete, delete them."""
    with database().connection_context():
        unused = unused_images()
        for image in unused:
            who = image.uploaded_by or "?"
            click.echo(f"{image.key} {image.width}x{image.height}, uploaded by {who} on {image.created_at:%Y-%m-%d}")
        if not delete:
            click.echo(f"{len(unused)} images unused; run with --delete to delete them.")
            return
        keys = [image.key for image in unused]
        with write_transaction():
            used = keys_in_use()  # again, inside the transaction: a save may have used one since
            keys = [key for key in keys if key not in used]
            for start in range(0, len(keys), BATCH):
                batch = keys[start : start + BATCH]
                ImageFile.delete().where(ImageFile.image.in_(batch)).execute()
                UploadedImage.delete().where(UploadedImage.key.in_(batch)).execute()
        click.echo(f"Deleted {len(keys)} images.")
