"""The form that helps: counters from the rules, nothing cut, errors marked
only where they are, focus on the first of them, a preview of what was typed."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from ainews.clock import utcnow
from ainews.db import database
from ainews.editor.forms import ArticleForm
from ainews.rules import ARTICLE_FIELDS, LOGIN_LIMIT, LOGIN_WINDOW, TAGS_TEXT_MAX, TEXT_LIMITS
from conftest import csrf_token, form_data, htmx, sign_in
from models import Article

# Every limited field of the form, and its limit as the rules state it.
LIMITS = {
    # Every text an editor types; the cover is an upload's key, in a hidden field.
    **{name: rule.max_length for name, rule in ARTICLE_FIELDS.items() if rule.kind == "text" and name != "cover"},
    "tags": TAGS_TEXT_MAX,
}


def soup_of(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def stored_count():
    with database().connection_context():
        return Article.select().count()


def shown_text(field):
    """What a browser shows in a field: it drops the one line break that opens a textarea."""
    if field.name == "textarea":
        return field.text.removeprefix("\r\n").removeprefix("\n")
    return field.get("value") or ""


def textarea_text(soup, name):
    return shown_text(soup.find("textarea", attrs={"name": name}))


# Counters and limits ------------------------------------------------------------


def test_every_limited_field_has_a_counter_from_the_rules_and_no_maxlength(editor_client):
    soup = soup_of(editor_client.get("/editor/new"))
    assert not soup.select("[maxlength]")  # a browser would cut pasted text with it, without a word
    for name, limit in LIMITS.items():
        field = soup.find(attrs={"name": name, "data-limit": True})
        assert field is not None, name
        assert int(field["data-limit"]) == limit
        counter = soup.find(id=f"count-{name}")
        assert f"count-{name}" in field["aria-describedby"].split()
        assert counter.get_text() == f"{len(shown_text(field))} / {limit:,}"
    assert len(soup.select("[data-limit]")) == len(LIMITS)
    form = soup.find(id="article-form")
    assert "{count}" in form["data-count-over"] and "{over}" in form["data-count-over"]


def test_sixty_thousand_characters_are_refused_and_every_one_comes_back(editor_client):
    pasted = "Long analysis. " * 4_000  # 60,000 characters
    limit = TEXT_LIMITS["analysis"]
    response = editor_client.post("/editor/new", data=form_data(editor_client, analysis_en=pasted))
    assert response.status_code == 422
    soup = soup_of(response)
    assert textarea_text(soup, "analysis_en") == pasted
    error = soup.find(id="error-analysis_en").get_text()
    assert f"At most {limit:,} characters: this has 60,000, {60_000 - limit:,} too many" in error
    counter = soup.find(id="count-analysis_en")
    assert counter.get_text() == f"60,000 / {limit:,} — {60_000 - limit:,} over"
    assert "over" in counter["class"]
    assert stored_count() == 0


def test_line_breaks_count_once_as_the_counter_counts_them(editor_client):
    """Browsers post CRLF; their counter (the textarea's value) sees LF. Both count one."""
    limit = TEXT_LIMITS["summary"]
    lines = ["x" * 9] * (limit // 10)  # lines of 9 and a break: exactly the limit
    at_limit = "\r\n".join(lines) + "\r\n"
    assert len(at_limit.replace("\r\n", "\n")) == limit < len(at_limit)
    response = editor_client.post("/editor/new", data=form_data(editor_client, summary_en=at_limit))
    assert response.status_code == 303
    with database().connection_context():
        assert Article.get().summary_en == at_limit.replace("\r\n", "\n")
    over = editor_client.post("/editor/new", data=form_data(editor_client, summary_en=at_limit + "y"))
    assert over.status_code == 422
    assert soup_of(over).find(id="count-summary_en").get_text().startswith(f"{limit + 1:,} / {limit:,}")


def test_characters_are_code_points_not_utf16_units(editor_client):
    limit = TEXT_LIMITS["title"]
    title = "🤖" * limit  # each two UTF-16 units in JavaScript's .length, one in Python and Array.from
    response = editor_client.post("/editor/new", data=form_data(editor_client, title_en=title))
    assert response.status_code == 303
    refused = editor_client.post("/editor/new", data=form_data(editor_client, title_en=title + "🤖", slug="other"))
    assert refused.status_code == 422
    assert soup_of(refused).find("input", attrs={"name": "title_en"})["value"] == title + "🤖"


@pytest.mark.parametrize("name", ["slug", "tags", "source_url", "model", "category_zh"])
def test_each_limited_field_refuses_one_too_many_and_keeps_it(editor_client, name):
    text = "a" * (LIMITS[name] + 1)
    response = editor_client.post("/editor/new", data=form_data(editor_client, **{name: text}))
    assert response.status_code == 422
    soup = soup_of(response)
    assert soup.find(attrs={"name": name})["value"] == text
    assert f"{LIMITS[name]:,}" in soup.find(id=f"error-{name}").get_text()
    assert stored_count() == 0


def test_the_counter_says_it_in_chinese(editor_client):
    editor_client.set_cookie("lang", "zh")
    response = editor_client.post("/editor/new", data=form_data(editor_client, model="m" * (LIMITS["model"] + 1)))
    soup = soup_of(response)
    assert "超出 1" in soup.find(id="count-model").get_text()
    assert "最多" in soup.find(id="error-model").get_text()


# aria-invalid, descriptions and focus -------------------------------------------


def test_a_blank_form_marks_no_field_invalid_and_focuses_none(editor_client):
    soup = soup_of(editor_client.get("/editor/new"))
    assert not soup.select("[aria-invalid]")
    # One polite live region, which speaks only when a field crosses its limit:
    # not the preview, which changes at every pause in typing.
    assert [region["id"] for region in soup.select("[aria-live]")] == ["count-status"]
    assert not soup.select("[autofocus]")
    assert not soup.select(".error-summary")


def test_after_a_failed_save_focus_goes_to_the_first_error_in_reading_order(editor_client):
    data = form_data(editor_client, title_en="", title_zh="", hot="150", slug="Bad Slug", model="m" * 500)
    soup = soup_of(editor_client.post("/editor/new", data=data))
    invalid = soup.select("[aria-invalid]")
    assert [field["name"] for field in invalid] == ["title_en", "hot", "slug", "model"]
    assert all(field["aria-invalid"] == "true" for field in invalid)
    assert [field["name"] for field in soup.select("[autofocus]")] == ["title_en"]
    for field in invalid:  # each described by its message
        described = [soup.find(id=ref) for ref in field["aria-describedby"].split()]
        assert None not in described
        assert described[0].get_text().strip()
    links = [link["href"] for link in soup.select(".error-summary a")]
    assert links == ["#title_en", "#hot", "#slug", "#model"]


def test_the_reading_order_is_the_order_of_the_page(editor_client):
    soup = soup_of(editor_client.get("/editor/new"))
    names = [field["name"] for field in soup.select("#article-form .fields [name]")]
    names = [name for name in names if name in ArticleForm.READING_ORDER]
    assert list(dict.fromkeys(names)) == list(ArticleForm.READING_ORDER)


def test_the_sign_in_page_marks_only_the_field_with_an_error(client, make_editor):
    make_editor()
    soup = soup_of(client.get("/editor/login"))
    assert not soup.select("[aria-invalid]")
    response = client.post("/editor/login", data={"name": "", "password": "x", "csrf_token": csrf_token(client)})
    soup = soup_of(response)
    assert [field["name"] for field in soup.select("[aria-invalid]")] == ["name"]
    assert [field["name"] for field in soup.select("[autofocus]")] == ["name"]
    assert not soup.select("[maxlength]")


# The preview ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["150", "-3", "lots"])
def test_the_preview_shows_a_bad_score_as_typed_beside_its_error(editor_client, typed):
    response = editor_client.post("/editor/preview", data=form_data(editor_client, hot=typed), headers=htmx())
    soup = soup_of(response)
    assert soup.select_one(".score-hot dd").get_text() == typed
    assert soup.find(id="error-hot").get_text()


def test_the_preview_shows_an_overlong_model_name_as_typed(editor_client):
    model = "m" * (LIMITS["model"] + 5)
    data = form_data(editor_client, model=model, source_url="javascript:alert(1)")
    soup = soup_of(editor_client.post("/editor/preview", data=data, headers=htmx()))
    assert model in soup.select_one(".generated").get_text()
    assert not soup.select(".source a")  # a source that is no web address is not made a link
    assert soup.find(id="error-source_url").get_text()


# "Read the analysis" ----------------------------------------------------------------


def test_read_the_analysis_only_on_cards_with_an_analysis(client, make_article):
    make_article(title_en="With analysis", slug="with")
    bare = make_article(title_en="Without", slug="without", analysis_en="", analysis_zh="")
    soup = soup_of(client.get("/en/"))
    assert soup.select("#card-with .read-more")
    assert not soup.select("#card-without .read-more")
    with database().connection_context():  # the card cache must not serve the card without the link
        article = Article.get_by_id(bare.id)
        article.analysis_zh = "现在有了。"
        article.save()
    assert soup_of(client.get("/en/")).select("#card-without .read-more")


# Provenance ---------------------------------------------------------------------------


def test_provenance_is_typed_saved_and_shown_again(editor_client):
    data = form_data(
        editor_client,
        source_url="https://example.org/story",
        model="gpt-test-1",
        generated_at="2026-05-01T09:30",
    )
    assert editor_client.post("/editor/new", data=data).status_code == 303
    with database().connection_context():
        article = Article.get()
    assert (article.source_url, article.model) == ("https://example.org/story", "gpt-test-1")
    assert article.generated_at.isoformat() == "2026-05-01T09:30:00+00:00"
    soup = soup_of(editor_client.get(f"/editor/{article.id}/edit"))
    assert soup.find(attrs={"name": "source_url"})["value"] == "https://example.org/story"
    assert soup.find(attrs={"name": "model"})["value"] == "gpt-test-1"
    assert soup.find(attrs={"name": "generated_at"})["value"] == "2026-05-01T09:30"


@pytest.mark.parametrize(
    "name, value",
    [("source_url", "ftp://example.org/x"), ("source_url", "not an address"), ("generated_at", "yesterday")],
)
def test_bad_provenance_is_refused_and_kept(editor_client, name, value):
    response = editor_client.post("/editor/new", data=form_data(editor_client, **{name: value}))
    assert response.status_code == 422
    soup = soup_of(response)
    assert soup.find(attrs={"name": name})["value"] == value
    assert soup.find(id=f"error-{name}").get_text()


# Sign-in lock --------------------------------------------------------------------------


@pytest.mark.parametrize("lang, words", [("en", "sign-in is paused"), ("zh", "登录现已暂停")])
def test_the_attempt_that_locks_sign_in_says_so(client, make_editor, lang, words):
    make_editor()
    client.set_cookie("lang", lang)
    for _ in range(LOGIN_LIMIT - 1):
        response = sign_in(client, password="wrong password!")
        assert words not in response.get_data(as_text=True)
    last = sign_in(client, password="wrong password!")
    assert last.status_code == 401
    text = soup_of(last).select_one(".login").get_text()
    assert words in text
    assert str(int(LOGIN_WINDOW.total_seconds() // 60)) in text and str(LOGIN_LIMIT) in text
    assert sign_in(client).status_code == 429


def test_a_scheduled_time_is_not_a_last_change(editor_client, make_article):
    make_article(title_en="Far ahead", slug="far", status="draft", published_at=utcnow() + timedelta(days=1100))
    soup = soup_of(editor_client.get("/editor/"))
    assert "in 3" not in soup.select_one(".articles tbody").get_text()
