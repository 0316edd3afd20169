"""`flask prune-images`: only images nothing mentions go, and only when asked."""

import image_samples as samples
import pytest

from ainews import images
from ainews.db import database
from models import Article, ImageFile, UploadedImage


@pytest.fixture
def pictures(app):
    with database().connection_context():
        return [images.store(samples.plain_png(100 + n, 50), "alice").key for n in range(5)]


def remaining():
    with database().connection_context():
        return {image.key for image in UploadedImage.select()}


def drop_revision_table():
    with database().connection_context():
        database().execute_sql("DROP TABLE revision")


def test_only_unused_images_are_deleted_and_only_with_delete(request, runner, make_article, pictures):
    cover, inline, in_revision, unused, unused_too = pictures
    make_article(slug="a", cover=cover, cover_alt_en="x", cover_alt_zh="x")
    make_article(slug="b", status="draft", analysis_zh=f"图：![图](/media/{inline})")
    # A revision table as the history feature keeps it: the article's columns as JSON.
    snapshot = f'{{"cover": "{in_revision}", "title_en": "Before"}}'
    with database().connection_context():
        if "revision" not in database().get_tables():
            database().execute_sql("CREATE TABLE revision (snapshot TEXT)")
            request.addfinalizer(drop_revision_table)
        database().execute_sql(f"INSERT INTO revision (snapshot) VALUES ({database().param})", (snapshot,))

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
