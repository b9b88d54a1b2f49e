"""Journey 5: a visitor filters the cooperation register by country and downloads the CSV,
at desktop and phone width, every page checked with axe-core."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.cooperation.helpers import make_partner, make_record
from tests.e2e.conftest import accessible, fits

pytestmark = pytest.mark.screens


def test_a_visitor_filters_the_register_by_country_and_downloads_the_csv(live, page,
                                                                        screen) -> None:
    police_academy = make_partner(live.app, "Police Academy of Lower Saxony", "DE")
    ministry = make_partner(live.app, "Ministry of the Interior of Latvia", "LV")
    make_record(live.app, "Joint training of prevention inspectors", [police_academy],
                year=2025)
    make_record(live.app, "Exchange of juvenile-justice practice", [ministry], year=2024)

    page.goto(live.url("/cooperation/"))
    accessible(page, "the register")
    fits(page)
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_role("button", name="Filter").click()

    page.wait_for_url("**/cooperation/?*country=DE*")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Joint training of prevention inspectors")
    accessible(page, "the register filtered by country")
    fits(page)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="CSV (spreadsheet)").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".csv")
    table = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    titles = [row for row in table[1:] if row]
    assert len(titles) == 1
    assert "Joint training of prevention inspectors" in titles[0]

