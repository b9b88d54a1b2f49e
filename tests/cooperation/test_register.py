"""The register for everyone: the table with its filters, sorting and pages, translations counted
once, the CSV, JSON and Atom exports, countries with their chart, the timeline, and drafts kept
out of all of it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

import pytest

from tests.cooperation.helpers import (
    csv_rows,
    make_partner,
    make_record,
    table_titles,
    text,
)

ATOM = "{http://www.w3.org/2005/Atom}"

CONVENTION = "Convention against Transnational Organized Crime"
MEMORANDUM = "Memorandum with the Bundespolizei"
TRAINING = "Joint training on cybercrime"
EXCHANGE = "Exchange visit to Seoul"
DRAFT = "Agreement with France under negotiation"
ARCHIVED = "Conference on border security"
PUBLISHED = [TRAINING, MEMORANDUM, EXCHANGE, CONVENTION]  # by year, latest first


@dataclass(frozen=True)
class Register:
    bpol: int
    academy: int
    gendarmerie: int
    knpa: int
    unodc: int
    convention: int
    memorandum: int
    training: int
    exchange: int
    draft: int
    archived: int


def build_register(app) -> Register:
    """Four published records from 2003 to 2025, a draft and an archived one."""
    bpol = make_partner(app, "Bundespolizei", "DE", short_name="BPOL")
    academy = make_partner(app, "Police Academy of Lower Saxony", "DE", kind="academy")
    gendarmerie = make_partner(app, "Gendarmerie nationale", "FR")
    knpa = make_partner(app, "Korean National Police Agency", "KR", short_name="KNPA")
    unodc = make_partner(app, "United Nations Office on Drugs and Crime", None,
                         kind="international", short_name="UNODC")
    return Register(
        bpol, academy, gendarmerie, knpa, unodc,
        convention=make_record(app, CONVENTION, [unodc], kind="convention", year=2003),
        memorandum=make_record(app, MEMORANDUM, [bpol], signed_on=date(2024, 5, 10),
                               topics=("community-policing",)),
        training=make_record(app, TRAINING, [academy, gendarmerie], kind="training",
                             status="completed", starts_on=date(2025, 2, 1),
                             ends_on=date(2025, 2, 10)),
        exchange=make_record(app, EXCHANGE, [knpa], kind="exchange", status="completed",
                             year=2023),
        draft=make_record(app, DRAFT, [gendarmerie], kind="intergovernmental", year=2026,
                          state="draft"),
        archived=make_record(app, ARCHIVED, [bpol], kind="conference", year=2022,
                             state="archived"),
    )


@pytest.fixture
def register(app) -> Register:
    return build_register(app)


def titles(client, query: str = "") -> list[str]:
    response = client.get(f"/cooperation/?{query}")
    assert response.status_code == 200, query
    return table_titles(text(response))


# The table ------------------------------------------------------------------------------------


def test_the_table_shows_the_published_records_latest_first(client, register) -> None:
    response = client.get("/cooperation/")

    page = text(response)
    assert response.status_code == 200
    assert table_titles(page) == PUBLISHED
    assert "4 records" in page
    assert DRAFT not in page and ARCHIVED not in page
    # a row names the partners' countries and the partners, each a link
    assert '<a href="/cooperation/countries/FR">France</a>, ' \
           '<a href="/cooperation/countries/DE">Germany</a>' in page  # in the partners' order
    assert f'<a href="/cooperation/partners/{register.bpol}">BPOL</a>' in page


def test_each_filter_narrows_the_table(client, register) -> None:
    expected = {
        "country=DE": [TRAINING, MEMORANDUM],
        "country=de": [TRAINING, MEMORANDUM],
        "country=FR": [TRAINING],  # the draft with France is not public
        f"partner={register.knpa}": [EXCHANGE],
        f"partner={register.gendarmerie}": [TRAINING],
        "kind=convention": [CONVENTION],
        "kind=conference": [],  # only the archived record is a conference
        "status=completed": [TRAINING, EXCHANGE],
        "status=in_force": [MEMORANDUM, CONVENTION],
        "year=2024": [MEMORANDUM],  # filed under the year it was signed
        "year=2025": [TRAINING],  # and this one under the year it started
        "year=2026": [],
        "topic=community-policing": [MEMORANDUM],
        "q=SEOUL": [EXCHANGE],
        "country=DE&status=completed": [TRAINING],
        "country=DE&kind=convention": [],
    }
    for query, shown in expected.items():
        assert titles(client, query) == shown, query
    nothing = text(client.get("/cooperation/?country=KR&kind=convention"))
    assert "No records match these filters." in nothing and "0 records" in nothing


def test_the_filters_offer_only_what_the_public_register_has(client, register) -> None:
    page = text(client.get("/cooperation/"))

    country = page.split('id="page-filter-country"', 1)[1].split("</select>", 1)[0]
    year = page.split('id="page-filter-year"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([A-Z]{2})">', country) == ["FR", "DE", "KR"]
    assert re.findall(r'<option value="(\d+)">', year) == ["2025", "2024", "2023", "2003"]


def test_a_column_sorts_both_ways(client, register) -> None:
    ascending = {
        "title": [CONVENTION, EXCHANGE, TRAINING, MEMORANDUM],
        "year": [CONVENTION, EXCHANGE, MEMORANDUM, TRAINING],
        "status": [EXCHANGE, TRAINING, CONVENTION, MEMORANDUM],  # completed before in force
    }
    for sort, expected in ascending.items():
        up = text(client.get(f"/cooperation/?sort={sort}&dir=asc"))
        down = text(client.get(f"/cooperation/?sort={sort}&dir=desc"))

        assert table_titles(up) == expected, sort
        if sort != "status":
            assert table_titles(down) == expected[::-1], sort
        else:  # two records a status: ties stay in title order both ways
            assert table_titles(down) == [CONVENTION, MEMORANDUM, EXCHANGE, TRAINING]
        assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down, sort
    # the kind column groups the kinds (four kinds, no ties: one way is the other reversed)
    by_kind = titles(client, "sort=kind&dir=asc")
    assert sorted(by_kind) == sorted(PUBLISHED)
    assert titles(client, "sort=kind&dir=desc") == by_kind[::-1]
    # a sort the table does not have falls back to the year
    assert titles(client, "sort=password&dir=up") == ascending["year"]


def test_the_sort_links_keep_the_filters_and_flip_the_direction(client, register) -> None:
    page = text(client.get("/cooperation/?country=DE&sort=title&dir=asc"))

    link = re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="([^"]+)"', page)
    assert link is not None
    target = link.group(1).replace("&amp;", "&")
    assert "country=DE" in target and "sort=title" in target and "dir=desc" in target
    assert titles(client, target.split("?", 1)[1]) == [MEMORANDUM, TRAINING]


def test_the_table_is_paged_and_the_pages_keep_the_filters(app, client, register) -> None:
    app.config["COOPERATION_PER_PAGE"] = 3

    first = text(client.get("/cooperation/"))
    second = text(client.get("/cooperation/?page=2"))
    beyond = text(client.get("/cooperation/?page=3"))

    assert table_titles(first) == PUBLISHED[:3]
    assert table_titles(second) == PUBLISHED[3:]
    assert table_titles(beyond) == []
    assert 'rel="next" href="/cooperation/?page=2&amp;sort=year&amp;dir=desc"' in first
    assert "4 records" in first and "4 records" in second

    app.config["COOPERATION_PER_PAGE"] = 1
    filtered = text(client.get("/cooperation/?status=completed&sort=title&dir=asc"))
    assert table_titles(filtered) == [EXCHANGE]
    following = re.search(r'rel="next" href="([^"]+)"', filtered)
    assert following is not None
    url = following.group(1).replace("&amp;", "&")
    assert table_titles(text(client.get(url))) == [TRAINING]


BAD_FILTERS = [
    ("country=XX", "country", "“XX” is not a country code."),
    ("country=Germany", "country", "is not a country code."),
    ("partner=999", "partner", "There is no such partner."),
    ("partner=abc", "partner", "There is no such partner."),
    ("kind=embassy", "kind", "There is no such kind of record."),
    ("status=secret", "status", "There is no such status."),
    ("year=1850", "year", "Give a year between 1900 and 2100."),
    ("year=twenty", "year", "Give a year between 1900 and 2100."),
    ("topic=weather", "topic", "There is no such topic."),
]


def test_a_filter_that_makes_no_sense_is_answered_400_next_to_its_field(client,
                                                                        register) -> None:
    for query, field, message in BAD_FILTERS:
        response = client.get(f"/cooperation/?{query}")
        csv_export = client.get(f"/cooperation/export.csv?{query}")
        json_export = client.get(f"/cooperation/export.json?{query}")

        page = text(response)
        assert response.status_code == 400, query
        error = re.search(rf'<p class="error" id="page-filter-{field}-error">([^<]*)</p>',
                          page)
        assert error is not None and message in error.group(1), query
        assert f'aria-describedby="page-filter-{field}-error"' in page, query
        assert 'role="alert"' in page, query
        assert "coop-table" not in page, query  # no table pretending the filter was applied
        assert csv_export.status_code == json_export.status_code == 400, query
        assert message in json_export.get_json()["errors"][field], query
    # every bad filter of a request is named, the good ones are not
    several = client.get("/cooperation/?country=XX&kind=embassy&year=1850&status=in_force")
    assert several.status_code == 400
    assert re.findall(r'<p class="error" id="page-filter-(\w+)-error">', text(several)) == [
        "country", "kind", "year"]


# Translations ---------------------------------------------------------------------------------


def test_a_translated_record_is_listed_once_in_the_readers_language(app, client) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    english = make_record(app, MEMORANDUM, [bpol], signed_on=date(2024, 5, 10))
    make_record(app, "Меморандум с Федеральной полицией", [bpol], language="ru",
                signed_on=date(2024, 5, 10), translation_of=english)
    make_record(app, "Federal politsiya bilan memorandum", [bpol], language="uz",
                signed_on=date(2024, 5, 10), translation_of=english, state="draft")

    for language, shown in (("en", MEMORANDUM), ("ru", "Меморандум с Федеральной полицией"),
                            ("uz", MEMORANDUM)):  # the Uzbek one is a draft still
        headers = {"Accept-Language": language}
        assert table_titles(text(client.get("/cooperation/", headers=headers))) == [shown]
        [row] = csv_rows(client.get("/cooperation/export.csv", headers=headers))[1:]
        assert row[0] == shown
        assert client.get("/cooperation/export.json", headers=headers).get_json()["count"] == 1
        timeline = text(client.get("/cooperation/timeline", headers=headers))
        assert re.findall(r'href="/cooperation/\d+">([^<]*)<', timeline) == [shown]
    counts = text(client.get("/cooperation/countries"))
    assert re.search(r'<a href="/cooperation/countries/DE">Germany</a></th>\s*<td>'
                     r'<a [^>]*>1</a></td>\s*<td>1</td>', counts)
    feed = ET.fromstring(client.get("/cooperation/feed.atom").get_data())
    assert len(feed.findall(f"{ATOM}entry")) == 1


# Exports --------------------------------------------------------------------------------------


def test_the_csv_export_is_the_filtered_table_as_a_spreadsheet_reads_it(app, client,
                                                                        register) -> None:
    response = client.get("/cooperation/export.csv?country=DE&sort=title&dir=asc")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "cooperation-register.csv" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:11] == ["Title", "Kind", "Status", "Year", "Signed or acceded", "Starts",
                           "Ends", "Countries", "Partners", "People trained", "Language"]
    assert len(header) == 12  # and the record's address
    assert [row[0] for row in rows] == [TRAINING, MEMORANDUM]
    training = rows[0]
    assert training[1:7] == ["Joint training or course", "Completed", "2025", "",
                             "2025-02-01", "2025-02-10"]
    assert training[7] == "France; Germany"
    assert training[8] == "Gendarmerie nationale; Police Academy of Lower Saxony"
    assert training[11] == f"http://portal.test/cooperation/{register.training}"
    assert all(len(row) == len(header) for row in rows)


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_escaped(app, client) -> None:
    partner = make_partner(app, "=HYPERLINK(\"http://evil.example\")", "DE")
    for n, title in enumerate(["=SUM(A1:A9)", "+998 71 000 00 00 hotline", "-1 day",
                               "@cmd attack", "Plain, with a comma and \"quotes\""]):
        make_record(app, title, [partner], year=2000 + n)

    rows = csv_rows(client.get("/cooperation/export.csv?sort=year&dir=asc"))[1:]

    assert [row[0] for row in rows] == [
        "'=SUM(A1:A9)", "'+998 71 000 00 00 hotline", "'-1 day", "'@cmd attack",
        "Plain, with a comma and \"quotes\""]
    assert {row[8] for row in rows} == {"'=HYPERLINK(\"http://evil.example\")"}
    assert [row[3] for row in rows] == ["2000", "2001", "2002", "2003", "2004"]


def test_the_json_export_carries_the_filtered_records(client, register) -> None:
    response = client.get("/cooperation/export.json?status=completed&sort=title&dir=asc")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data(as_text=True))
    assert body["filters"] == {"status": "completed"}
    assert body["count"] == 2
    exchange, training = body["records"]
    assert (exchange["title"], training["title"]) == (EXCHANGE, TRAINING)
    assert training["kind"] == "training" and training["status_label"] == "Completed"
    assert (training["starts_on"], training["ends_on"]) == ("2025-02-01", "2025-02-10")
    assert [(p["name"], p["country"], p["country_name"]) for p in training["partners"]] == [
        ("Gendarmerie nationale", "FR", "France"),
        ("Police Academy of Lower Saxony", "DE", "Germany")]
    assert exchange["url"] == f"http://portal.test/cooperation/{register.exchange}"


def test_the_table_links_its_exports_with_the_same_filters(client, register) -> None:
    page = text(client.get("/cooperation/?country=DE&kind=training"))

    links = [m.replace("&amp;", "&") for m in re.findall(
        r'href="(/cooperation/export\.(?:csv|json)\?[^"]+)"', page)]
    assert len(links) == 2
    for link in links:
        assert "country=DE" in link and "kind=training" in link
    rows = csv_rows(client.get(links[0]))[1:]
    assert [row[0] for row in rows] == [TRAINING]


def test_the_atom_feed_lists_the_published_records(client, register) -> None:
    response = client.get("/cooperation/feed.atom")

    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    assert set(entries) == set(PUBLISHED)
    training = entries[TRAINING]
    assert training.find(f"{ATOM}link").get("href") == (
        f"http://portal.test/cooperation/{register.training}")
    assert "Gendarmerie nationale" in training.findtext(f"{ATOM}summary")


# Countries, timeline, sitemap -----------------------------------------------------------------


def test_the_countries_page_counts_published_records_per_kind_with_a_chart(
        client, register) -> None:
    page = text(client.get("/cooperation/countries"))

    table = page.split('<table class="table coop-counts">', 1)[1].split("</table>", 1)[0]
    headings = re.findall(r'<th scope="col">([^<]*)</th>', table)
    # only the kinds the public register has; the archived conference and the draft
    # intergovernmental agreement are not counted
    assert headings == ["Country", "Interagency", "Trainings", "Exchanges", "All"]
    rows = {m[0]: [int(n) for n in re.findall(r"(?:>|<td>)(\d+)(?:</a>)?</td>", m[1])]
            for m in re.findall(r'countries/([A-Z]{2})">[^<]+</a></th>(.*?)</tr>', table,
                                re.S)}
    assert rows == {"DE": [1, 1, 0, 2], "FR": [0, 1, 0, 1], "KR": [0, 0, 1, 1]}
    assert list(rows) == ["DE", "FR", "KR"]  # the busiest first
    # the chart: one labelled bar a country, one segment a kind with records
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in page.split("<svg", 1)[1][:200]
    assert svg.count("<rect") == 4
    assert "<title>Germany: Interagency 1</title>" in svg
    assert "<title>South Korea: Exchanges 1</title>" in svg
    assert "United Nations" not in table  # an international organisation has no country
    assert 'href="/cooperation/?country=DE&amp;kind=training"' in table


def test_a_country_page_lists_its_published_records(client, register) -> None:
    response = client.get("/cooperation/countries/DE")

    page = text(response)
    assert response.status_code == 200
    assert "<h1>Germany</h1>" in page and "2 cooperation records" in page
    assert MEMORANDUM in page and TRAINING in page
    assert ARCHIVED not in page and EXCHANGE not in page
    assert "<svg" in page
    assert f'href="/cooperation/partners/{register.bpol}"' in page
    assert f'href="/cooperation/partners/{register.gendarmerie}"' not in page  # French


def test_country_codes_are_checked(client, register) -> None:
    lower = client.get("/cooperation/countries/de")

    assert lower.status_code == 301 and lower.headers["Location"].endswith("/countries/DE")
    assert client.get("/cooperation/countries/XX").status_code == 404
    assert client.get("/cooperation/countries/DEU").status_code == 404
    empty = client.get("/cooperation/countries/IT")
    assert empty.status_code == 200
    assert "The register has no published records with partners from this country." in text(
        empty)


def test_the_timeline_groups_published_records_by_year(app, client, register) -> None:
    bpol = register.bpol
    make_record(app, "Undated working contacts", [bpol])

    page = text(client.get("/cooperation/timeline"))

    years = re.findall(r'<h2 id="year-([0-9a-z]+)">', page)
    assert years == ["2003", "2023", "2024", "2025", "unknown"]
    assert DRAFT not in page and ARCHIVED not in page
    section = page.split('id="year-2025"', 1)[1].split("</li>\n", 1)[0]
    assert TRAINING in section and MEMORANDUM not in section


def test_drafts_and_archived_records_stay_out_of_every_public_place(app, client,
                                                                    register) -> None:
    for record_id in (register.draft, register.archived):
        assert client.get(f"/cooperation/{record_id}").status_code == 404
    places = {
        "table": text(client.get("/cooperation/?sort=title&dir=asc")),
        "csv": text(client.get("/cooperation/export.csv")),
        "json": text(client.get("/cooperation/export.json")),
        "feed": text(client.get("/cooperation/feed.atom")),
        "countries": text(client.get("/cooperation/countries")),
        "france": text(client.get("/cooperation/countries/FR")),
        "timeline": text(client.get("/cooperation/timeline")),
        "partner": text(client.get(f"/cooperation/partners/{register.bpol}")),
        "sitemap": text(client.get("/sitemap.xml")),
    }
    for name, page in places.items():
        assert DRAFT not in page and ARCHIVED not in page, name
        for record_id in (register.draft, register.archived):
            assert f"/cooperation/{record_id}<" not in page, name
            assert f'/cooperation/{record_id}"' not in page, name
    assert f"<loc>http://portal.test/cooperation/{register.memorandum}</loc>" in places[
        "sitemap"]
    assert "2026" not in places["table"].split('id="page-filter-year"', 1)[1].split(
        "</select>", 1)[0]
