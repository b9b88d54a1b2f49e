"""Who sees which webinar, and the schedule's views: the upcoming list with its filters, the
month calendar, the archive with recordings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date

from tests.webinars.helpers import (
    ORGANISER,
    RECORDING_URL,
    ZONE,
    login,
    make_webinar,
    text,
    webinar,
)


def listed(page: str) -> list[str]:
    """Titles of the webinar cards on a list page, in order."""
    return re.findall(r'class="card-title"><a href="/webinars/\d+">([^<]+)</a>', page)


def test_drafts_are_404_for_the_public_and_shown_to_organisers(app, client) -> None:
    webinar_id = make_webinar(app, "Unfinished", published=False)

    for url in (f"/webinars/{webinar_id}", f"/webinars/{webinar_id}.ics"):
        assert client.get(url).status_code == 404, url
    assert "Unfinished" not in text(client.get("/webinars/"))
    login(app, client, "citizen", "citizen@example.uz")
    assert client.get(f"/webinars/{webinar_id}").status_code == 404
    client.post("/auth/logout")
    login(app, client, "trainer", ORGANISER)
    page = client.get(f"/webinars/{webinar_id}")
    assert page.status_code == 200 and "Not public" in text(page)


@pytest.mark.parametrize(("role", "visible"), [
    (None, False), ("citizen", False), ("inspector", True), ("trainer", True)])
def test_inspectors_only_webinars_are_for_staff(app, client, role, visible) -> None:
    webinar_id = make_webinar(app, "For inspectors", audience="inspectors")
    make_webinar(app, "For everyone")
    if role:
        login(app, client, role, f"{role}@example.uz")

    detail = client.get(f"/webinars/{webinar_id}")
    calendar_file = client.get(f"/webinars/{webinar_id}.ics")
    listing = listed(text(client.get("/webinars/")))

    if visible:
        assert detail.status_code == calendar_file.status_code == 200
        assert sorted(listing) == ["For everyone", "For inspectors"]
        assert client.post(f"/webinars/{webinar_id}/register").status_code == 302
    else:
        assert detail.status_code == calendar_file.status_code == 404
        assert listing == ["For everyone"]
        assert client.post(f"/webinars/{webinar_id}/register",
                           data={"name": "X", "email": "x@example.uz", "consent": "y"}
                           ).status_code == 404


def test_the_upcoming_list_is_soonest_first_and_leaves_out_the_past(app, client) -> None:
    make_webinar(app, "Next month", starts_in=timedelta(days=30))
    make_webinar(app, "Tomorrow", starts_in=timedelta(days=1))
    make_webinar(app, "Last week", starts_in=-timedelta(days=7))

    assert listed(text(client.get("/webinars/"))) == ["Tomorrow", "Next month"]


def test_the_archive_lists_past_webinars_with_their_recordings(app, client) -> None:
    make_webinar(app, "Last week", starts_in=-timedelta(days=7), recording_url=RECORDING_URL)
    make_webinar(app, "Last month", starts_in=-timedelta(days=30))
    make_webinar(app, "Tomorrow", starts_in=timedelta(days=1))
    make_webinar(app, "Hidden old draft", starts_in=-timedelta(days=3), published=False)

    page = text(client.get("/webinars/archive"))

    assert listed(page) == ["Last week", "Last month"]
    assert f'href="{RECORDING_URL}"' in page


def test_the_month_calendar_shows_a_webinar_on_its_day(app, client) -> None:
    webinar_id = make_webinar(app, "Calendar day", starts_in=timedelta(days=20))
    local_day = webinar(app, webinar_id).starts_at.astimezone(ZONE).date()

    page = text(client.get(f"/webinars/calendar?month={local_day:%Y-%m}"))

    cells = re.findall(r"<td\b.*?</td>", page, re.S)
    [cell] = [c for c in cells if "Calendar day" in c]
    assert format_date(local_day, "full", locale="en") in cell
    assert f'href="/webinars/{webinar_id}"' in cell
    other_month = local_day.replace(day=1) + timedelta(days=40)
    assert "Calendar day" not in text(client.get(f"/webinars/calendar?month={other_month:%Y-%m}"))


@pytest.mark.parametrize("month", ["garbage", "2026-13", "1999-12", "2026-1x"])
def test_a_bad_month_is_400(client, month) -> None:
    assert client.get(f"/webinars/calendar?month={month}").status_code == 400


def test_the_month_calendar_keeps_hidden_webinars_hidden(app, client) -> None:
    webinar_id = make_webinar(app, "Staff only", audience="inspectors",
                              starts_in=timedelta(days=2))
    make_webinar(app, "Draft day", published=False, starts_in=timedelta(days=2))
    local_day = webinar(app, webinar_id).starts_at.astimezone(ZONE).date()

    page = text(client.get(f"/webinars/calendar?month={local_day:%Y-%m}"))

    assert "Staff only" not in page and "Draft day" not in page


def test_the_list_filters_by_topic_and_language(app, client) -> None:
    make_webinar(app, "Family law in English", topics=("family",), language="en")
    make_webinar(app, "Legal aid in Russian", topics=("legal-aid",), language="ru")
    make_webinar(app, "Family law in Uzbek", topics=("family", "legal-aid"), language="uz")

    by_topic = listed(text(client.get("/webinars/?topic=legal-aid")))
    by_language = listed(text(client.get("/webinars/?language=ru")))
    both = listed(text(client.get("/webinars/?topic=family&language=uz")))
    unknown_language = listed(text(client.get("/webinars/?language=xx")))

    assert sorted(by_topic) == ["Family law in Uzbek", "Legal aid in Russian"]
    assert by_language == ["Legal aid in Russian"]
    assert both == ["Family law in Uzbek"]
    assert len(unknown_language) == 3  # an unknown language filters nothing
    assert listed(text(client.get("/webinars/?topic=no-such-topic"))) == []


def test_the_sitemap_lists_public_webinars_only(app, client) -> None:
    from tests.materials.test_pages import sitemap_urls

    public = make_webinar(app, "Public")
    draft = make_webinar(app, "Draft", published=False)
    staff = make_webinar(app, "Staff", audience="inspectors")

    urls = sitemap_urls(client)

    assert any(u.endswith(f"/webinars/{public}") for u in urls)
    assert not any(u.endswith((f"/webinars/{draft}", f"/webinars/{staff}")) for u in urls)
    assert any(u.endswith("/webinars/") for u in urls)
