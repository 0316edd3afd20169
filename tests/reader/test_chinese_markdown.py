"""Markdown that works for Chinese: emphasis beside full-width punctuation, no stray spaces at line breaks."""

import pytest
from bs4 import BeautifulSoup

from ainews.text import render_markdown
from conftest import form_data, htmx


def html(text):
    return str(render_markdown(text)).strip()


@pytest.mark.parametrize(
    "markdown, expected",
    [
        # Closing after full-width punctuation, before a Chinese character.
        ("**使用：**能否商用", "<p><strong>使用：</strong>能否商用</p>"),
        ("- **修改：**能否再分发？", "<ul>\n<li><strong>修改：</strong>能否再分发？</li>\n</ul>"),
        # Opening after a Chinese character, before punctuation that is not CJK (curly quotes).
        ("能否**“开放”**权重", "<p>能否<strong>“开放”</strong>权重</p>"),
        ("关键在于，“*开放*”是一条光谱", "<p>关键在于，“<em>开放</em>”是一条光谱</p>"),
        ("称为**开放权重**而非开源。", "<p>称为<strong>开放权重</strong>而非开源。</p>"),
        ("**注意。**下一句", "<p><strong>注意。</strong>下一句</p>"),
        ("这是*强调。*然后", "<p>这是<em>强调。</em>然后</p>"),
        # English reads as CommonMark says, unchanged.
        ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>"),
        ("**x.**y", "<p>**x.**y</p>"),
        ("a ** b **", "<p>a ** b **</p>"),
        ("snake_case_name", "<p>snake_case_name</p>"),
    ],
)
def test_emphasis_next_to_chinese_punctuation(markdown, expected):
    assert html(markdown) == expected


@pytest.mark.parametrize(
    "markdown, expected",
    [
        ("第一句，\n第二句。", "<p>第一句，第二句。</p>"),
        ("开放\n权重", "<p>开放权重</p>"),
        ("**开放**\n权重", "<p><strong>开放</strong>权重</p>"),
        # A space stays where a language with spaces meets the line break.
        ("Open\nweights", "<p>Open\nweights</p>"),
        ("开放\nweights", "<p>开放\nweights</p>"),
        ("한국어\n문장", "<p>한국어\n문장</p>"),
        # A hard break stays a break.
        ("第一行\\\n第二行", "<p>第一行<br>\n第二行</p>"),
    ],
)
def test_soft_line_breaks_between_chinese_characters_add_no_space(markdown, expected):
    assert html(markdown) == expected


def test_the_demo_article_shows_bold_in_its_chinese_list(client, make_article):
    analysis_zh = "不妨先问几个问题：\n- **使用：**能否商用？\n- **署名：**需要附带哪些声明？"
    make_article(slug="open-weights", analysis_zh=analysis_zh)

    page = BeautifulSoup(client.get("/zh/articles/open-weights").get_data(as_text=True), "html.parser")

    items = page.select(".analysis li")
    assert [li.strong.get_text() for li in items] == ["使用：", "署名："]
    assert "**" not in page.select_one(".analysis").get_text()


def test_the_editors_preview_shows_the_same_bold(editor_client):
    data = form_data(editor_client, analysis_zh="- **使用：**能否商用？", preview_show="zh")

    response = editor_client.post("/editor/preview", data=data, headers=htmx())

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one(".preview li strong").get_text() == "使用："
