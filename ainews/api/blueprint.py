"""The API blueprint, at /api/v1: no cookies and so no CSRF; the bearer token is the only credential."""

from flask import Blueprint

from ainews.api.errors import ApiError, Unauthorized, api_error, unauthorized

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(Unauthorized, unauthorized)
bp.register_error_handler(ApiError, api_error)
