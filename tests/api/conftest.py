"""What the API tests share: a client that checks every response against the
OpenAPI document, a token, and ways to look at the database.

tests/api is a package so that this file does not take the module name
`conftest` from tests/conftest.py, which the tests import helpers from.
"""

import re

import pytest
from jsonschema import Draft202012Validator

from ainews.db import database
from models import ApiToken, Article

API = "/api/v1"


class CheckedClient:
    """A test client whose every /api/v1 response must match the OpenAPI document."""

    def __init__(self, client, document, token=None):
        self.client, self.document, self.token = client, document, token
        self.checked = []

    def request(self, method, path, token="default", headers=None, **kwargs):
        headers = dict(headers or {})
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(API + path, method=method, headers=headers, **kwargs)
        self.check(method, path.split("?")[0], response)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def check(self, method, path, response):
        operation = self.operation(method, path)
        if operation is None:  # not an API route: it must answer a JSON 404 or 405
            assert response.status_code in (404, 405), (method, path)
            assert set(response.get_json()["errors"]) == {"request"}
            return
        described = operation["responses"].get(str(response.status_code))
        assert described, f"{method} {path} answered {response.status_code}, which the document does not list"
        content = described.get("content")
        if content is None:
            assert response.data == b""
            return
        assert response.mimetype == "application/json"
        schema = {**content["application/json"]["schema"], "components": self.document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
        assert not errors, f"{method} {path} {response.status_code}: {errors[0].message} at {list(errors[0].path)}"
        self.checked.append((method, path, response.status_code))

    def operation(self, method, path):
        for template, item in self.document["paths"].items():
            pattern = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, path) and method.lower() in item:
                return item[method.lower()]
        return None


@pytest.fixture
def document(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    return document


@pytest.fixture
def token(app):
    with database().connection_context():
        return ApiToken.issue("pipeline")


@pytest.fixture
def api(client, document, token):
    return CheckedClient(client, document, token)


@pytest.fixture
def reader(client, document):
    """The same, without a token."""
    return CheckedClient(client, document)


def stored(slug):
    with database().connection_context():
        return Article.get_or_none(Article.slug == slug)


def feed_order(sort):
    with database().connection_context():
        return [a.slug for a in Article.published(sort)]


def count_articles():
    with database().connection_context():
        return Article.select().count()
