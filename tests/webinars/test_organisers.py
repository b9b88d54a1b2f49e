"""The organisers' side: the webinar form and its validation, capacity changes, the
participants page and CSV, attendance with credit hours on the learning record, feedback, and
who may do none of it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from portal.database import utcnow
from portal.webinars.models import Webinar
from tests.test_accessibility import check
from tests.webinars.helpers import (
    JOIN_URL,
    ORGANISER,
    confirmed_count,
    count,
    edit_form,
    field_error,
    local,
    login,
    make_webinar,
    minute,
    move_start,
    new_webinar_form,
    outbox,
    register,
    reminders,
    row_of,
    rows,
    seats_taken,
    statuses,
    text,
    webinar,
)


def past_webinar_with_people(app, **kwargs) -> tuple[int, dict[str, str]]:
    """A webinar made in the future, registered for, then moved to have started an hour ago
    (as time passing would); (id, email -> registration token)."""
    webinar_id = make_webinar(app, **kwargs)
    tokens = {}
    for email in ("nodira@example.uz", "second@example.uz", "absent@example.uz"):
        tokens[email] = register(app, webinar_id, email, name=email.split("@")[0].title())[1]
    move_start(app, webinar_id, minute(utcnow() - timedelta(hours=1)))
    return webinar_id, tokens


# The form


def test_a_trainer_creates_a_draft_webinar(app, client) -> None:
    login(app, client, "trainer", ORGANISER)

    response = client.post("/webinars/new", data=new_webinar_form())

    assert response.status_code == 302
    webinar_id = int(re.search(r"/webinars/(\d+)/edit", response.headers["Location"]).group(1))
    saved = webinar(app, webinar_id)
    assert (saved.title, saved.state, saved.capacity, saved.duration_minutes) == (
        "Protecting children online", "draft", 40, 90)
    assert [t.slug for t in saved.topics] == ["childrens-rights"]
    assert client.post("/webinars/new", data=new_webinar_form()).status_code == 302
    assert count(app, Webinar) == 1  # the same form sent twice makes one webinar


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"capacity": "0"}, "capacity", "Give a number of seats of at least 1."),
    ({"capacity": "-5"}, "capacity", "Give a number of seats of at least 1."),
    ({"capacity": "many"}, "capacity", "Not a valid integer value."),
    ({"ends": "2026-01-01T09:00", "starts": "2026-01-01T10:00"}, "ends",
     "The end must be after the start."),
    ({"ends": "2026-01-01T10:00", "starts": "2026-01-01T10:00"}, "ends",
     "The end must be after the start."),
    ({"join_url": "ftp://x"}, "join_url", "https://"),
    ({"join_url": "javascript:alert(1)"}, "join_url", "https://"),
    ({"join_url": "https://"}, "join_url", "https://"),
    ({"recording_url": "ftp://video.example.org/x"}, "recording_url", "https://"),
    ({"recording_url": "javascript:alert(1)"}, "recording_url", "https://"),
    ({"title": ""}, "title", "This field is required."),
    ({"topics": []}, "topics", "Choose at least one topic."),
    ({"credit_hours": "-1"}, "credit_hours", "Number must be between 0 and 100."),
])
def test_bad_webinar_input_is_refused_next_to_the_field_and_nothing_is_written(
        app, client, change, field, message) -> None:
    login(app, client, "trainer", ORGANISER)

    response = client.post("/webinars/new", data=new_webinar_form(**change))

    assert response.status_code == 422
    error = field_error(text(response), field)
    assert error and message in error, error
    assert count(app, Webinar) == 0


def test_the_capacity_cannot_go_below_the_people_registered(app, client) -> None:
    webinar_id = make_webinar(app, capacity=5)
    register(app, webinar_id, "a@example.uz")
    register(app, webinar_id, "b@example.uz")
    login(app, client, "trainer", ORGANISER)

    response = client.post(f"/webinars/{webinar_id}/edit",
                           data=edit_form(app, webinar_id, capacity="1"))

    assert response.status_code == 422
    error = field_error(text(response), "capacity")
    assert error and "2 people are registered already" in error
    assert webinar(app, webinar_id).capacity == 5
    assert client.post(f"/webinars/{webinar_id}/edit", data=edit_form(
        app, webinar_id, capacity="2")).status_code == 302  # down to exactly the registered
    assert webinar(app, webinar_id).capacity == 2


def test_raising_the_capacity_in_the_form_moves_people_up_from_the_waiting_list(
        app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    for name in ("a", "b", "c", "d"):
        register(app, webinar_id, f"{name}@example.uz")
    login(app, client, "trainer", ORGANISER)

    response = client.post(f"/webinars/{webinar_id}/edit",
                           data=edit_form(app, webinar_id, capacity="3"))

    assert response.status_code == 302
    assert statuses(app, webinar_id) == {"a@example.uz": "confirmed", "b@example.uz": "confirmed",
                                         "c@example.uz": "confirmed", "d@example.uz": "waiting"}
    assert seats_taken(app, webinar_id) == confirmed_count(app, webinar_id) == 3
    assert "2 people moved up from the waiting list" in text(client.get(
        response.headers["Location"]))
    for email in ("b@example.uz", "c@example.uz"):
        [promotion] = [m for m in outbox(app, email) if m.subject.startswith("A seat")]
        assert JOIN_URL in promotion.body and promotion.attachment_name.endswith(".ics")


# Participants, the CSV, attendance, feedback


def test_the_participants_page_lists_the_seated_and_the_waiting(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    register(app, webinar_id, "seated@example.uz", "Seated Person")
    register(app, webinar_id, "queued@example.uz", "Queued Person")
    login(app, client, "trainer", ORGANISER)

    page = text(client.get(f"/webinars/{webinar_id}/participants"))

    registered, waiting = page.split('id="page-waiting-title"')
    assert "Seated Person" in registered and "Queued Person" not in registered
    assert "Queued Person" in waiting and "queued@example.uz" in waiting


def test_the_csv_has_names_and_statuses_and_disarms_formulas(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    register(app, webinar_id, "seated@example.uz", "=HYPERLINK(\"http://evil\",\"x\")")
    register(app, webinar_id, "queued@example.uz", "Queued Person")
    login(app, client, "trainer", ORGANISER)

    response = client.get(f"/webinars/{webinar_id}/participants.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header[:3] == ["Name", "Email", "Status"]
    by_email = {line[1]: line for line in lines}
    assert by_email["seated@example.uz"][0] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert by_email["seated@example.uz"][2] == "Registered"
    assert by_email["queued@example.uz"][:3] == ["Queued Person", "queued@example.uz",
                                                 "On the waiting list"]
    assert by_email["queued@example.uz"][4] == "1"  # first in line


def test_attendance_gives_credit_hours_and_asks_for_feedback(app, client, auth) -> None:
    webinar_id = make_webinar(app, "Preventive talks online", credit_hours="2.5")
    inspector = app.test_client()
    login(app, inspector, "inspector", "nodira@example.uz", name="Nodira Rashidova")
    assert inspector.post(f"/webinars/{webinar_id}/register").status_code == 302
    register(app, webinar_id, "absent@example.uz")
    move_start(app, webinar_id, minute(utcnow() - timedelta(hours=2)))
    present = row_of(app, webinar_id, "nodira@example.uz").id
    login(app, client, "trainer", ORGANISER)
    assert f'value="{present}"' in text(client.get(f"/webinars/{webinar_id}/participants"))

    response = client.post(f"/webinars/{webinar_id}/attendance", data={"present": str(present)})

    assert response.status_code == 302
    assert [(r.email, r.attended) for r in rows(app, webinar_id)] == [
        ("nodira@example.uz", True), ("absent@example.uz", False)]
    learning = text(inspector.get("/my/learning"))
    assert "Preventive talks online" in learning and "2.5" in learning
    [asked] = [m for m in outbox(app) if (m.key or "").startswith("webinar-feedback:")]
    assert asked.to_address == "nodira@example.uz"
    assert f"/webinars/{webinar_id}/registration/" in asked.body


def test_an_attendee_gives_feedback_and_the_organiser_sees_it(app, client) -> None:
    webinar_id, tokens = past_webinar_with_people(app)
    nodira = row_of(app, webinar_id, "nodira@example.uz")
    login(app, client, "trainer", ORGANISER)
    client.post(f"/webinars/{webinar_id}/attendance", data={"present": str(nodira.id)})
    [asked] = [m for m in outbox(app) if (m.key or "").startswith("webinar-feedback:")]
    own_page = re.search(r"/webinars/\d+/registration/[A-Za-z0-9_.\-]+", asked.body).group(0)
    attendee = app.test_client()

    form = text(attendee.get(own_page))
    assert 'name="rating"' in form
    check(form, own_page)
    wrong = attendee.post(f"{own_page}/feedback", data={"rating": "7", "comment": "x"})
    assert wrong.status_code == 422 and field_error(text(wrong), "rating")
    check(text(wrong), f"{own_page}/feedback")
    assert row_of(app, webinar_id, "nodira@example.uz").rating is None
    done = attendee.post(f"{own_page}/feedback",
                         data={"rating": "4", "comment": "More examples from mahallas."})

    assert done.status_code == 302
    saved = row_of(app, webinar_id, "nodira@example.uz")
    assert (saved.rating, saved.comment) == (4, "More examples from mahallas.")
    results = text(client.get(f"/webinars/{webinar_id}/participants"))
    assert "Average rating: 4.0 of 5" in results
    assert "More examples from mahallas." in results
    # someone who did not attend has no form and cannot post one
    absent = f"/webinars/{webinar_id}/registration/{tokens['absent@example.uz']}"
    assert 'name="rating"' not in text(attendee.get(absent))
    assert attendee.post(f"{absent}/feedback", data={"rating": "1"}).status_code == 403
    assert row_of(app, webinar_id, "absent@example.uz").rating is None


def test_attendance_before_the_start_is_refused(app, client) -> None:
    webinar_id = make_webinar(app)
    registration_id, _ = register(app, webinar_id, "nodira@example.uz")
    login(app, client, "trainer", ORGANISER)

    response = client.post(f"/webinars/{webinar_id}/attendance",
                           data={"present": str(registration_id)})

    assert response.status_code == 303
    assert "once the webinar has started" in text(client.get(response.headers["Location"]))
    assert [r.attended for r in rows(app, webinar_id)] == [False]
    assert not [m for m in outbox(app) if (m.key or "").startswith("webinar-feedback:")]


# Who may not


@pytest.mark.parametrize("role", [None, "citizen", "inspector", "consultant"])
def test_only_organisers_see_participants_mark_attendance_or_edit(app, client, role) -> None:
    webinar_id, _ = past_webinar_with_people(app)
    present = row_of(app, webinar_id, "nodira@example.uz").id
    if role:
        login(app, client, role, f"{role}@example.uz")

    responses = {
        "participants": client.get(f"/webinars/{webinar_id}/participants"),
        "csv": client.get(f"/webinars/{webinar_id}/participants.csv"),
        "attendance": client.post(f"/webinars/{webinar_id}/attendance",
                                  data={"present": str(present)}),
        "edit": client.get(f"/webinars/{webinar_id}/edit"),
        "save": client.post(f"/webinars/{webinar_id}/edit",
                            data=edit_form(app, webinar_id, title="Taken over")),
        "new": client.get("/webinars/new"),
        "manage": client.get("/webinars/manage"),
    }

    for name, response in responses.items():
        if role is None and name in ("edit", "save", "new", "manage"):
            assert response.status_code == 302, name
            assert response.headers["Location"].startswith("/auth/login"), name
        else:
            assert response.status_code in (403, 404), name
        assert "nodira@example.uz" not in text(response), name
    assert [r.attended for r in rows(app, webinar_id)] == [False, False, False]
    assert webinar(app, webinar_id).title == "Tenants and the law"


def test_hidden_webinars_stay_hidden_from_organiser_urls(app, client) -> None:
    webinar_id = make_webinar(app, published=False)
    login(app, client, "inspector", "inspector@example.uz")

    assert client.get(f"/webinars/{webinar_id}/participants").status_code == 404
    assert client.get(f"/webinars/{webinar_id}/participants.csv").status_code == 404


# Restoring an older revision


def test_restoring_an_older_time_moves_the_reminders_back_and_tells_the_participants(
        app, client) -> None:
    webinar_id = make_webinar(app)
    first_start = webinar(app, webinar_id).starts_at
    register(app, webinar_id, "seated@example.uz")
    login(app, client, "trainer", ORGANISER)
    later = first_start + timedelta(days=2)
    assert client.post(f"/webinars/{webinar_id}/edit", data=edit_form(
        app, webinar_id, starts=local(later), ends=local(later + timedelta(hours=1)))
    ).status_code == 302

    restored = client.post(f"/webinars/{webinar_id}/history/1/restore")

    assert restored.status_code == 302
    assert webinar(app, webinar_id).starts_at == first_start
    assert sorted(m.send_after for m in reminders(app, "seated@example.uz")) == [
        first_start - timedelta(hours=24), first_start - timedelta(hours=1)]
    changed = [m for m in outbox(app, "seated@example.uz") if m.subject.startswith("Changed")]
    assert len(changed) == 2  # one for the edit, one for the restore


def test_restoring_an_older_capacity_never_leaves_more_people_than_seats(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)  # revision 1: one seat
    for name in ("a", "b", "c"):
        register(app, webinar_id, f"{name}@example.uz")
    login(app, client, "trainer", ORGANISER)
    assert client.post(f"/webinars/{webinar_id}/edit", data=edit_form(
        app, webinar_id, capacity="3")).status_code == 302
    assert confirmed_count(app, webinar_id) == 3

    client.post(f"/webinars/{webinar_id}/history/1/restore")

    assert webinar(app, webinar_id).capacity >= seats_taken(app, webinar_id) == \
        confirmed_count(app, webinar_id)
