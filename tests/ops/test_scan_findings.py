"""What the wapiti scan asked for (see docs/security.md)."""


def test_pages_refuse_to_be_framed_in_old_browsers_too(client):
    response = client.get("/en/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_https_pages_ask_browsers_to_stay_on_https(client):
    assert client.get("/en/", base_url="https://localhost").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_pages_send_no_hsts(client):
    # Browsers ignore it over HTTP; a site served without TLS must not promise it.
    assert "Strict-Transport-Security" not in client.get("/en/").headers


def test_reader_cookies_are_secure_over_https(client):
    response = client.get("/zh/?view=both", base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert {cookie.split("=")[0] for cookie in cookies} == {"lang", "view"}
    assert all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
