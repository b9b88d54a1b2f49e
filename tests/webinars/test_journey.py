"""The issue's story as one journey through the real forms, with CSRF protection on: the
waiting list, a cancellation through the mailed link, the promotion with its calendar entry,
the reminder, attendance, and the credit hours on the learner's record."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from portal.content.topics import ensure_default_topics
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token, make_app, make_user
from tests.webinars.helpers import (
    JOIN_URL,
    ORGANISER,
    event_text,
    events,
    minute,
    move_start,
    new_webinar_form,
    outbox,
    parse_ics,
    reminders,
    row_of,
    statuses,
    text,
    webinar,
)


@pytest.fixture
def live_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        make_user("trainer", ORGANISER, name="Webinar Organiser")
    return app


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """Open the page, take its CSRF token and post the form, as a browser does."""
    page = text(client.get(page_url or url))
    return client.post(url, data={**data, "csrf_token": csrf_token(page)})


def mailed_page(body: str) -> str:
    """The path of the registration page a mail links to (the link is absolute)."""
    found = re.search(r"https?://\S+/webinars/\d+/registration/[A-Za-z0-9_.\-]+", body)
    assert found, body
    return urlsplit(found.group(0)).path


def test_waiting_list_cancellation_promotion_reminder_attendance_and_credit_hours(
        live_app) -> None:
    app = live_app
    organiser, first, newcomer, mailbox = (app.test_client() for _ in range(4))

    # The organiser plans a webinar with one seat and publishes it.
    assert post_form(organiser, "/auth/login", {"email": ORGANISER, "password": PASSWORD}
                     ).status_code == 302
    created = post_form(organiser, "/webinars/new", new_webinar_form(
        title="Mahalla mediation online", capacity="1", credit_hours="2",
        form_key="journey-webinar"))
    assert created.status_code == 302, text(created)
    webinar_id = int(re.search(r"/webinars/(\d+)/edit", created.headers["Location"]).group(1))
    detail = f"/webinars/{webinar_id}"
    for move in ("submit", "publish"):
        assert post_form(organiser, f"{detail}/workflow", {"move": move},
                         page_url=detail).status_code == 302, move
    starts = webinar(app, webinar_id).starts_at

    # Someone takes the only seat.
    assert post_form(first, f"{detail}/register", {
        "name": "Farrux Qodirov", "email": "farrux@example.uz", "consent": "y"},
        page_url=detail).status_code == 302

    # A newcomer, without an account, registers for the full webinar: the waiting list.
    joined = post_form(newcomer, f"{detail}/register", {
        "name": "Nilufar Karimova", "email": "nilufar@example.uz", "consent": "y"},
        page_url=detail)
    assert joined.status_code == 302
    own_page = text(newcomer.get(joined.headers["Location"]))
    assert "waiting list" in own_page and JOIN_URL not in own_page
    [waiting_mail] = outbox(app, "nilufar@example.uz")
    assert waiting_mail.subject == "Waiting list: Mahalla mediation online"

    # The seated participant cannot come and cancels through the link in their mail.
    [confirmation] = [m for m in outbox(app, "farrux@example.uz") if not m.key]
    cancel_page = mailed_page(confirmation.body)
    assert post_form(mailbox, f"{cancel_page}/cancel", {}, page_url=cancel_page
                     ).status_code == 302
    assert statuses(app, webinar_id) == {"farrux@example.uz": "cancelled",
                                         "nilufar@example.uz": "confirmed"}

    # The newcomer is promoted and mailed, with a calendar entry holding the join link.
    [promotion] = [m for m in outbox(app, "nilufar@example.uz") if m.attachment_name]
    assert promotion.subject == "A seat is yours: Mahalla mediation online"
    assert JOIN_URL in promotion.body
    [event] = events(parse_ics(promotion.attachment_text))
    assert str(event["SUMMARY"]) == "Mahalla mediation online"
    assert event["DTSTART"].dt == starts and JOIN_URL in event_text(event)
    assert JOIN_URL in text(newcomer.get(mailed_page(promotion.body)))

    # Her reminders wait in the outbox with the join link.
    hour = [m for m in reminders(app, "nilufar@example.uz") if m.key.endswith(":1h")]
    assert len(hour) == 1 and JOIN_URL in hour[0].body
    assert hour[0].send_after == starts - timedelta(hours=1)
    assert reminders(app, "farrux@example.uz") == []  # withdrawn with the cancellation

    # The webinar takes place; the organiser marks her as attended.
    move_start(app, webinar_id, minute(utcnow() - timedelta(hours=1)))
    present = row_of(app, webinar_id, "nilufar@example.uz").id
    assert post_form(organiser, f"{detail}/attendance", {"present": str(present)},
                     page_url=f"{detail}/participants").status_code == 302

    # She creates an account with the same email, logs in and finds the credit hours.
    assert post_form(newcomer, "/auth/register", {
        "name": "Nilufar Karimova", "email": "nilufar@example.uz", "password": PASSWORD,
        "confirm": PASSWORD, "language": "en"}).status_code == 302
    assert post_form(newcomer, "/auth/logout", {}, page_url="/account").status_code == 302
    assert newcomer.get("/my/learning").status_code == 302  # logged out: log in first
    assert post_form(newcomer, "/auth/login", {"email": "nilufar@example.uz",
                                               "password": PASSWORD}).status_code == 302
    assert "Mahalla mediation online" not in text(newcomer.get("/my/learning"))
    # Her email is not proof enough: the link from her mailbox is. She adds it to her account.
    [thanks] = [m for m in outbox(app, "nilufar@example.uz") if m.subject.startswith("How was")]
    own = mailed_page(thanks.body)
    assert post_form(newcomer, f"{own}/claim", {}, page_url=own).status_code == 302
    learning = text(newcomer.get("/my/learning"))
    assert "Mahalla mediation online" in learning
    assert "Credit hours from webinars: 2.0" in learning
