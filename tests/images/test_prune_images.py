"""`flask prune-images`: only images nothing mentions go, and only when asked."""

import image_samples as samples
import pytest

from ainews import images
from ainews.articles import save_article
from ainews.db import database
from ainews.rules import ARTICLE_FIELDS
from models import Article, ImageFile, Revision, UploadedImage


@pytest.fixture
def pictures(app):
    with database().connection_context():
        return [images.store(samples.plain_png(100 + n, 50), "alice").key for n in range(5)]


def remaining():
    with database().connection_context():
        return {image.key for image in UploadedImage.select()}


def test_only_unused_images_are_deleted_and_only_with_delete(runner, make_article, pictures):
    cover, inline, in_revision, unused, unused_too = pictures
    make_article(slug="a", cover=cover, cover_alt_en="x", cover_alt_zh="x")
    make_article(slug="b", status="draft", analysis_zh=f"图：![图](/media/{inline})")
    # An older version of "a", whose cover was another picture: restoring it needs that picture.
    with database().connection_context():
        Revision.create(article_id=1, version=1, snapshot=f'{{"cover": "{in_revision}", "title_en": "Before"}}')

    listed = runner.invoke(args=["prune-images"])
    assert listed.exit_code == 0 and "2 images unused" in listed.output
    assert unused in listed.output and unused_too in listed.output
    assert remaining() == set(pictures)

    deleted = runner.invoke(args=["prune-images", "--delete"])
    assert deleted.exit_code == 0 and "Deleted 2 images." in deleted.output
    assert remaining() == {cover, inline, in_revision}
    with database().connection_context():
        assert {row.image_id for row in ImageFile.select()} == {cover, inline, in_revision}
        assert Article.select().count() == 2


def test_a_cover_replaced_by_a_save_is_kept_for_the_revision_that_shows_it(runner, make_article, pictures):
    first, second = pictures[:2]
    article = make_article(slug="replaced", cover=first, cover_alt_en="x", cover_alt_zh="x")
    with database().connection_context():
        stored = Article.get_by_id(article.id)
        values = {name: getattr(stored, name) for name in ARTICLE_FIELDS if name != "tags"}
        values.update(cover=second, cover_alt_en="y", cover_alt_zh="y")
        save_article(stored, values, [], expected_version=stored.version, by="alice")

    assert runner.invoke(args=["prune-images", "--delete"]).exit_code == 0
    assert {first, second} <= remaining()  # the first is only in the history now, and kept for it
