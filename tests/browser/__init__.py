"""Tests in Debian's Chromium (a package, so its conftest.py does not clash with the suite's)."""
