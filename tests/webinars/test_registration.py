"""Registering through the pages: one click when logged in, a short form otherwise, the
participant's own page (reached by the link in every mail), the join link shown only to those
with a seat, cancelling, and refusals that write nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.database import utcnow
from portal.extensions import db
from portal.webinars import registration as seats
from portal.webinars.models import Registration, Webinar
from tests.conftest import csrf_token, make_app
from tests.test_accessibility import check
from tests.webinars.helpers import (
    JOIN_URL,
    cancel,
    field_error,
    login,
    make_webinar,
    outbox,
    register,
    register_anonymously,
    registration_link,
    rows,
    seats_taken,
    statuses,
    text,
)

PAGE = re.compile(r"^/webinars/(\d+)/registration/([A-Za-z0-9_.\-]+)$")


# One click, or a short form


def test_a_logged_in_user_registers_with_one_click_and_once(app, client) -> None:
    webinar_id = make_webinar(app)
    user_id = login(app, client, "citizen", "kamola@example.uz", name="Kamola Aliyeva")

    first = client.post(f"/webinars/{webinar_id}/register")
    page = text(client.get(first.headers["Location"]))
    second = client.post(f"/webinars/{webinar_id}/register")

    assert first.status_code == second.status_code == 302
    assert PAGE.match(first.headers["Location"])
    assert second.headers["Location"] == first.headers["Location"]
    [only] = rows(app, webinar_id)
    assert (only.email, only.name, only.status, only.user_id) == (
        "kamola@example.uz", "Kamola Aliyeva", "confirmed", user_id)
    assert "Registered" in page and JOIN_URL in page
    assert "registered already" in text(client.get(second.headers["Location"]))
    assert seats_taken(app, webinar_id) == 1


@pytest.fixture
def csrf_app(tmp_path):
    from portal.content.topics import ensure_default_topics

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        db.session.commit()
    return app


def test_the_one_click_form_carries_a_csrf_token_and_needs_it(csrf_app) -> None:
    from tests.conftest import PASSWORD, make_user

    webinar_id = make_webinar(csrf_app)
    with csrf_app.app_context():
        make_user("citizen", "kamola@example.uz")
    client = csrf_app.test_client()
    login_page = text(client.get("/auth/login"))
    client.post("/auth/login", data={"email": "kamola@example.uz", "password": PASSWORD,
                                     "csrf_token": csrf_token(login_page)})

    forged = client.post(f"/webinars/{webinar_id}/register")
    assert forged.status_code == 400 and rows(csrf_app, webinar_id) == []
    page = text(client.get(f"/webinars/{webinar_id}"))
    done = client.post(f"/webinars/{webinar_id}/register",
                       data={"csrf_token": csrf_token(page)})

    assert done.status_code == 302
    assert [(r.email, r.status) for r in rows(csrf_app, webinar_id)] == [
        ("kamola@example.uz", "confirmed")]


def test_a_visitor_registers_with_name_email_and_consent_and_lands_on_their_page(
        app, client) -> None:
    webinar_id = make_webinar(app)

    response = register_anonymously(client, webinar_id, " Malika@Example.uz ",
                                    name="Malika Yusupova")

    assert response.status_code == 302
    found = PAGE.match(response.headers["Location"])
    assert found and int(found.group(1)) == webinar_id
    [only] = rows(app, webinar_id)
    assert (only.email, only.name, only.status, only.user_id) == (
        "malika@example.uz", "Malika Yusupova", "confirmed", None)
    with app.app_context():
        assert db.session.get(Registration, only.id).consent_at is not None
    page = text(client.get(response.headers["Location"]))
    assert "Malika Yusupova" in page and "Registered" in page
    assert JOIN_URL in page
    assert "The confirmation is in your mailbox" in page


def test_registering_an_address_again_anonymously_mails_it_instead_of_showing_the_page(
        app, client) -> None:
    webinar_id = make_webinar(app)
    register_anonymously(client, webinar_id, "malika@example.uz")
    stranger = app.test_client()

    again = register_anonymously(stranger, webinar_id, "malika@example.uz", name="Someone")

    assert again.status_code == 302
    assert again.headers["Location"] == f"/webinars/{webinar_id}"  # not the private page
    page = text(stranger.get(again.headers["Location"]))
    assert "mailed the details to it again" in page and JOIN_URL not in page
    assert len(rows(app, webinar_id)) == 1
    assert rows(app, webinar_id)[0].name == "Malika Yusupova"  # not renamed by the stranger
    confirmations = [m for m in outbox(app, "malika@example.uz") if not m.key]
    assert len(confirmations) == 2


def test_an_account_made_with_someone_elses_address_does_not_open_their_registration(
        app, client) -> None:
    """Accounts are not email-verified: typing an address when signing up must not give the
    page (join link, cancel button) of a registration made from that mailbox, just as typing
    it into the registration form does not."""
    from tests.conftest import PASSWORD

    webinar_id = make_webinar(app)
    register_anonymously(app.test_client(), webinar_id, "malika@example.uz")
    assert client.post("/auth/register", data={
        "name": "Someone Else", "email": "malika@example.uz", "password": PASSWORD,
        "confirm": PASSWORD, "language": "en"}).status_code == 302

    detail = text(client.get(f"/webinars/{webinar_id}"))
    mine = text(client.get("/webinars/mine"))
    clicked = client.post(f"/webinars/{webinar_id}/register")

    assert JOIN_URL not in detail
    assert f"/webinars/{webinar_id}/registration/" not in detail
    assert f"/webinars/{webinar_id}/registration/" not in mine
    assert "/registration/" not in clicked.headers.get("Location", "")
    assert statuses(app, webinar_id) == {"malika@example.uz": "confirmed"}


# Who sees the join link


def test_the_join_link_is_only_for_people_with_a_seat(app, client, auth) -> None:
    webinar_id = make_webinar(app, capacity=1)

    assert JOIN_URL not in text(client.get(f"/webinars/{webinar_id}"))  # a visitor
    login(app, client, "citizen", "seated@example.uz")
    assert JOIN_URL not in text(client.get(f"/webinars/{webinar_id}"))  # not registered
    client.post(f"/webinars/{webinar_id}/register")
    assert JOIN_URL in text(client.get(f"/webinars/{webinar_id}"))  # registered
    auth.logout()

    login(app, client, "citizen", "queued@example.uz")
    queued = client.post(f"/webinars/{webinar_id}/register")
    assert statuses(app, webinar_id)["queued@example.uz"] == "waiting"
    detail = text(client.get(f"/webinars/{webinar_id}"))
    own_page = text(client.get(queued.headers["Location"]))
    assert JOIN_URL not in detail and JOIN_URL not in own_page
    assert "waiting list" in own_page
    auth.logout()
    assert JOIN_URL not in text(client.get(f"/webinars/{webinar_id}"))


def test_the_waiting_list_mail_has_no_join_link(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    register(app, webinar_id, "seated@example.uz")

    register_anonymously(client, webinar_id, "queued@example.uz")

    [told] = outbox(app, "queued@example.uz")
    assert "Waiting list" in told.subject and JOIN_URL not in told.body
    assert "number 1" in told.body


# The link in every mail


def test_every_mail_about_a_registration_links_to_its_own_page(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    register_anonymously(client, webinar_id, "seated@example.uz")
    register_anonymously(client, webinar_id, "queued@example.uz")
    seated_id = rows(app, webinar_id)[0].id
    cancel(app, seated_id)  # the queued person is promoted

    kinds = set()
    for email in ("seated@example.uz", "queued@example.uz"):
        mails = outbox(app, email)
        for mail in mails:
            linked_webinar, token = registration_link(mail.body)
            assert linked_webinar == webinar_id
            with app.app_context():
                entry = seats.by_token(db.session.get(Webinar, webinar_id), token)
                assert entry is not None and entry.email == email, mail.subject
            kinds.add(mail.subject.split(":")[0])
    assert {"Registered", "Waiting list", "A seat is yours", "Tomorrow",
            "In an hour"} <= kinds


def test_the_mailed_link_opens_the_page_and_cancels(app, client) -> None:
    webinar_id = make_webinar(app)
    register_anonymously(client, webinar_id, "malika@example.uz")
    [confirmation] = [m for m in outbox(app, "malika@example.uz") if not m.key]
    _, token = registration_link(confirmation.body)
    reader = app.test_client()  # the mailbox, in another browser

    page = reader.get(f"/webinars/{webinar_id}/registration/{token}")
    assert page.status_code == 200 and "Cancel my registration" in text(page)
    cancelled = reader.post(f"/webinars/{webinar_id}/registration/{token}/cancel")

    assert cancelled.status_code == 302
    assert statuses(app, webinar_id) == {"malika@example.uz": "cancelled"}
    assert seats_taken(app, webinar_id) == 0
    after = text(reader.get(cancelled.headers["Location"]))
    assert "Your registration is cancelled." in after and "Cancelled" in after
    assert JOIN_URL not in after


def test_tampered_and_foreign_tokens_find_nothing(app, client) -> None:
    webinar_id = make_webinar(app)
    other_id = make_webinar(app, "Another webinar")
    _, token = register(app, webinar_id, "malika@example.uz")
    _, other_token = register(app, other_id, "malika@example.uz")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    for url in (f"/webinars/{webinar_id}/registration/{tampered}",
                f"/webinars/{webinar_id}/registration/{other_token}",
                f"/webinars/{other_id}/registration/{token}",
                f"/webinars/{webinar_id}/registration/{tampered}/calendar.ics",
                f"/webinars/999999/registration/{token}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/webinars/{webinar_id}/registration/{tampered}/cancel"
                       ).status_code == 404
    assert client.post(f"/webinars/{webinar_id}/registration/{other_token}/cancel"
                       ).status_code == 404
    assert statuses(app, webinar_id) == {"malika@example.uz": "confirmed"}
    assert statuses(app, other_id) == {"malika@example.uz": "confirmed"}


def test_after_the_start_there_is_nothing_to_cancel(app, client) -> None:
    webinar_id = make_webinar(app)
    _, token = register(app, webinar_id, "malika@example.uz")
    with app.app_context():
        db.session.get(Webinar, webinar_id).starts_at -= timedelta(days=3, minutes=10)
        db.session.commit()

    response = client.post(f"/webinars/{webinar_id}/registration/{token}/cancel")

    assert response.status_code == 303
    assert statuses(app, webinar_id) == {"malika@example.uz": "confirmed"}


def test_a_running_webinar_offers_no_cancel_button_that_would_be_refused(app, client) -> None:
    webinar_id = make_webinar(app, duration=90)
    _, token = register(app, webinar_id, "malika@example.uz")
    with app.app_context():  # it started ten minutes ago and runs for another eighty
        db.session.get(Webinar, webinar_id).starts_at = utcnow() - timedelta(minutes=10)
        db.session.commit()

    page = text(client.get(f"/webinars/{webinar_id}/registration/{token}"))

    assert JOIN_URL in page  # still useful: the webinar is on
    assert f"/webinars/{webinar_id}/registration/{token}/cancel" not in page


# Refusals


@pytest.mark.parametrize(("when", "message"), [
    ({"registration_closes_in": -timedelta(minutes=1)},
     "Registration for this webinar is closed."),
    ({"starts_in": -timedelta(hours=3)}, "This webinar has started."),
    ({"registration_opens_in": timedelta(days=1)}, "Registration has not opened yet."),
])
@pytest.mark.parametrize("who", ["visitor", "user"])
def test_registration_outside_its_window_is_refused_with_a_reason_and_writes_nothing(
        app, client, when, message, who) -> None:
    webinar_id = make_webinar(app, **when)
    if who == "user":
        login(app, client, "citizen", "kamola@example.uz")
        response = client.post(f"/webinars/{webinar_id}/register")
    else:
        response = register_anonymously(client, webinar_id, "malika@example.uz")

    assert 400 <= response.status_code < 500
    assert message in text(response)
    assert rows(app, webinar_id) == []
    assert outbox(app) == []
    assert seats_taken(app, webinar_id) == 0


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"email": "not-an-email"}, "email", "Give a valid email address"),
    ({"email": ""}, "email", "This field is required."),
    ({"name": ""}, "name", "This field is required."),
    ({"name": "x" * 121}, "name", "Field cannot be longer than 120 characters."),
    ({"consent": None}, "consent", "Registration needs your consent."),
])
def test_bad_registration_input_is_refused_next_to_the_field(app, client, change, field,
                                                             message) -> None:
    webinar_id = make_webinar(app)
    data = {"name": "Malika Yusupova", "email": "malika@example.uz", "consent": "y", **change}

    response = client.post(f"/webinars/{webinar_id}/register",
                           data={k: v for k, v in data.items() if v is not None})

    assert response.status_code == 422
    page = text(response)
    field_id = f"page-register-{field}"  # ids of their own: never clash with the description
    error = field_error(page, field_id)
    assert error and message in error
    assert f'aria-describedby="{field_id}-error"' in page and 'role="alert"' in page
    check(page, f"/webinars/{webinar_id} (refused)")
    assert rows(app, webinar_id) == [] and outbox(app) == []


def test_drafts_take_no_registrations(app, client) -> None:
    webinar_id = make_webinar(app, published=False)

    assert register_anonymously(client, webinar_id, "malika@example.uz").status_code == 404
    assert rows(app, webinar_id) == []


def test_one_address_cannot_register_without_limit(app, client) -> None:
    app.config["WEBINAR_REGISTRATIONS_PER_HOUR"] = 2
    webinar_id = make_webinar(app)

    codes = [register_anonymously(client, webinar_id, f"p{n}@example.uz").status_code
             for n in range(3)]

    assert codes == [302, 302, 429]
    assert sorted(statuses(app, webinar_id)) == ["p0@example.uz", "p1@example.uz"]


def test_leaving_the_waiting_list_moves_the_others_up_and_frees_no_seat(app, client) -> None:
    webinar_id = make_webinar(app, capacity=1)
    register(app, webinar_id, "seated@example.uz")
    _, first_in_line = register(app, webinar_id, "first@example.uz")
    _, second_in_line = register(app, webinar_id, "second@example.uz")

    left = client.post(f"/webinars/{webinar_id}/registration/{first_in_line}/cancel")

    assert left.status_code == 302
    assert statuses(app, webinar_id) == {"seated@example.uz": "confirmed",
                                         "first@example.uz": "cancelled",
                                         "second@example.uz": "waiting"}
    assert seats_taken(app, webinar_id) == 1
    page = text(client.get(f"/webinars/{webinar_id}/registration/{second_in_line}"))
    assert "number 1 on the waiting list" in page


def test_a_registration_made_without_an_account_is_claimed_only_by_its_own_address(
        app, client) -> None:
    webinar_id = make_webinar(app)
    own_page = register_anonymously(app.test_client(), webinar_id,
                                    "Malika@example.uz").headers["Location"]

    login(app, client, "citizen", "someone@example.uz")
    assert "Add to my account" not in text(client.get(own_page))
    assert client.post(f"{own_page}/claim").status_code == 403

    other = app.test_client()
    login(app, other, "citizen", "malika@example.uz")
    assert "Add to my account" in text(other.get(own_page))
    assert other.post(f"{own_page}/claim").status_code == 302
    assert own_page in text(other.get("/webinars/mine"))  # now among her webinars
    assert "Add to my account" not in text(other.get(own_page))
