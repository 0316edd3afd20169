"""Images go with `flask export`/`import` and with `flask backup`/`restore`."""

import json

import image_samples as samples
import pytest

from ainews import images
from ainews.db import database
from app import create_app
from conftest import create_empty_tables, database_url, sqlite_only
from models import Article, ImageFile, UploadedImage

ALTS = {"cover_alt_en": "A robot arm", "cover_alt_zh": "机械臂"}


@pytest.fixture
def with_cover(app, make_article):
    with database().connection_context():
        picture = images.store(samples.photo_jpeg(1200, 800), "alice")
    make_article(slug="with-cover", cover=picture.key, **ALTS)
    return picture


def stored_files():
    with database().connection_context():
        return {(row.image_id, row.width): bytes(row.data) for row in ImageFile.select()}


def test_export_then_import_elsewhere_restores_the_same_files(runner, with_cover, tmp_path):
    before = stored_files()
    path = tmp_path / "export.json"
    assert runner.invoke(args=["export", str(path)]).exit_code == 0
    exported = json.loads(path.read_text())
    assert [image["key"] for image in exported["images"]] == [with_cover.key]

    create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path, "new.db")})
    create_empty_tables()
    fresh = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": database_url(tmp_path, "new.db")})
    result = fresh.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 images created" in result.output
    assert stored_files() == before
    with database().connection_context():
        assert Article.get(Article.slug == "with-cover").cover == with_cover.key
    again = tmp_path / "again.json"
    fresh.test_cli_runner().invoke(args=["export", str(again)])
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda data: data.update(images=[]), "cover names an image"),
        (lambda data: data["images"][0]["files"][0].update(data="not base64!"), "base64 data"),
        (lambda data: data["images"][0].update(key="../x"), "32 hexadecimal digits"),
        (lambda data: data["articles"][0].update(cover_alt_zh=""), "cover_alt_zh must not be empty"),
    ],
)
def test_a_bad_image_record_is_refused_whole(runner, with_cover, tmp_path, change, problem):
    path = tmp_path / "export.json"
    runner.invoke(args=["export", str(path)])
    data = json.loads(path.read_text())
    change(data)
    with database().connection_context():
        UploadedImage.delete().execute()
        Article.delete().execute()
    path.write_text(json.dumps(data))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and problem in result.output
    with database().connection_context():
        assert UploadedImage.select().count() == 0 and Article.select().count() == 0


@sqlite_only("backups of a PostgreSQL site are made with pg_dump, which carries every table")
def test_a_restored_backup_has_its_images(runner, with_cover, tmp_path):
    before = stored_files()
    assert runner.invoke(args=["backup", str(tmp_path / "backup.db")]).exit_code == 0
    with database().connection_context():
        UploadedImage.delete().execute()
    assert stored_files() == {}
    result = runner.invoke(args=["restore", str(tmp_path / "backup.db")], input="y\n")
    assert result.exit_code == 0, result.output
    assert stored_files() == before
