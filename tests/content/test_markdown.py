"""Guide text: Markdown that can never carry script, headings with anchors, reading time."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal.content.markdown import reading_minutes, render
from tests.conftest import make_material


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.found]

    def attributes(self) -> list[tuple[str, str, str | None]]:
        return [(tag, name, value) for tag, attrs in self.found for name, value in attrs.items()]


def guide_text(app, client, body: str) -> str:
    """Publish a guide with *body* and return the HTML of its text as a visitor sees it."""
    with app.app_context():
        slug = make_material("Safe text", body=body).slug
    page = client.get(f"/materials/{slug}").get_data(as_text=True)
    match = re.search(r'<div class="prose">(.*?)</div>', page, re.S)
    assert match, "no guide text on the page"
    return match.group(1)


@pytest.mark.parametrize("body", [
    "<script>alert('x')</script>",
    "Before <script src=https://evil.example/x.js></script> after",
    "<SCRIPT>alert(1)</SCRIPT>",
    "```\n</code></pre><script>alert(1)</script>\n```",
])
def test_script_tags_never_reach_the_page(app, client, body) -> None:
    html = guide_text(app, client, body)

    assert "script" not in Elements(html).tags
    assert "<script" not in html.lower()


@pytest.mark.parametrize("body", [
    "<img src=x onerror=alert(1)>",
    '<a href="/" onclick="steal()">click</a>',
    '<p onmouseover="alert(1)">hover</p>',
    '![pic](/x.png "t\\" onerror=\\"alert(1))',
    "<svg onload=alert(1)>",
])
def test_event_handler_attributes_never_survive(app, client, body) -> None:
    html = guide_text(app, client, body)

    elements = Elements(html)
    assert [a for a in elements.attributes() if a[1].startswith("on")] == []
    assert not {"img", "svg"} & set(elements.tags)


@pytest.mark.parametrize("body", [
    "[Open](javascript:alert(1))",
    "[Open](JavaScript:alert(document.cookie))",
    "[Open](  javascript:alert(1))",
    "[Open](&#106;avascript:alert(1))",
    "[Open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[Open][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">Open</a>',
])
def test_javascript_and_data_links_never_become_links(app, client, body) -> None:
    html = guide_text(app, client, body)

    hrefs = [value or "" for _, name, value in Elements(html).attributes() if name == "href"]
    assert [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))] == []


def test_ordinary_links_are_kept_and_open_safely(app, client) -> None:
    html = guide_text(app, client, "See [the law](https://lex.uz/docs/1) or [mail](mailto:a@b.uz).")

    links = [attrs for tag, attrs in Elements(html).found if tag == "a"]
    assert [a["href"] for a in links] == ["https://lex.uz/docs/1", "mailto:a@b.uz"]
    assert all(a["rel"] == "noopener noreferrer" for a in links)


@pytest.mark.parametrize("body", [
    '<iframe src="https://evil.example"></iframe>',
    '<form action="/auth/logout" method="post"><button>Win</button></form>',
    '<div style="position:fixed">overlay</div>',
    "<style>body{display:none}</style>",
    '<object data="x.swf"></object>',
])
def test_raw_html_is_shown_as_text_never_as_markup(app, client, body) -> None:
    html = guide_text(app, client, body)

    tags = set(Elements(html).tags)
    assert not tags & {"iframe", "form", "button", "div", "style", "object"}
    assert "&lt;" in html  # the visitor sees the text that was typed


def test_markdown_formatting_is_rendered(app, client) -> None:
    html = guide_text(app, client, "Some **bold**, *italic* and `code`.\n\n- one\n- two\n\n"
                                   "| Law | Year |\n|:--|--:|\n| Family Code | 1998 |\n")

    tags = Elements(html).tags
    for tag in ("strong", "em", "code", "ul", "li", "table", "th", "td"):
        assert tag in tags
    assert "style=" not in html  # the CSP allows no inline styles: alignment is dropped


def test_headings_get_ids_and_a_table_of_contents(app, client) -> None:
    with app.app_context():
        slug = make_material("Family law", body=(
            "Intro.\n\n## Who may marry\n\nText.\n\n### Age\n\nText.\n\n"
            "## Property of spouses\n\nText.\n")).slug

    page = client.get(f"/materials/{slug}").get_data(as_text=True)

    assert '<h2 id="who-may-marry">Who may marry</h2>' in page
    assert '<h3 id="age">Age</h3>' in page
    assert '<h2 id="property-of-spouses">Property of spouses</h2>' in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == ["who-may-marry", "age", "property-of-spouses"]
    assert "Contents" in toc


def test_repeated_headings_get_distinct_ids(app, client) -> None:
    html = guide_text(app, client, "## Example\n\nOne.\n\n## Example\n\nTwo.\n")

    ids = [attrs["id"] for tag, attrs in Elements(html).found if tag == "h2"]
    assert len(ids) == 2 and len(set(ids)) == 2


def test_cyrillic_and_uzbek_headings_get_ascii_ids(app, client) -> None:
    html = guide_text(app, client, "## Что говорит закон\n\nТекст.\n\n## Oʻzbek tilida\n\nMatn.\n")

    ids = [attrs["id"] for tag, attrs in Elements(html).found if tag == "h2"]
    assert ids == ["chto-govorit-zakon", "ozbek-tilida"]


def test_a_top_level_heading_in_the_text_stays_a_heading_below_the_title(app, client) -> None:
    with app.app_context():
        slug = make_material("Rights of the child", body=(
            "# Overview\n\nText.\n\n## Details\n\nMore text.\n")).slug

    page = client.get(f"/materials/{slug}").get_data(as_text=True)

    assert page.count("<h1") == 1  # the page title
    assert '<h2 id="overview">Overview</h2>' in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == ["overview", "details"]


def test_a_guide_with_a_single_heading_shows_no_table_of_contents(app, client) -> None:
    with app.app_context():
        slug = make_material("Short note", body="## Only part\n\nText.\n").slug

    page = client.get(f"/materials/{slug}").get_data(as_text=True)

    assert 'class="toc"' not in page


@pytest.mark.parametrize(("words", "minutes"), [(10, 1), (180, 1), (181, 2), (900, 5)])
def test_the_guide_page_shows_its_reading_time(app, client, words, minutes) -> None:
    with app.app_context():
        slug = make_material("Long read", body=" ".join(["huquq"] * words)).slug

    page = client.get(f"/materials/{slug}").get_data(as_text=True)

    unit = "minute" if minutes == 1 else "minutes"
    assert f"{minutes} {unit} read" in page


def test_reading_time_counts_words_in_every_language() -> None:
    assert reading_minutes("") == 1
    assert reading_minutes("Ребёнок имеет право " * 90) == 2  # 360 words
    # "oʻz" is one word: 135 words, not 180.
    assert reading_minutes("Bolaning oʻz huquqi " * 45, words_per_minute=140) == 1


def test_rendering_nothing_gives_nothing() -> None:
    rendered = render("")

    assert str(rendered.html) == ""
    assert rendered.toc == []


def test_the_table_of_contents_shows_heading_words_without_markdown_marks() -> None:
    from portal.content.markdown import render

    toc = render("## Your **rights** at `home`\n\nText.\n\n## Next\n").toc

    assert [h.text for h in toc] == ["Your rights at home", "Next"]
