"""Reminders and other mails after registering: queued with the registration, sent once when
due (by one sender or two at once), withdrawn when the seat is cancelled, moved with the
webinar's time, and the recording mailed once when it is added."""

from __future__ import annotations

import email
import threading
from datetime import datetime, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal import mail
from portal.extensions import db
from tests.webinars.helpers import (
    JOIN_URL,
    RECORDING_URL,
    ZONE,
    cancel,
    edit_form,
    login,
    make_webinar,
    minute,
    move_start,
    outbox,
    parse_ics,
    register,
    register_anonymously,
    registration_link,
    reminders,
    rows,
    text,
    webinar,
)


def sent_mails(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "mail"
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted(folder.glob("*.eml"))] if folder.exists() else []


def send(app) -> tuple[int, int]:
    with app.app_context():
        return mail.send_pending()


@pytest.fixture
def clock(monkeypatch):
    """Move the outbox sender's clock: ``clock(moment)``."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(mail, "utcnow", lambda: moment)

    return set_to


def test_a_seat_comes_with_two_keyed_reminders_a_day_and_an_hour_before(app, client) -> None:
    webinar_id = make_webinar(app)
    starts = webinar(app, webinar_id).starts_at

    register_anonymously(client, webinar_id, "malika@example.uz")

    day, hour = reminders(app, "malika@example.uz")
    assert day.send_after == starts - timedelta(hours=24)
    assert hour.send_after == starts - timedelta(hours=1)
    assert day.key != hour.key and day.key.startswith("webinar-reminder:")
    for reminder in (day, hour):
        assert JOIN_URL in reminder.body
        assert registration_link(reminder.body)[0] == webinar_id
        assert reminder.sent_at is None
    # the time in the mail is the participant's local time, with the zone named
    local_start = starts.astimezone(ZONE).strftime("%H:%M")
    assert local_start in day.body and "Asia/Tashkent" in day.body


def test_registering_late_queues_only_the_reminders_still_ahead(app) -> None:
    webinar_id = make_webinar(app, starts_in=timedelta(hours=5))

    register(app, webinar_id, "malika@example.uz")

    [hour] = reminders(app, "malika@example.uz")
    assert hour.key.endswith(":1h")


def test_nothing_but_the_confirmation_goes_out_before_the_reminders_are_due(app) -> None:
    webinar_id = make_webinar(app)
    register(app, webinar_id, "malika@example.uz")

    assert send(app) == (1, 0)
    assert send(app) == (0, 0)

    [sent] = sent_mails(app)
    assert sent["Subject"] == "Registered: Tenants and the law"
    assert all(r.sent_at is None for r in reminders(app))


def test_a_due_reminder_is_sent_once_by_one_sender_or_two_at_once(app, clock) -> None:
    webinar_id = make_webinar(app)
    starts = webinar(app, webinar_id).starts_at
    register(app, webinar_id, "malika@example.uz")

    clock(starts - timedelta(hours=24) + timedelta(minutes=1))
    assert send(app) == (2, 0)  # the confirmation and the day-before reminder
    assert send(app) == (0, 0)
    assert [m["Subject"] for m in sent_mails(app)] == [
        "Registered: Tenants and the law", "Tomorrow: Tenants and the law"]

    clock(starts - timedelta(hours=1) + timedelta(minutes=1))
    barrier = threading.Barrier(2)
    totals: list[int] = []

    def sender() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            totals.append(mail.send_pending()[0])
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(totals) == 1
    subjects = [m["Subject"] for m in sent_mails(app)]
    assert subjects.count("In an hour: Tenants and the law") == 1 and len(subjects) == 3
    [hour] = [m for m in sent_mails(app) if m["Subject"].startswith("In an hour")]
    assert JOIN_URL in hour.get_body(("plain",)).get_content()


def test_cancelling_withdraws_the_unsent_reminders_only(app, client, clock) -> None:
    webinar_id = make_webinar(app)
    starts = webinar(app, webinar_id).starts_at
    leaving, _ = register(app, webinar_id, "leaving@example.uz")
    register(app, webinar_id, "staying@example.uz")
    clock(starts - timedelta(hours=23))
    send(app)  # the day-before reminders have gone out

    cancel(app, leaving)

    [sent_before] = reminders(app, "leaving@example.uz")
    assert sent_before.key.endswith(":24h") and sent_before.sent_at is not None
    assert len(reminders(app, "staying@example.uz")) == 2
    clock(starts - timedelta(minutes=30))
    send(app)
    assert [m["To"] for m in sent_mails(app) if m["Subject"].startswith("In an hour")] == [
        "staying@example.uz"]


def test_a_new_time_moves_the_reminders_and_tells_the_participants(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    old_start = webinar(app, webinar_id).starts_at
    register(app, webinar_id, "seated@example.uz")
    register(app, webinar_id, "queued@example.uz")
    old_keys = {m.key for m in reminders(app, "seated@example.uz")}
    login(app, client, "trainer", "second-trainer@example.uz")
    new_start = minute(old_start + timedelta(days=2, hours=3))

    response = client.post(f"/webinars/{webinar_id}/edit", data=edit_form(
        app, webinar_id, starts=new_start.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M"),
        ends=(new_start + timedelta(hours=1)).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")))

    assert response.status_code == 302, text(response)
    assert webinar(app, webinar_id).starts_at == new_start
    moved = reminders(app, "seated@example.uz")
    assert not old_keys & {m.key for m in moved}
    assert sorted(m.send_after for m in moved) == [new_start - timedelta(hours=24),
                                                   new_start - timedelta(hours=1)]
    [changed] = [m for m in outbox(app, "seated@example.uz") if m.subject.startswith("Changed")]
    assert new_start.astimezone(ZONE).strftime("%H:%M") in changed.body
    assert JOIN_URL in changed.body
    [event] = parse_ics(changed.attachment_text).walk("VEVENT")
    assert event["DTSTART"].dt == new_start
    assert reminders(app, "queued@example.uz") == []  # still waiting: no reminders yet


def test_a_new_join_link_is_mailed_and_the_reminders_carry_it(app, client) -> None:
    webinar_id = make_webinar(app)
    register(app, webinar_id, "seated@example.uz")
    login(app, client, "trainer", "second-trainer@example.uz")
    new_room = "https://meet.example.org/another-room"

    response = client.post(f"/webinars/{webinar_id}/edit",
                           data=edit_form(app, webinar_id, join_url=new_room))

    assert response.status_code == 302
    [changed] = [m for m in outbox(app, "seated@example.uz") if m.subject.startswith("Changed")]
    assert new_room in changed.body
    day, hour = reminders(app, "seated@example.uz")
    assert new_room in day.body and new_room in hour.body
    assert JOIN_URL not in day.body + hour.body


def test_saving_without_a_change_mails_nobody(app, client) -> None:
    webinar_id = make_webinar(app)
    register(app, webinar_id, "seated@example.uz")
    login(app, client, "trainer", "second-trainer@example.uz")
    before = [(m.key, m.subject) for m in outbox(app)]

    response = client.post(f"/webinars/{webinar_id}/edit", data=edit_form(app, webinar_id))

    assert response.status_code == 302
    assert [(m.key, m.subject) for m in outbox(app)] == before


def test_a_recording_added_is_mailed_to_the_participants_once(app, client) -> None:
    webinar_id = make_webinar(app, capacity=2)
    for name in ("first", "second", "queued"):
        register(app, webinar_id, f"{name}@example.uz")
    move_start(app, webinar_id, minute(webinar(app, webinar_id).starts_at - timedelta(days=4)))
    login(app, client, "trainer", "second-trainer@example.uz")

    added = client.post(f"/webinars/{webinar_id}/edit",
                        data=edit_form(app, webinar_id, recording_url=RECORDING_URL))
    again = client.post(f"/webinars/{webinar_id}/edit",
                        data=edit_form(app, webinar_id, summary="Now with the recording."))

    assert added.status_code == again.status_code == 302
    told = [m for m in outbox(app) if m.subject.startswith("Recording")]
    assert sorted(m.to_address for m in told) == ["first@example.uz", "second@example.uz"]
    assert all(RECORDING_URL in m.body for m in told)
    assert not [m for m in outbox(app) if m.subject.startswith("Changed")]  # time unchanged
    assert [r.status for r in rows(app, webinar_id)] == ["confirmed", "confirmed", "waiting"]


def test_mails_give_the_time_in_the_participants_language_and_zone(app) -> None:
    from babel.dates import format_datetime

    webinar_id = make_webinar(app)
    starts = webinar(app, webinar_id).starts_at

    register(app, webinar_id, "rus@example.uz", language="ru")

    weekday = format_datetime(starts, "EEEE", tzinfo=ZONE, locale="ru")  # e.g. "четверг"
    for sent in outbox(app, "rus@example.uz"):
        assert weekday in sent.body and "Asia/Tashkent" in sent.body


def test_a_changed_calendar_entry_replaces_the_first_one_in_calendar_programs(app,
                                                                            client) -> None:
    webinar_id = make_webinar(app)
    old_start = webinar(app, webinar_id).starts_at
    register(app, webinar_id, "seated@example.uz")
    [confirmation] = [m for m in outbox(app, "seated@example.uz") if m.attachment_name]
    login(app, client, "trainer", "second-trainer@example.uz")
    new_start = old_start + timedelta(hours=2)

    client.post(f"/webinars/{webinar_id}/edit", data=edit_form(
        app, webinar_id, starts=new_start.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M"),
        ends=(new_start + timedelta(hours=1)).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")))

    [changed] = [m for m in outbox(app, "seated@example.uz") if m.subject.startswith("Changed")]
    [first] = parse_ics(confirmation.attachment_text).walk("VEVENT")
    [second] = parse_ics(changed.attachment_text).walk("VEVENT")
    # the same event (UID), a higher SEQUENCE: the calendar moves it instead of ignoring it
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second["DTSTART"].dt == new_start


def test_a_users_mails_give_the_time_in_their_own_zone(app, client) -> None:
    from portal.accounts.models import User

    webinar_id = make_webinar(app)
    starts = webinar(app, webinar_id).starts_at
    user_id = login(app, client, "citizen", "moscow@example.uz")
    with app.app_context():
        db.session.get(User, user_id).timezone = "Europe/Moscow"
        db.session.commit()

    client.post(f"/webinars/{webinar_id}/register")

    for sent in outbox(app, "moscow@example.uz"):
        assert "Europe/Moscow" in sent.body
        assert starts.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M") in sent.body
