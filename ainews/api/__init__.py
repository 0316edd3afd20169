"""The JSON API at /api/v1: reading and writing routes, their JSON shapes, errors, the OpenAPI document."""

from ainews.api import images, reading, writing  # noqa: F401  (their routes join the blueprint)
from ainews.api.blueprint import bp

__all__ = ["bp"]
