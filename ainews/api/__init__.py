"""The JSON API at /api/v1: routes (articles.py), errors, the OpenAPI document."""

from ainews.api import articles  # noqa: F401  (its routes join the blueprint)
from ainews.api.blueprint import bp

__all__ = ["bp"]
