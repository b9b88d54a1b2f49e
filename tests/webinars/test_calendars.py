"""Calendar files, read back with the icalendar library as a calendar program would: one
webinar, the public schedule, a participant's entry (with the join link and alarms), the
personal feed and the entry attached to the confirmation mail."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from pathlib import Path

from portal import mail
from tests.webinars.helpers import (
    JOIN_URL,
    alarms,
    event_text,
    events,
    login,
    make_webinar,
    outbox,
    parse_ics,
    register,
    register_anonymously,
    text,
    webinar,
)

FEED = re.compile(r"/webinars/my-calendar/([A-Za-z0-9_\-]+)\.ics")


def ics(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/calendar"
    return parse_ics(response.data), response.data.decode("utf-8")


def test_a_webinars_calendar_file_for_a_visitor_has_the_time_but_no_join_link(app,
                                                                               client) -> None:
    webinar_id = make_webinar(app, "Tenants and the law", duration=90)
    saved = webinar(app, webinar_id)

    calendar, raw = ics(client, f"/webinars/{webinar_id}.ics")

    [event] = events(calendar)
    assert str(event["SUMMARY"]) == "Tenants and the law"
    start, end = event["DTSTART"], event["DTEND"]
    assert start.dt.tzinfo is not None and start.params["TZID"] == "Asia/Tashkent"
    assert start.dt == saved.starts_at  # the same instant
    assert end.dt - start.dt == timedelta(minutes=90)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Tashkent"
    assert f"/webinars/{webinar_id}" in str(event["URL"])
    assert JOIN_URL not in raw
    assert alarms(event) == []


def test_a_participant_gets_the_join_link_and_alarms_from_the_same_address(app, client) -> None:
    webinar_id = make_webinar(app)
    login(app, client, "citizen", "kamola@example.uz")
    before, raw_before = ics(client, f"/webinars/{webinar_id}.ics")
    assert client.post(f"/webinars/{webinar_id}/register").status_code == 302

    calendar, _ = ics(client, f"/webinars/{webinar_id}.ics")

    assert JOIN_URL not in raw_before  # logged in, but not registered yet
    [event] = events(calendar)
    assert JOIN_URL in event_text(event)
    assert sorted(a["TRIGGER"].dt for a in alarms(event)) == [-timedelta(days=1),
                                                              -timedelta(hours=1)]


def test_the_waiting_list_gets_no_join_link_in_calendar_files(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    register(app, webinar_id, "first@example.uz")
    login(app, client, "citizen", "second@example.uz")
    client.post(f"/webinars/{webinar_id}/register")

    calendar, raw = ics(client, f"/webinars/{webinar_id}.ics")

    assert JOIN_URL not in raw and alarms(events(calendar)[0]) == []


def test_the_registration_pages_calendar_file_follows_the_status(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    _, seated = register(app, webinar_id, "first@example.uz")
    _, queued = register(app, webinar_id, "second@example.uz")

    _, seated_raw = ics(client, f"/webinars/{webinar_id}/registration/{seated}/calendar.ics")
    _, queued_raw = ics(client, f"/webinars/{webinar_id}/registration/{queued}/calendar.ics")

    assert JOIN_URL in seated_raw and JOIN_URL not in queued_raw


def test_the_public_schedule_lists_upcoming_public_webinars_only(app, client, as_role) -> None:
    make_webinar(app, "Soon")
    make_webinar(app, "Later", starts_in=timedelta(days=40))
    make_webinar(app, "Unfinished draft", published=False)
    make_webinar(app, "Yesterday", starts_in=-timedelta(days=1))
    make_webinar(app, "For inspectors", audience="inspectors")

    calendar, raw = ics(client, "/webinars/calendar.ics")

    assert sorted(str(e["SUMMARY"]) for e in events(calendar)) == ["Later", "Soon"]
    assert JOIN_URL not in raw
    assert calendar.walk("VTIMEZONE")
    as_role("inspector")  # the public file is the same for staff: it is meant to be shared
    calendar, raw = ics(client, "/webinars/calendar.ics")
    assert sorted(str(e["SUMMARY"]) for e in events(calendar)) == ["Later", "Soon"]


def test_the_personal_feed_works_without_login_and_a_new_address_ends_the_old(
        app, client) -> None:
    seated = make_webinar(app, "Seated", capacity=5)
    queued = make_webinar(app, "Queued", capacity=1)
    dropped = make_webinar(app, "Dropped")
    other = make_webinar(app, "Someone else's")
    register(app, queued, "first@example.uz")
    register(app, other, "stranger@example.uz")
    login(app, client, "inspector", "timur@example.uz")
    pages = {}
    for webinar_id in (seated, queued, dropped):
        response = client.post(f"/webinars/{webinar_id}/register")
        assert response.status_code == 302
        pages[webinar_id] = response.headers["Location"]
    assert client.post(f"{pages[dropped]}/cancel").status_code == 302

    assert client.post("/webinars/mine/feed").status_code == 302
    found = FEED.search(text(client.get("/webinars/mine")))
    assert found, "the feed address is not on /webinars/mine"
    feed = found.group(0)
    stranger = app.test_client()  # a calendar program: no session cookie

    calendar, _ = ics(stranger, feed)

    [event] = events(calendar)
    assert str(event["SUMMARY"]) == "Seated"
    assert JOIN_URL in event_text(event) and len(alarms(event)) == 2
    assert client.post("/webinars/mine/feed").status_code == 302
    renewed = FEED.search(text(client.get("/webinars/mine")))
    assert renewed and renewed.group(0) != feed
    assert stranger.get(feed).status_code == 404
    assert stranger.get(renewed.group(0)).status_code == 200


def test_an_unknown_feed_address_is_404(client) -> None:
    assert client.get("/webinars/my-calendar/no-such-token.ics").status_code == 404


def test_the_confirmation_mails_calendar_entry_parses_in_the_outbox_and_as_sent(
        app, client) -> None:
    webinar_id = make_webinar(app, "Tenants and the law")
    saved = webinar(app, webinar_id)
    register_anonymously(client, webinar_id, "malika@example.uz")
    [confirmation] = [m for m in outbox(app, "malika@example.uz") if m.attachment_name]

    [event] = events(parse_ics(confirmation.attachment_text))
    assert event["DTSTART"].dt == saved.starts_at
    assert JOIN_URL in event_text(event) and len(alarms(event)) == 2

    with app.app_context():
        assert mail.send_pending() == (1, 0)
    [sent] = [email.message_from_bytes(f.read_bytes(), policy=policy.default)
              for f in sorted((Path(app.instance_path) / "mail").glob("*.eml"))]
    assert sent["To"] == "malika@example.uz"
    [attached] = list(sent.iter_attachments())
    assert attached.get_content_type() == "text/calendar"
    assert attached.get_filename() == f"webinar-{webinar_id}.ics"
    [event] = events(parse_ics(attached.get_content()))
    assert str(event["SUMMARY"]) == "Tenants and the law"
    assert event["DTSTART"].dt == saved.starts_at
