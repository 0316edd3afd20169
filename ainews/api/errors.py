"""The API's errors: {"errors": {"field": "message"}} in the client's language, with the right status."""

import json

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ainews.rules import REQUEST_MAX_TEXT, UPLOAD_REQUEST_MAX_TEXT
from ainews.web import UPLOAD_ENDPOINTS


class ApiError(Exception):
    """Answered as {"errors": {...}} with this status."""

    def __init__(self, status, errors, **extra):
        super().__init__(status, errors)
        self.status, self.errors, self.extra = status, errors, extra


def api_error(error):
    return json_response(
        {"errors": {field: str(message) for field, message in error.errors.items()}, **error.extra}, error.status
    )


def http_error(error: HTTPException):
    """Any HTTP error under /api/ (404, 405, 413, 500…) as JSON, not as a page."""
    messages = {
        400: _("The request is malformed."),
        404: _("Nothing is at this address."),
        405: _("This address does not accept that method."),
        413: _("The body is larger than the site accepts (%(size)s).", size=body_limit_text()),
    }
    code = error.code or 500
    response = json_response({"errors": {"request": messages.get(code, _("Something went wrong on our side."))}}, code)
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def body_limit_text():
    """The request limit of this route, in words: an upload's is larger (ainews/web.py)."""
    return UPLOAD_REQUEST_MAX_TEXT if request.endpoint in UPLOAD_ENDPOINTS else REQUEST_MAX_TEXT


def json_response(data, status=200):
    return current_app.response_class(json.dumps(data, ensure_ascii=False) + "\n", status, mimetype="application/json")


class Unauthorized(ApiError):
    """A 401, with the challenge that says how to authenticate."""

    def __init__(self, message, challenge):
        super().__init__(401, {"token": message})
        self.challenge = challenge


def unauthorized(error):
    response = api_error(error)
    response.headers["WWW-Authenticate"] = error.challenge
    return response
