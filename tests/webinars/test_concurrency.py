"""Many people clicking at the same moment, through real requests on a real database: the
last seat goes to one of them, one email is one row, cancellations promote exactly as many
people as they free seats. Each thread is its own browser (test client) on the same app."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.conftest import PASSWORD, make_user
from tests.webinars.helpers import (
    confirmed_count,
    make_webinar,
    outbox,
    register,
    register_anonymously,
    rows,
    seats_taken,
    statuses,
)


def at_once(app: Flask, actions: list[Callable[[Any], Any]],
            prepare: Callable[[Any], Any] | None = None) -> list[Any]:
    """Run each action with its own test client in its own thread, released together by a
    barrier; the responses in the order of *actions*. An exception in a thread fails here.

    *prepare* readies each client first, one after the other (e.g. logs it in)."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)
    errors: list[BaseException] = []
    clients = [app.test_client() for _ in actions]
    for client in clients:
        if prepare is not None:
            prepare(client)

    def run(index: int, action: Callable[[Any], Any]) -> None:
        client = clients[index]
        try:
            barrier.wait(timeout=60)
            response = action(client)
            response.close()
            results[index] = response
        except BaseException as exc:  # noqa: BLE001 - reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    if errors:
        raise errors[0]
    return results


def test_twelve_people_for_three_seats_at_once(app) -> None:
    webinar_id = make_webinar(app, capacity=3)
    emails = [f"person{n:02d}@example.uz" for n in range(12)]

    responses = at_once(app, [
        lambda c, e=e: register_anonymously(c, webinar_id, e, name=e.split("@")[0])
        for e in emails])

    assert [r.status_code for r in responses] == [302] * 12
    assert all(f"/webinars/{webinar_id}/registration/" in r.headers["Location"]
               for r in responses)
    found = statuses(app, webinar_id)
    assert sorted(found) == emails
    assert sorted(found.values()).count("confirmed") == 3
    assert sorted(found.values()).count("waiting") == 9
    assert seats_taken(app, webinar_id) == 3 == confirmed_count(app, webinar_id)
    # everybody was told which it is: 3 confirmations (with reminders), 9 waiting-list mails
    for email, status in found.items():
        mails = [m for m in outbox(app, email) if not m.key]
        assert len(mails) == 1, email
        assert ("Registered" if status == "confirmed" else "Waiting list") in mails[0].subject


def test_the_same_email_eight_times_at_once_is_one_registration(app) -> None:
    webinar_id = make_webinar(app, capacity=50)

    responses = at_once(app, [
        lambda c: register_anonymously(c, webinar_id, "same@example.uz") for _ in range(8)])

    assert all(r.status_code == 302 for r in responses)
    [only] = rows(app, webinar_id)
    assert (only.email, only.status) == ("same@example.uz", "confirmed")
    assert seats_taken(app, webinar_id) == 1
    reminder_keys = [m.key for m in outbox(app, "same@example.uz") if m.key]
    assert len(reminder_keys) == len(set(reminder_keys)) == 2


def test_the_same_logged_in_user_clicking_at_once_is_one_registration(app) -> None:
    webinar_id = make_webinar(app, capacity=50)
    with app.app_context():
        make_user("inspector", "rustam@example.uz")

    def log_in(client):
        response = client.post("/auth/login", data={"email": "rustam@example.uz",
                                                    "password": PASSWORD})
        assert response.status_code == 302

    responses = at_once(app, [lambda c: c.post(f"/webinars/{webinar_id}/register")] * 6,
                        prepare=log_in)

    assert all(r.status_code == 302 for r in responses)
    assert [(r.email, r.status) for r in rows(app, webinar_id)] == [
        ("rustam@example.uz", "confirmed")]
    assert seats_taken(app, webinar_id) == 1


def _full_with_queue(app: Flask) -> tuple[int, list[str], list[str]]:
    """Capacity 3: three confirmed, three waiting; (webinar id, cancel URLs, waiting emails)."""
    webinar_id = make_webinar(app, capacity=3)
    cancel_urls = []
    for n in range(3):
        _, token = register(app, webinar_id, f"seated{n}@example.uz")
        cancel_urls.append(f"/webinars/{webinar_id}/registration/{token}/cancel")
    waiting = [f"queued{n}@example.uz" for n in range(3)]
    for email in waiting:
        register(app, webinar_id, email)
    assert sorted(statuses(app, webinar_id).values()) == ["confirmed"] * 3 + ["waiting"] * 3
    return webinar_id, cancel_urls, waiting


def test_three_cancellations_at_once_promote_three_people(app) -> None:
    webinar_id, cancel_urls, waiting = _full_with_queue(app)

    responses = at_once(app, [lambda c, u=u: c.post(u) for u in cancel_urls])

    assert [r.status_code for r in responses] == [302] * 3
    found = statuses(app, webinar_id)
    assert sorted(e for e, s in found.items() if s == "confirmed") == waiting
    assert sorted(e for e, s in found.items() if s == "cancelled") == [
        f"seated{n}@example.uz" for n in range(3)]
    assert seats_taken(app, webinar_id) == 3 == confirmed_count(app, webinar_id)
    for email in waiting:  # each promoted person is told once
        assert [m.subject for m in outbox(app, email) if m.attachment_name] == [
            "A seat is yours: Tenants and the law"]


def test_cancellations_and_newcomers_at_once_never_overfill_and_keep_the_queue(app) -> None:
    webinar_id, cancel_urls, waiting = _full_with_queue(app)
    newcomers = [f"late{n}@example.uz" for n in range(3)]

    actions = [lambda c, u=u: c.post(u) for u in cancel_urls] + [
        lambda c, e=e: register_anonymously(c, webinar_id, e) for e in newcomers]
    responses = at_once(app, actions)

    assert [r.status_code for r in responses] == [302] * 6
    found = statuses(app, webinar_id)
    assert sorted(e for e, s in found.items() if s == "confirmed") == waiting
    assert sorted(e for e, s in found.items() if s == "waiting") == newcomers
    assert seats_taken(app, webinar_id) == 3 == confirmed_count(app, webinar_id)


def test_the_same_cancel_link_clicked_four_times_at_once_frees_one_seat(app) -> None:
    webinar_id, cancel_urls, waiting = _full_with_queue(app)

    at_once(app, [lambda c: c.post(cancel_urls[0])] * 4)

    found = statuses(app, webinar_id)
    assert [e for e in waiting if found[e] == "confirmed"] == waiting[:1]
    assert seats_taken(app, webinar_id) == 3 == confirmed_count(app, webinar_id)
    assert len([m for m in outbox(app) if m.subject.startswith("A seat")]) == 1
