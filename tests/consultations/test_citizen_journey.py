"""The issue's citizen story end to end through the real pages, CSRF protection on: an
anonymous visitor picks "family", reads a suggested guide, comes back, sends a request, keeps
the reference and the code, tracks the request; a consultant takes it from the queue, writes
an internal note and a reply; the citizen reads the reply, writes a follow-up, and the request
reopens; once closed and past the retention period, the purge leaves no name, phone or text."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from portal.consultations import configuration, services
from portal.consultations.models import Status
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token, make_app, make_material
from tests.consultations.helpers import get, outbox, staff

ASKER = "Malika Yoqubova"
QUESTION = "My husband wants to take our daughter abroad without my consent. Can he?"


@pytest.fixture
def live_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        configuration.ensure_defaults()
        db.session.commit()
        make_material("Taking a child abroad: whose consent is needed", topics=["family"],
                      body="## The rule\n\nBoth parents agree in writing.\n\n## Exceptions\n\n"
                           "A court decides.\n")
    return app


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def field_token(page: str, prefix: str = "") -> str:
    """The CSRF token of the form whose fields carry *prefix* (the staff page has several)."""
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def link_to(page: str, label: str) -> str:
    """The address of the link reading *label* on *page*."""
    for href, inner in re.findall(r'<a (?:class="[^"]*" )?href="([^"]+)"[^>]*>([^<]*)</a>', page):
        if html.unescape(inner) == label:
            return html.unescape(href)
    raise AssertionError(f"no link {label!r} on the page")


def test_a_citizen_asks_tracks_reads_the_reply_and_writes_again(live_app) -> None:
    app = live_app
    browser = app.test_client()

    # Step 1: the topics; the citizen picks family.
    topics = text(browser.get("/consultations/new"))
    family_url = link_to(topics, "Family and children's upbringing")
    assert family_url == "/consultations/new/family"

    # Step 2: a suggested guide; the citizen reads it and comes back.
    suggestions = text(browser.get(family_url))
    guide_url = link_to(suggestions, "Taking a child abroad: whose consent is needed")
    guide = browser.get(guide_url)
    assert guide.status_code == 200 and "Both parents agree in writing." in text(guide)
    suggestions = text(browser.get(family_url))
    form_url = link_to(suggestions, "My question is not answered: continue")

    # Step 3: the form, sent once (a second click of the same form changes nothing).
    form_page = text(browser.get(form_url))
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', form_page)
    version = re.search(r'name="consent_version" type="hidden" value="([^"]+)"', form_page)
    assert key and version
    data = {"csrf_token": csrf_token(form_page), "form_key": key.group(1),
            "consent_version": version.group(1), "name": ASKER, "phone": "93 555 44 33",
            "email": "malika@example.uz", "contact_way": "telegram", "contact_time": "morning",
            "region": "Samarqand viloyati", "district": "Urgut tumani", "mahalla": "Bogʻishamol",
            "language": "uz", "question": QUESTION, "consent": "y", "website": ""}
    sent = browser.post(form_url, data=data)
    again = browser.post(form_url, data=data)
    assert sent.status_code == 303 and again.status_code == 303

    receipt = text(browser.get(sent.headers["Location"]))
    reference = re.search(r"HQ-\d{4}-\d{6}", receipt)
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", receipt)
    assert reference and code
    reference_text, code_text = reference.group(0), code.group(0)
    assert code_text not in text(browser.get("/consultations/sent"))  # shown once
    mails = outbox(app, "malika@example.uz")
    assert len(mails) == 1 and code_text in mails[0].body

    # Tracking, from another device (a fresh session) with the reference and the code.
    phone = app.test_client()
    track_page = text(phone.get(link_to(receipt, "Follow your request")))
    found = phone.post("/consultations/track", data={
        "reference": reference_text, "code": code_text.lower(),
        "csrf_token": csrf_token(track_page)})
    assert found.status_code == 303
    tracked_url = found.headers["Location"]
    assert reference_text not in tracked_url and code_text not in tracked_url
    tracked = text(phone.get(tracked_url))
    assert "New" in tracked and QUESTION in html.unescape(tracked)
    assert "No reply yet." in tracked

    # A consultant logs in, finds it in the queue, takes it, notes something for colleagues
    # and replies, all through the staff pages.
    consultant = staff(app, "consultant", "nodira@example.uz", "Nodira Yusupova")
    desk = app.test_client()
    login = text(desk.get("/auth/login"))
    desk.post("/auth/login", data={"email": "nodira@example.uz", "password": PASSWORD,
                                   "csrf_token": csrf_token(login)})
    queue = text(desk.get("/consultations/queue"))
    request_url = link_to(queue, reference_text)
    assert ASKER not in queue and "93 555" not in queue  # the queue shows no personal data
    page = text(desk.get(request_url))
    assert QUESTION in html.unescape(page)
    assert desk.post(f"{request_url}/take", data={
        "csrf_token": field_token(page)}).status_code == 303
    page = text(desk.get(request_url))
    assert desk.post(f"{request_url}/note", data={
        "note-body": "Check the passport rules first.",
        "note-csrf_token": field_token(page, "note")}).status_code == 303
    page = text(desk.get(request_url))
    assert desk.post(f"{request_url}/reply", data={
        "reply-body": "No: a child leaves the country with both parents' written consent.",
        "reply-csrf_token": field_token(page, "reply")}).status_code == 303
    with app.app_context():
        found_request = services.find_for_tracking(reference_text, code_text)
        assert found_request is not None
        request_id = found_request.id

    tracked = html.unescape(text(phone.get(tracked_url)))
    assert "Answered" in tracked
    assert "both parents' written consent" in tracked
    assert "Check the passport rules first." not in tracked  # internal notes stay internal

    # The citizen writes again: the request reopens for the consultant.
    written = phone.post(tracked_url + "/follow-up", data={
        "body": "He has bought the tickets already. What can I do today?",
        "csrf_token": csrf_token(tracked)})
    assert written.status_code == 303
    tracked = html.unescape(text(phone.get(tracked_url)))
    assert "He has bought the tickets already." in tracked
    assert "Assigned" in tracked
    with app.app_context():
        request = get(request_id)
        assert request.status == Status.assigned
        assert request.assignee_id == consultant
        assert request.name == ASKER and request.phone == "+998935554433"
        assert request.user_id is None
        assert db.session.query(type(request)).count() == 1

    # The consultant closes the request; once the retention period has passed, the purge
    # leaves no name, phone or text anywhere in the database.
    page = text(desk.get(request_url))
    assert desk.post(f"{request_url}/status", data={
        "status-status": "closed",
        "status-csrf_token": field_token(page, "status")}).status_code == 303
    with app.app_context():
        days = app.config["CONSULTATION_RETENTION_DAYS"]
        request = get(request_id)
        assert request.status == Status.closed and request.closed_at is not None
        request.closed_at -= timedelta(days=days + 1)
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["consultations", "purge"]).output == "1 request anonymised\n"
    assert runner.invoke(args=["consultations", "purge"]).output == "0 requests anonymised\n"
    personal = ["Malika", "Yoqubova", "935554433", "93 555", "malika@example.uz", "Urgut",
                "Bogʻishamol", "daughter abroad", "bought the tickets", "written consent",
                "passport rules"]
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                for value in row:
                    assert not any(word in str(value) for word in personal), (table.name, row)
        request = get(request_id)
        assert request.reference == reference_text and request.anonymised_at is not None
