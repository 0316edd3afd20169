"""No request of any shape gets a 5xx: every route of the URL map, walked with hostile input.

Each route is asked with every method it has (and a few it has not), its
path arguments filled with odd values, odd query arguments, htmx headers
naming any target, and odd bodies; as a reader, as a signed-in editor and
with an API token. Under TESTING an exception is raised out of the test
client instead of becoming a 500, so a failure here names the bug.
"""

import re

import pytest

from ainews.db import database
from models import ApiToken

# Values for each kind of path argument: good ones, and ones no page has.
PATH_VALUES = {
    "lang": ["en", "zh"],
    "slug": ["open-models", "nope", "%00", "a" * 300, "%E4%B8%AD", "..%2F..%2Fetc"],
    "article_id": ["1", "0", "99999999999999999999999"],
    "part": ["1", "0", "99999999999999999999"],
    "version": ["1", "0", "99999999999999999999"],
    "code": ["en", "zh"],
    "filename": ["style.css"],
    "name": ["0" * 32 + "-480.webp", "0" * 32, "f" * 32 + "-99999.webp", "x-480.webp", "%00", "a" * 300],
}

QUERIES = [
    "",
    "?page=0",
    "?page=99999999999999999999&sort=hot",
    "?page=-1&sort=%00",
    "?sort=nope&view=both",
    "?view=one&show=both&full=1",
    "?show=xx&full=%ff",
    "?q=%00%0b%1b&page=2",
    "?q=" + "%E4%B8%AD" * 300,
    "?t=2026-13-45T99:99:99Z&t=%00&t=" + "x" * 50,
    "?next=//evil.example&next=/%0a",
    "?limit=1&endpoint=x&_external=0&_method=POST&_anchor=%0aalert(1)",
    "?limit=99999999999999999999&lang=xx&tag=nope",
    "?cursor=W10&sort=hot",
    "?cursor=WyJuZXciLCAiMDAwMS0wMS0wMVQwMDowMDowMCsxNDowMCIsIDk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
    "?cursor=eyJhIjogMX0&limit=2",
    "?status=%00&translation=%ff&tag=" + "x" * 400,
    "?q=%25_%5C%00&status=scheduled&translation=missing-zh&tag=open-source&page=2",
]

HEADERS = [
    {},
    {"HX-Request": "true", "HX-Target": "results"},
    {"HX-Request": "true", "HX-Target": "load-more"},
    {"HX-Request": "true", "HX-Target": "page"},
    {"HX-Request": "true", "HX-Target": "card-nope", "HX-Boosted": "true"},
    {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Current-URL": "javascript:alert(1)"},
    {"Accept-Language": "zh-CN,zh;q=0.9", "Cookie": "view=both; lang=zh"},
    {"Accept-Language": "*;q=x,,;", "Cookie": "lang=%00; view=%ff"},
    {"Authorization": "Bearer nope"},
    {"Authorization": "Basic " + "x" * 500},
]

BODIES = [
    {},
    {"data": "a=1&a=2&base=[1,2]&version=1&csrf_token=nope"},
    {"data": {"title_en": "x", "file": (b"\x00\xff", "x.jpg")}, "content_type": "multipart/form-data"},
    {"data": '{"\\ud800": 1}', "content_type": "application/json"},
    {"data": '{"title_en": "\\u0000", "hot": 1e999, "tags": [[]]}', "content_type": "application/json"},
    {"data": "[" * 5000, "content_type": "application/json"},
    {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"},
]

EXTRA_METHODS = ["PUT", "DELETE", "PATCH"]


ARGUMENT = re.compile(r"<(?:[^<>]+:)?(\w+)>")  # <slug>, <int:part>, <any(en, zh):lang>


def paths_for(rule):
    """The rule's path with each value above for each argument (the first values together first)."""
    names = sorted(rule.arguments)
    count = max((len(PATH_VALUES[name]) for name in names), default=1)
    for n in range(count):
        chosen = {name: PATH_VALUES[name][n % len(PATH_VALUES[name])] for name in names}
        yield ARGUMENT.sub(lambda match, chosen=chosen: chosen[match.group(1)], rule.rule)


def requests_for(app):
    """(endpoint, method, url, headers, body) for every case of every route."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = rule.methods - {"OPTIONS"}
        for n, path in enumerate(paths_for(rule)):
            # Every query and htmx target on the route's ordinary path; every header on the odd ones.
            cases = [(query, headers) for query in QUERIES for headers in HEADERS[:3]] if n == 0 else []
            cases += [("", headers) for headers in HEADERS]
            for method in sorted(methods):
                for query, headers in cases:
                    yield rule.endpoint, method, path + query, headers, {}
                if method in ("POST", "PATCH", "DELETE"):
                    for body in BODIES:
                        yield rule.endpoint, method, path, {}, body
            for method in EXTRA_METHODS:
                yield rule.endpoint, method, path, {}, BODIES[1]


def walk(client, app):
    """Make every request; returns how many were made and those answered with a 5xx."""
    made, failures = 0, []
    for endpoint, method, url, headers, body in requests_for(app):
        response = client.open(url, method=method, headers=headers, **body)
        made += 1
        if response.status_code >= 500:
            failures.append((endpoint, method, url, headers, body, response.status_code))
    return made, failures


@pytest.fixture
def filled(make_article, make_tag):
    """Enough articles that lists have a next page at limit=1."""
    tag = make_tag()
    for slug in ("open-models", "second", "third"):
        make_article(slug=slug, tags=[tag])


def test_no_request_gets_a_5xx_as_a_reader(app, client, filled):
    made, failures = walk(client, app)
    assert made > 1000
    assert failures == []


def test_no_request_gets_a_5xx_as_a_signed_in_editor(app, editor_client, filled):
    made, failures = walk(editor_client, app)
    assert failures == []


def test_no_request_gets_a_5xx_with_an_api_token(app, client, filled):
    with database().connection_context():
        token = ApiToken.issue("fuzz")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    made, failures = walk(client, app)
    assert failures == []


def test_the_walk_reaches_every_route(app):
    endpoints = {request[0] for request in requests_for(app)}
    expected = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints == expected
