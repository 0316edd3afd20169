"""The API's one credential: a bearer token, made with `flask create-token NAME` (only its hash is stored)."""

from flask import request
from flask_babel import gettext as _

from ainews.api.errors import Unauthorized
from models import ApiToken


def require_token():
    """The caller's token, or a 401 that says what was wrong."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(_("Send an API token as: Authorization: Bearer <token>."), 'Bearer realm="api"')
    token = ApiToken.find(secret.strip())
    if token is None:
        raise Unauthorized(
            _("This API token is not valid. It may have been revoked."), 'Bearer realm="api", error="invalid_token"'
        )
    return token


def has_token():
    """Whether the request carries a token at all (a bad one is still a 401)."""
    return "Authorization" in request.headers
