"""The JSON API's tests (a package: see conftest.py)."""
