"""Editor sign-in, sessions, rate limits, CSRF and access control."""

import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from ainews.db import database
from app import create_app
from conftest import EDITOR_PASSWORD, create_empty_tables, csrf_token, database_url, htmx, sign_in
from models import Editor, EditorSession, LoginFailure

# Every editor route with a method that should need a signed-in editor.
PROTECTED = [
    ("get", "/editor/"),
    ("get", "/editor/?page=2"),
    ("get", "/editor/new"),
    ("post", "/editor/new"),
    ("get", "/editor/1/edit"),
    ("post", "/editor/1/edit"),
    ("post", "/editor/preview"),
    ("post", "/editor/1/preview"),
    ("get", "/editor/1/delete"),
    ("post", "/editor/1/delete"),
    ("post", "/editor/logout"),
]


def test_login_page_renders_a_form_with_a_csrf_token(client):
    response = client.get("/editor/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'type="password"' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in html
    assert '"X-CSRFToken"' in html


def test_sign_in_succeeds_and_lands_on_the_dashboard(client, make_editor, make_article):
    make_editor()
    make_article(title_en="Visible on the dashboard")
    response = sign_in(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/editor/"
    dashboard = client.get("/editor/")
    assert dashboard.status_code == 200
    assert "Visible on the dashboard" in dashboard.get_data(as_text=True)
    assert "Signed in as alice" in dashboard.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client, make_editor):
    make_editor()
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client, make_editor):
    make_editor()
    token = csrf_token(client)
    response = client.post(
        "/editor/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/editor/login"},
        data={"name": "alice", "password": EDITOR_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_in_renews_the_session(client, make_editor):
    make_editor()
    client.get("/editor/login")
    before = client.get_cookie("session").value
    sign_in(client)
    after = client.get_cookie("session").value
    assert before != after
    with database().connection_context():
        assert EditorSession.select().count() == 1


@pytest.mark.parametrize(
    "name, password",
    [
        ("alice", "wrong password!"),
        ("nobody", EDITOR_PASSWORD),
        ("ALICE", EDITOR_PASSWORD),
        ("alice", ""),
        ("", EDITOR_PASSWORD),
    ],
)
def test_failed_sign_in_keeps_the_name_and_says_why(client, make_editor, name, password):
    make_editor()
    response = sign_in(client, name=name, password=password)
    html = response.get_data(as_text=True)
    assert response.status_code in (401, 422)
    assert f'value="{name}"' in html or not name
    focused = BeautifulSoup(html, "html.parser").select("[autofocus]")
    assert [field["name"] for field in focused] == ["name" if not name else "password"]  # where to type next
    assert client.get("/editor/").status_code == 302


def test_failed_sign_in_is_explained_in_chinese(client, make_editor):
    make_editor()
    client.set_cookie("lang", "zh")
    response = sign_in(client, password="wrong password!")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_five_failures_for_one_name_then_429(client, make_editor):
    make_editor()
    for _ in range(5):
        assert sign_in(client, password="wrong password!").status_code == 401
    # Even the right password waits now: the limit does not tell guesses apart.
    response = sign_in(client)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_the_limit_also_counts_per_address_across_names(client, make_editor):
    make_editor()
    for n in range(5):
        sign_in(client, name=f"guess{n}", password="wrong password!")
    assert sign_in(client).status_code == 429
    other_address = client.post(
        "/editor/login",
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
        data={"name": "alice", "password": EDITOR_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert other_address.status_code == 303


def test_the_limit_holds_across_server_processes(app, make_editor, tmp_path):
    """Two app instances on one database share the count, as gunicorn workers do."""
    make_editor()
    other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": app.config["DATABASE_URL"]})
    clients = [app.test_client(), other.test_client()]
    statuses = [sign_in(clients[n % 2], password="wrong password!").status_code for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    with database().connection_context():
        assert LoginFailure.select().count() == 10  # five per name, five per address


def test_success_clears_the_failures_for_that_name(client, make_editor):
    make_editor()
    for _ in range(3):
        sign_in(client, password="wrong password!")
    assert sign_in(client).status_code == 303
    with database().connection_context():
        assert LoginFailure.select().where(LoginFailure.key == "name:alice").count() == 0


def test_logout_ends_the_session_on_the_server(client, make_editor):
    make_editor()
    sign_in(client)
    copied = client.get_cookie("session").value
    response = client.post("/editor/logout", data={"csrf_token": csrf_token(client, "/editor/")})
    assert response.status_code == 303
    assert client.get("/editor/").status_code == 302
    # The cookie as it was before logging out no longer works either.
    client.set_cookie("session", copied)
    assert client.get("/editor/").status_code == 302


def test_password_reset_ends_every_session(client, runner, make_editor):
    make_editor()
    sign_in(client)
    assert client.get("/editor/").status_code == 200
    result = runner.invoke(args=["create-editor", "alice", "--reset"], input="another password\nanother password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/editor/").status_code == 302
    assert sign_in(client).status_code == 401
    assert sign_in(client, password="another password").status_code == 303


@pytest.mark.parametrize("method, url", PROTECTED)
def test_every_editor_route_needs_a_signed_in_editor(client, make_article, method, url):
    make_article()
    response = getattr(client, method)(url, data={})
    if method == "get":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/editor/login?next=")
    else:
        # Without a session there is no CSRF token either: refused either way.
        assert response.status_code in (400, 401)


@pytest.mark.parametrize("method, url", PROTECTED)
def test_htmx_requests_get_401_when_signed_out(client, make_article, method, url):
    make_article()
    token = csrf_token(client)
    response = getattr(client, method)(url, headers=htmx(**{"X-CSRFToken": token}), data={})
    assert response.status_code == 401
    assert "signed out" in response.get_data(as_text=True)


def test_a_post_without_csrf_token_is_refused(editor_client, make_article):
    article = make_article()
    for url in [
        "/editor/new",
        f"/editor/{article.id}/edit",
        f"/editor/{article.id}/delete",
        "/editor/preview",
        "/editor/logout",
    ]:
        response = editor_client.post(url, data={"title_en": "x"})
        assert response.status_code == 400, url
    # Nothing happened: still signed in, the article still there.
    assert editor_client.get(f"/editor/{article.id}/edit").status_code == 200


def test_login_without_csrf_token_is_refused(client, make_editor):
    make_editor()
    response = client.post("/editor/login", data={"name": "alice", "password": EDITOR_PASSWORD})
    assert response.status_code == 400
    assert client.get("/editor/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aLocation:%20https://evil.example",
        " //evil.example",
        "editor/",
    ],
)
def test_next_never_leaves_the_site(client, make_editor, target):
    make_editor()
    response = sign_in(client, next=target)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert not location.scheme and not location.netloc
    assert location.path.startswith("/") and not location.path.startswith(("//", "/\\"))


def test_next_inside_the_site_is_followed(client, make_editor):
    make_editor()
    assert sign_in(client, next="/editor/new").headers["Location"] == "/editor/new"


def test_signed_in_editor_visiting_login_goes_on(editor_client):
    response = editor_client.get("/editor/login?next=/editor/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/new"


def test_interface_language_switch_keeps_the_page(editor_client):
    response = editor_client.get("/editor/language/zh?next=/editor/new")
    assert response.status_code == 303
    assert response.headers["Location"] == "/editor/new"
    page = editor_client.get("/editor/new").get_data(as_text=True)
    assert "新建文章" in page and 'lang="zh-Hans"' in page
    assert editor_client.get("/editor/language/en?next=https://evil.example").headers["Location"] == "/editor/"


def test_sign_in_warns_before_the_pause(client, make_editor):
    make_editor()
    messages = [sign_in(client, password="wrong password!").get_data(as_text=True) for _ in range(4)]
    assert "more failed attempt" not in messages[1]
    assert "2 more failed attempts pause sign-in" in messages[2]
    assert "1 more failed attempt pauses sign-in" in messages[3]


def test_behind_a_proxy_each_reader_address_is_counted_apart(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "PROXY_COUNT": 1,
            "DATABASE_URL": database_url(tmp_path, "proxy.db"),
        }
    )
    create_empty_tables()
    with database().connection_context():
        editor = Editor(name="alice")
        editor.set_password(EDITOR_PASSWORD)
        editor.save()
    client = app.test_client()

    def attempt(address, name, password):
        return client.post(
            "/editor/login",
            headers={"X-Forwarded-For": address},
            data={"name": name, "password": password, "csrf_token": csrf_token(client)},
        )

    for n in range(5):
        attempt("203.0.113.1", f"guess{n}", "wrong password!")
    assert attempt("203.0.113.1", "alice", EDITOR_PASSWORD).status_code == 429
    assert attempt("198.51.100.2", "alice", EDITOR_PASSWORD).status_code == 303


def test_concurrent_attempts_cannot_all_slip_under_the_limit(app):
    """Eight sign-ins at the same moment, each on its own connection, as in
    eight server processes: only as many as the limit get through."""
    start = threading.Barrier(8)
    reserved = []

    def attempt():
        with database().connection_context():
            start.wait()
            reserved.append(LoginFailure.reserve(["name:alice"], limit=3, window=timedelta(minutes=10)))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(ids is not None for ids in reserved) == 3
    with database().connection_context():
        assert LoginFailure.select().count() == 3
