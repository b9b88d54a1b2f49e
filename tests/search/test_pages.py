"""The search box on every page, the search page without JavaScript, and the archive of
everything published by year, month and type."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.courses.models import Course
from portal.materials.models import Material
from portal.webinars.models import Webinar
from tests.search.helpers import (
    change,
    course,
    guide,
    make_partner,
    make_record,
    make_webinar,
    read_page,
    sync,
)

SEARCH_BOX = re.compile(
    r'<form method="get" action="/search" class="site-search" role="search">\s*'
    r'<label for="site-q"[^>]*>[^<]+</label>\s*<input id="site-q" name="q" type="search"')


def day(year: int, month: int, day_: int) -> datetime:
    return datetime(year, month, day_, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("url", ["/", "/materials/", "/courses/", "/webinars/", "/cooperation/",
                                 "/archive/", "/search", "/search?q=rights", "/auth/login",
                                 "/no-such-page"])
def test_every_page_has_the_search_box(app: Flask, client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert SEARCH_BOX.search(response.get_data(as_text=True)), url


def test_the_search_page_needs_no_javascript(app: Flask, client: FlaskClient) -> None:
    for n in range(12):
        guide(app, f"Tenancy {n:02d}", f"Deposits, part {n}.",
              topics=["family"] if n % 2 else ["legal-aid"])
    sync(app)

    page = client.get("/search?q=deposits").get_data(as_text=True)

    assert "<script" not in page
    form = page.split('class="search-form"', 1)[0].rsplit("<form", 1)[1]
    assert 'method="get" action="/search"' in form
    assert 'name="q" type="search" value="deposits"' in page
    # Narrowing, sorting and paging are plain links a browser follows without scripts.
    links = [html.unescape(link) for link in re.findall(r'href="(/search\?[^"]+)"', page)]
    assert "/search?q=deposits&topic=family" in links
    assert "/search?q=deposits&sort=date" in links
    assert "/search?q=deposits&page=2" in links
    for link in links:
        assert client.get(link).status_code == 200, link
    narrowed = read_page(client.get("/search?q=deposits&topic=family"))
    assert narrowed.total == 6
    # The form keeps the choices made: searching again stays narrowed.
    assert '<input type="hidden" name="topic" value="family">' in narrowed.text


# The archive --------------------------------------------------------------------------------------

@pytest.fixture
def dated(app: Flask) -> dict[str, int]:
    """Published content of several years and months, and some that is not published."""
    ids = {
        "march 2024": guide(app, "Guide of March 2024"),
        "november 2024": guide(app, "Guide of November 2024"),
        "may 2025": guide(app, "Guide of May 2025"),
        "inspectors": guide(app, "Guide for inspectors, May 2025", audience="inspectors"),
        "draft": guide(app, "Draft guide", state="draft"),
        "archived": guide(app, "Archived guide", state="archived"),
    }
    ids["webinar"] = make_webinar(app, "Webinar of May 2025")
    ids["course"] = course(app, "Course of January 2023", [("Only lesson", "Text.")]).id
    for key, when in (("march 2024", day(2024, 3, 10)), ("november 2024", day(2024, 11, 2)),
                      ("may 2025", day(2025, 5, 5)), ("inspectors", day(2025, 5, 6)),
                      ("draft", day(2024, 3, 11)), ("archived", day(2024, 3, 12))):
        change(app, Material, ids[key], published_at=when, created_at=when)
    change(app, Webinar, ids["webinar"], starts_at=day(2025, 5, 20))
    change(app, Course, ids["course"], published_at=day(2023, 1, 15))
    sync(app)
    return ids


def entries(client: FlaskClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return read_page(response).titles


def test_the_archive_lists_everything_published_newest_first(app: Flask, client: FlaskClient,
                                                             dated: dict[str, int]) -> None:
    page = read_page(client.get("/archive/"))

    assert page.titles[:4] == ["Webinar of May 2025", "Guide of May 2025",
                               "Guide of November 2024", "Guide of March 2024"]
    # A lesson carries its course's date.
    assert sorted(page.titles[4:]) == ["Course of January 2023", "Only lesson"]
    assert page.count == "6 items"
    assert "Draft guide" not in page.text and "Archived guide" not in page.text
    assert "Guide for inspectors" not in page.text
    years = re.findall(r'<a href="/archive/(\d+)">\1</a> <span class="muted">\((\d+)\)</span>',
                       page.text)
    assert years == [("2025", "2"), ("2024", "2"), ("2023", "2")]


def test_the_archive_by_year_and_month(app: Flask, client: FlaskClient,
                                       dated: dict[str, int]) -> None:
    year = client.get("/archive/2024").get_data(as_text=True)
    assert read_page(client.get("/archive/2024")).titles == [
        "Guide of November 2024", "Guide of March 2024"]
    assert "<h1>Archive: 2024</h1>" in year
    months = re.findall(r'<a href="/archive/2024/(\d+)">(2024-\d\d)</a>', year)
    assert months == [("11", "2024-11"), ("3", "2024-03")]

    assert entries(client, "/archive/2024/3") == ["Guide of March 2024"]
    assert entries(client, "/archive/2025/5") == ["Webinar of May 2025", "Guide of May 2025"]
    assert entries(client, "/archive/2025/4") == []
    assert "Nothing published here." in client.get("/archive/2025/4").get_data(as_text=True)
    assert entries(client, "/archive/1999") == []


def test_the_archive_by_type(app: Flask, client: FlaskClient, dated: dict[str, int]) -> None:
    assert entries(client, "/archive/?type=webinar") == ["Webinar of May 2025"]
    assert entries(client, "/archive/2024?type=material") == [
        "Guide of November 2024", "Guide of March 2024"]
    assert entries(client, "/archive/2023?type=lesson") == ["Only lesson"]
    assert entries(client, "/archive/?type=nonsense") == []
    page = client.get("/archive/2025").get_data(as_text=True)
    assert re.findall(r'<a href="/archive/2025\?type=(\w+)">([^<]+)</a>', page) == [
        ("webinar", "Webinar"), ("material", "Guide")]


@pytest.mark.parametrize(("role", "sees"), [(None, False), ("citizen", False),
                                            ("inspector", True)])
def test_items_for_inspectors_are_in_the_archive_only_for_them(
        app: Flask, client: FlaskClient, as_role, dated: dict[str, int], role: str | None,
        sees: bool) -> None:
    if role:
        as_role(role)
    for url in ("/archive/", "/archive/2025", "/archive/2025/5", "/archive/?type=material"):
        assert ("Guide for inspectors, May 2025" in entries(client, url)) is sees, url


def test_the_archive_comes_in_pages(app: Flask, client: FlaskClient) -> None:
    for n in range(13):
        guide(app, f"Guide {n:02d}")
    record_id = make_record(app, "Memorandum", [make_partner(app, "Police Academy", "DE")])
    sync(app)

    first = read_page(client.get("/archive/"))
    second = read_page(client.get("/archive/?page=2"))

    assert first.count == second.count == "15 items"
    assert len(first.titles) == 10 and len(second.titles) == 5
    assert {"Memorandum", "Police Academy"} <= set(first.titles) | set(second.titles)
    assert 'rel="next" href="/archive/?page=2"' in first.text
    assert record_id


@pytest.mark.parametrize("url", ["/archive/1899", "/archive/2101", "/archive/2024/0",
                                 "/archive/2024/13", "/archive/abc", "/archive/2024/may",
                                 "/archive/2024/5/1", "/archive/-1"])
def test_a_year_or_month_that_cannot_be_is_not_found(app: Flask, client: FlaskClient,
                                                     url: str) -> None:
    assert client.get(url).status_code == 404
