"""The registration rules below the pages: seats, the waiting list, cancelling, tokens, refusals,
attendance and the learning record, called as the views call them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.accounts.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.mail import OutboxMail
from portal.webinars import registration as seats
from portal.webinars import services
from portal.webinars.models import Registration, Webinar
from tests.conftest import make_user
from tests.webinars.helpers import (
    JOIN_URL,
    cancel,
    confirmed_count,
    count,
    make_webinar,
    not_reminders,
    outbox,
    parse_ics,
    register,
    row_of,
    rows,
    seats_taken,
    statuses,
    token_of,
)


def test_a_seat_is_confirmed_and_registering_again_changes_nothing(app) -> None:
    webinar_id = make_webinar(app)

    first, _ = register(app, webinar_id, "ali@example.uz")
    again, _ = register(app, webinar_id, "  ALI@example.uz ")

    assert first == again
    assert [(r.email, r.status) for r in rows(app, webinar_id)] == [
        ("ali@example.uz", "confirmed")]
    assert seats_taken(app, webinar_id) == 1
    assert len(not_reminders(app, "ali@example.uz")) == 1  # one confirmation, not two


def test_a_full_webinar_puts_people_on_the_waiting_list_in_order(app) -> None:
    webinar_id = make_webinar(app, capacity=2)

    for name in ("a", "b", "c", "d"):
        register(app, webinar_id, f"{name}@example.uz")

    assert statuses(app, webinar_id) == {"a@example.uz": "confirmed", "b@example.uz": "confirmed",
                                         "c@example.uz": "waiting", "d@example.uz": "waiting"}
    with app.app_context():
        positions = {r.email: seats.waiting_position(r)
                     for r in db.session.scalars(db.select(Registration))}
    assert positions == {"a@example.uz": None, "b@example.uz": None, "c@example.uz": 1,
                         "d@example.uz": 2}
    [told] = outbox(app, "c@example.uz")
    assert "waiting list" in told.body and JOIN_URL not in told.body
    assert told.attachment_name == ""


def test_a_cancelled_seat_goes_to_the_first_in_line_with_a_mail_and_calendar_entry(app) -> None:
    webinar_id = make_webinar(app, capacity=2)
    first, _ = register(app, webinar_id, "a@example.uz")
    register(app, webinar_id, "b@example.uz")
    register(app, webinar_id, "c@example.uz")
    register(app, webinar_id, "d@example.uz")

    promoted = cancel(app, first)

    assert promoted == ["c@example.uz"]
    assert statuses(app, webinar_id) == {"a@example.uz": "cancelled", "b@example.uz": "confirmed",
                                         "c@example.uz": "confirmed", "d@example.uz": "waiting"}
    assert seats_taken(app, webinar_id) == confirmed_count(app, webinar_id) == 2
    waiting, seat = not_reminders(app, "c@example.uz")
    assert JOIN_URL not in waiting.body
    assert JOIN_URL in seat.body and "A seat" in seat.subject
    [event] = parse_ics(seat.attachment_text).walk("VEVENT")
    assert JOIN_URL in str(event["LOCATION"])


def test_cancelling_twice_frees_one_seat(app) -> None:
    webinar_id = make_webinar(app, capacity=2)
    first, _ = register(app, webinar_id, "a@example.uz")
    register(app, webinar_id, "b@example.uz")

    with app.app_context():
        first_click = db.session.get(Registration, first)  # both clicks read "confirmed"
        with app.app_context():
            second_click = db.session.get(Registration, first)
            seats.cancel(second_click)
            db.session.commit()
        assert seats.cancel(first_click) == []
        db.session.commit()

    assert seats_taken(app, webinar_id) == confirmed_count(app, webinar_id) == 1
    register(app, webinar_id, "c@example.uz")
    register(app, webinar_id, "d@example.uz")
    assert statuses(app, webinar_id)["c@example.uz"] == "confirmed"
    assert statuses(app, webinar_id)["d@example.uz"] == "waiting"
    assert seats_taken(app, webinar_id) == 2


def test_a_cancelled_person_may_register_again_on_the_same_row(app) -> None:
    webinar_id = make_webinar(app, capacity=1)
    first, _ = register(app, webinar_id, "a@example.uz")
    cancel(app, first)

    again, _ = register(app, webinar_id, "a@example.uz")

    assert again == first
    assert statuses(app, webinar_id) == {"a@example.uz": "confirmed"}
    assert seats_taken(app, webinar_id) == 1


def test_a_newcomer_does_not_jump_the_waiting_list(app) -> None:
    webinar_id = make_webinar(app, capacity=1)
    first, _ = register(app, webinar_id, "a@example.uz")
    register(app, webinar_id, "b@example.uz")
    with app.app_context():  # a seat freed without filling it (as before a promotion)
        db.session.execute(db.update(Webinar).where(Webinar.id == webinar_id)
                           .values(capacity=2))
        db.session.commit()

    register(app, webinar_id, "c@example.uz")

    assert statuses(app, webinar_id)["c@example.uz"] == "waiting"


@pytest.mark.parametrize(("when", "reason"), [
    ({"registration_opens_in": timedelta(days=1)}, "not_yet"),
    ({"registration_closes_in": -timedelta(minutes=5)}, "closed"),
    ({"starts_in": -timedelta(hours=2)}, "past"),
])
def test_registration_outside_its_window_is_refused_and_writes_nothing(app, when,
                                                                       reason) -> None:
    webinar_id = make_webinar(app, **when)

    with app.app_context():
        found = db.session.get(Webinar, webinar_id)
        with pytest.raises(seats.RegistrationRefused) as refused:
            seats.register(found, name="Ali", email="ali@example.uz", language="en")
        db.session.rollback()

    assert refused.value.reason == reason
    assert rows(app, webinar_id) == []
    assert count(app, OutboxMail) == 0


def test_a_token_opens_only_its_own_registration(app) -> None:
    webinar_id = make_webinar(app)
    other_id = make_webinar(app, "Another webinar")
    registration_id, token = register(app, webinar_id, "a@example.uz")

    with app.app_context():
        here = db.session.get(Webinar, webinar_id)
        there = db.session.get(Webinar, other_id)
        assert seats.by_token(here, token).id == registration_id
        assert seats.by_token(there, token) is None
        assert seats.by_token(here, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
        assert seats.by_token(here, "not-a-token") is None
        assert token == token_of(app, registration_id)


def test_raising_the_capacity_lets_the_waiting_list_in(app) -> None:
    webinar_id = make_webinar(app, capacity=1)
    for name in ("a", "b", "c", "d"):
        register(app, webinar_id, f"{name}@example.uz")

    with app.app_context():
        found = db.session.get(Webinar, webinar_id)
        before = found.revision_snapshot()
        data = services.WebinarInput(
            title=found.title, starts_at=found.starts_at,
            duration_minutes=found.duration_minutes, summary=found.summary,
            description=found.description, speakers=found.speakers,
            topics=tuple(t.slug for t in found.topics), language=found.language,
            audience=found.audience.value, join_url=found.join_url, capacity=3,
            credit_hours=found.credit_hours)
        assert services.update_webinar(found, data, None) is not None
        promoted = [r.email for r in seats.after_edit(found, before)]
        db.session.commit()

    assert promoted == ["b@example.uz", "c@example.uz"]
    assert statuses(app, webinar_id)["d@example.uz"] == "waiting"
    assert seats_taken(app, webinar_id) == confirmed_count(app, webinar_id) == 3


def test_attendance_counts_confirmed_people_and_asks_each_for_feedback_once(app) -> None:
    webinar_id = make_webinar(app, capacity=2, credit_hours="2.5")
    a, _ = register(app, webinar_id, "a@example.uz")
    b, _ = register(app, webinar_id, "b@example.uz")
    c, _ = register(app, webinar_id, "c@example.uz")  # waiting: cannot have attended
    with app.app_context():
        found = db.session.get(Webinar, webinar_id)
        assert seats.set_attendance(found, {a, c}, None) == 1
        assert seats.set_attendance(found, {a, c}, None) == 1  # saved again
        db.session.commit()

    assert [r.attended for r in rows(app, webinar_id)] == [True, False, False]
    asked = [m for m in outbox(app) if (m.key or "").startswith("webinar-feedback:")]
    assert [m.to_address for m in asked] == ["a@example.uz"]
    assert row_of(app, webinar_id, "b@example.uz").id == b


def test_the_learning_record_counts_the_account_s_own_and_claimed_registrations(app) -> None:
    first = make_webinar(app, "First", credit_hours="1.5")
    second = make_webinar(app, "Second", credit_hours="2")
    with app.app_context():
        user_id = make_user("inspector", "nodira@example.uz").id
    by_account, _ = register(app, first, "nodira@example.uz", user_id=user_id)
    by_email, _ = register(app, second, "Nodira@Example.uz")  # before she had an account
    with app.app_context():
        for webinar_id, registration_id in ((first, by_account), (second, by_email)):
            seats.set_attendance(db.session.get(Webinar, webinar_id), {registration_id}, None)
        db.session.commit()
        # An email alone is no proof (accounts are not verified): only her own registration.
        assert [r.webinar.title for r in services.attended_by(user_id)] == ["First"]
        user = db.session.get(User, user_id)
        entry = db.session.get(Registration, by_email)
        assert seats.may_claim(entry, user)  # opened through the mailed link: hers to claim
        entry.user_id = user_id
        db.session.commit()
        attended = services.attended_by(user_id)

        assert sorted(r.webinar.title for r in attended) == ["First", "Second"]
        assert services.credit_hours_total(attended) == Decimal("3.5")
        assert not seats.may_claim(entry, user)  # claimed once


def test_feedback_is_only_for_attendees_after_the_start(app) -> None:
    webinar_id = make_webinar(app)
    registration_id, _ = register(app, webinar_id, "a@example.uz")
    with app.app_context():
        entry = db.session.get(Registration, registration_id)
        assert not seats.may_give_feedback(entry)
        entry.attended = True
        assert not seats.may_give_feedback(entry)  # not started yet
        entry.webinar.starts_at = utcnow() - timedelta(minutes=1)
        assert seats.may_give_feedback(entry)
        db.session.rollback()
