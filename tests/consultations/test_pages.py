"""The citizens' pages through real HTTP: the three intake steps, bad input per field, the
honeypot, the one-time form key, the per-address limit, the receipt shown once, tracking and
its throttle, follow-ups, withdrawing consent, the account's list, the owner-only page and the
JSON export; and that no page puts personal data into a URL or lets a cache keep it."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.consultations import configuration, services
from portal.consultations.models import MAX_TEXT, ConsultationRequest, Status
from portal.extensions import db
from tests.conftest import csrf_token, make_app, make_material, make_user
from tests.consultations.helpers import (
    EMAIL,
    NAME,
    PHONE,
    QUESTION,
    act,
    get,
    outbox,
    send,
    staff,
)
from tests.cooperation.helpers import PDF

FORM_URL = "/consultations/new/family/form"
#: The attachment limit the HTTP tests use (see below).
SMALL_LIMIT = 100 * 1024


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def form_data(**changes: Any) -> dict[str, Any]:
    """A complete, valid request as the form posts it."""
    data: dict[str, Any] = {
        "name": NAME, "phone": "+998 90 123-45-67", "email": EMAIL, "contact_way": "phone",
        "contact_time": "evening", "region": "Toshkent shahri", "district": "Chilonzor tumani",
        "mahalla": "Navbahor", "language": "en", "question": QUESTION, "consent": "y",
        "consent_version": "1", "form_key": str(uuid.uuid4()), "website": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(ConsultationRequest)) or 0)


def only_request(app: Flask) -> ConsultationRequest:
    with app.app_context():
        found = db.session.scalars(select(ConsultationRequest)).one()
        db.session.expunge(found)
        return found


def send_through_form(client: FlaskClient, **changes: Any) -> tuple[str, str]:
    """Post the form and read the receipt: (reference, code)."""
    response = client.post(FORM_URL, data=form_data(**changes))
    assert response.status_code == 303, text(response)
    page = text(client.get("/consultations/sent"))
    reference = re.search(r"HQ-\d{4}-\d{6}", page)
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page)
    assert reference and code, page
    return reference.group(0), code.group(0)


def track(client: FlaskClient, reference: str, code: str) -> Any:
    return client.post("/consultations/track", data={"reference": reference, "code": code})


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def docm() -> bytes:
    """A macro-enabled Word document (.docm) as it looks inside, whatever its name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    return buffer.getvalue()


@pytest.fixture
def csrf_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        configuration.ensure_defaults()
        db.session.commit()
    return app


# The three steps ------------------------------------------------------------------------------

def test_step_one_lists_the_active_topics_in_the_page_language(app, client) -> None:
    with app.app_context():
        topic = configuration.topic_by_slug("housing")
        assert topic is not None
        topic.active = False
        db.session.commit()

    english = text(client.get("/consultations/new"))
    russian = text(client.get("/consultations/new", headers={"Accept-Language": "ru"}))

    assert "Family and children&#39;s upbringing" in english
    assert 'href="/consultations/new/family"' in english
    assert 'href="/consultations/new/housing"' not in english
    assert "Семья и воспитание детей" in russian


def test_step_two_suggests_the_published_guides_of_the_topic(app, client) -> None:
    with app.app_context():
        live = make_material("Alimony in plain words", topics=["family"])
        make_material("Unfinished alimony draft", topics=["family"], state="draft")
        make_material("Tenant rights", topics=["legal-aid"])
        slug = live.slug

    page = text(client.get("/consultations/new/family"))

    assert "These guides may already answer your question" in page
    assert f'href="/materials/{slug}"' in page and "Alimony in plain words" in page
    assert "Unfinished" not in page and "Tenant rights" not in page
    assert 'href="/consultations/new/family/form"' in page
    assert "My question is not answered: continue" in page


def test_an_unknown_or_inactive_topic_is_not_found(app, client) -> None:
    with app.app_context():
        topic = configuration.topic_by_slug("labour")
        assert topic is not None
        topic.active = False
        db.session.commit()

    for url in ("/consultations/new/nothing", "/consultations/new/labour",
                "/consultations/new/labour/form"):
        assert client.get(url).status_code == 404, url


def test_the_form_shows_the_consent_text_regions_and_the_topic_fields(app, client) -> None:
    with app.app_context():
        topic = configuration.topic_by_slug("family")
        assert topic is not None
        configuration.save_field(topic, configuration.FieldInput(
            "children", "Bolalar soni", "Число детей", "Number of children", kind="number",
            required=True), None)
        configuration.save_field(topic, configuration.FieldInput(
            "married", "Nikoh", "Брак", "Marriage registered", kind="choice",
            choices=["yes", "no"]), None)
        db.session.commit()

    response = client.get(FORM_URL)
    page = text(response)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert configuration.DEFAULT_CONSENT["en"][:60] in unescape(page)
    assert page.count('<option value="') >= 14 + 2
    assert "Surkhandarya region" in page and "Republic of Karakalpakstan" in page
    assert '<label for="extra-children">Number of children</label>' in page
    assert 'id="extra-married"' in page and '<option value="yes"' in page
    assert '<fieldset id="contact_way"' in page and "<legend>How should" in page
    assert 'name="form_key"' in page and 'class="consult-hp"' in page
    assert 'enctype="multipart/form-data"' in page


# Sending --------------------------------------------------------------------------------------

def test_a_valid_request_is_stored_and_the_receipt_shows_the_code_once(app, client) -> None:
    response = client.post(FORM_URL, data=form_data())

    assert response.status_code == 303
    assert response.headers["Location"] == "/consultations/sent"
    stored = only_request(app)
    assert (stored.name, stored.phone, stored.email) == (NAME, PHONE, EMAIL)
    assert stored.region == "Toshkent shahri" and stored.contact_time == "evening"
    assert stored.consent_version == 1 and stored.user_id is None
    first = client.get("/consultations/sent")
    page = text(first)
    assert first.headers["Cache-Control"] == "no-store"
    assert stored.reference in page
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page)
    assert code is not None
    assert "shown only this once" in page
    assert "mailed the reference and the code" in page
    with app.app_context():
        assert services.find_for_tracking(stored.reference, code.group(0)) is not None

    again = text(client.get("/consultations/sent"))

    assert stored.reference in again
    assert code.group(0) not in again
    assert "was shown once" in again


def test_without_an_email_the_receipt_does_not_speak_of_a_mail(app, client) -> None:
    client.post(FORM_URL, data=form_data(email=""))

    page = text(client.get("/consultations/sent"))

    assert "mailed" not in page
    assert outbox(app) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "12345", "Give an Uzbek phone number: +998 and nine digits."),
    ("phone", "+7 912 345 67 89", "Give an Uzbek phone number: +998 and nine digits."),
    ("consent", None, "We can only take your request with your consent."),
    ("question", "   ", "Write your question."),
    ("question", "x" * (MAX_TEXT + 1), f"At most {MAX_TEXT} characters."),
    ("name", "", "Write your name."),
    ("email", "not-an-email", "Give a valid email address"),
    ("region", "", "Choose your region."),
])
def test_bad_input_is_refused_next_to_its_field_and_kept(app, client, field, value,
                                                         message) -> None:
    data = form_data(**{field: value})

    response = client.post(FORM_URL, data=data)
    page = text(response)

    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error is not None, page
    assert message in unescape(error.group(1))
    assert f'aria-describedby="{field}-error"' in page or \
        f'aria-describedby="{field}-hint {field}-error"' in page
    assert 'role="alert"' in page
    # What was typed is kept.
    assert unescape(QUESTION if field != "question" else "") in unescape(page)
    assert f'value="{NAME if field != "name" else ""}"' in page
    if field == "phone":
        assert f'value="{value}"' in unescape(page)
    assert count(app) == 0
    assert outbox(app) == []


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("notes.txt", b"just some text", "Only PDF, JPG, PNG and DOCX files can be attached."),
    ("fake.pdf", b"MZ\x90\x00 an executable", "Only PDF, JPG, PNG and DOCX files can be attached."),
    ("huge.pdf", PDF + b"0" * SMALL_LIMIT, "The file is larger than"),
    ("letter.docx", docm(), "Documents with macros cannot be attached."),
])
def test_a_wrong_or_too_large_attachment_is_refused_next_to_the_field(
        app, client, monkeypatch, filename, data, message) -> None:
    # Bodies over 500 KB make the test client spool to a file it never closes: a small limit
    # stands in for the 5 MB one (files.check itself is tested with the real one).
    from portal.consultations import files, forms

    monkeypatch.setattr(files, "MAX_ATTACHMENT_BYTES", SMALL_LIMIT)
    monkeypatch.setattr(forms, "MAX_ATTACHMENT_BYTES", SMALL_LIMIT)
    response = client.post(FORM_URL, data=form_data(attachment=(io.BytesIO(data), filename)),
                           content_type="multipart/form-data")
    page = text(response)

    assert response.status_code == 422
    assert '<p class="error" id="attachment-error">' + message in page
    assert 'aria-describedby="attachment-hint attachment-error"' in page
    assert QUESTION in unescape(page)
    assert count(app) == 0


def test_an_attachment_over_the_portals_body_limit_is_refused_next_to_the_field(
        csrf_app, monkeypatch) -> None:
    # The portal refuses bodies over MAX_CONTENT_LENGTH (10 MB) with a bare 413; the form
    # takes more, so its own check answers. Smaller sizes stand in for the real ones (see
    # above), and CSRF is on: its check reads the body before any view.
    from portal.consultations import files, forms

    monkeypatch.setattr(files, "MAX_ATTACHMENT_BYTES", SMALL_LIMIT)
    monkeypatch.setattr(forms, "MAX_ATTACHMENT_BYTES", SMALL_LIMIT)
    csrf_app.config["MAX_CONTENT_LENGTH"] = 2 * SMALL_LIMIT
    client = csrf_app.test_client()
    page = text(client.get(FORM_URL))

    response = client.post(FORM_URL, data=form_data(
        csrf_token=csrf_token(page), attachment=(io.BytesIO(PDF + b"0" * 3 * SMALL_LIMIT),
                                                 "scan.pdf")),
        content_type="multipart/form-data")

    assert response.status_code == 422
    assert '<p class="error" id="attachment-error">The file is larger than' in text(response)
    assert QUESTION in unescape(text(response))
    assert count(csrf_app) == 0
    # Other pages keep the portal's limit.
    assert client.post("/consultations/track", data={
        "reference": "x" * (3 * SMALL_LIMIT)}).status_code == 413


def test_the_real_attachment_limit_is_five_megabytes(app) -> None:
    from portal.consultations import files
    from portal.content.attachments import AttachmentError

    with app.test_request_context(headers={"Accept-Language": "en"}):
        files.check(files.Upload("exact.pdf", PDF + b"0" * (5 * 1024 * 1024 - len(PDF))))
        with pytest.raises(AttachmentError) as refused:
            files.check(files.Upload("big.pdf", PDF + b"0" * (5 * 1024 * 1024)))
        assert str(refused.value) == "The file is larger than 5 MB."


@pytest.mark.parametrize(("filename", "data", "kind"), [
    ("decision.pdf", PDF, "application/pdf"),
    ("decision.docx", None, "application/vnd.openxmlformats-officedocument"),
])
def test_an_accepted_attachment_is_stored_with_the_request(app, client, filename, data,
                                                           kind) -> None:
    content = data if data is not None else docx()
    response = client.post(FORM_URL, data=form_data(
        attachment=(io.BytesIO(content), filename)), content_type="multipart/form-data")

    assert response.status_code == 303
    stored = only_request(app)
    assert stored.attachment_name == filename
    assert stored.attachment_type.startswith(kind)
    assert stored.attachment_size == len(content)


def test_a_required_topic_field_is_checked(app, client) -> None:
    with app.app_context():
        topic = configuration.topic_by_slug("family")
        assert topic is not None
        configuration.save_field(topic, configuration.FieldInput(
            "children", "Bolalar soni", "Число детей", "Number of children", kind="number",
            required=True), None)
        db.session.commit()

    missing = client.post(FORM_URL, data=form_data())
    wrong = client.post(FORM_URL, data=form_data(**{"extra-children": "two"}))

    assert missing.status_code == 422 and wrong.status_code == 422
    assert '<p class="error" id="extra-children-error">This field is required.' in text(missing)
    assert '<p class="error" id="extra-children-error">Give a number.' in text(wrong)
    assert 'value="two"' in text(wrong) and 'aria-describedby="extra-children-error"' in text(wrong)
    assert count(app) == 0

    good = client.post(FORM_URL, data=form_data(**{"extra-children": "2"}))

    assert good.status_code == 303
    assert only_request(app).extra_answers == {"children": "2"}


def test_a_form_sent_after_a_new_consent_version_asks_again(app, client) -> None:
    with app.app_context():
        configuration.new_consent_version({"uz": "Yangi matn.", "ru": "Новый текст.",
                                           "en": "The new consent text."}, None)
        db.session.commit()

    response = client.post(FORM_URL, data=form_data(consent_version="1"))
    page = text(response)

    assert response.status_code == 422
    assert '<p class="error" id="consent-error">The consent text has changed' in page
    assert "The new consent text." in page
    assert 'name="consent_version" type="hidden" value="2"' in page
    assert count(app) == 0
    assert client.post(FORM_URL, data=form_data(consent_version="2")).status_code == 303
    assert only_request(app).consent_version == 2


def test_a_filled_honeypot_pretends_success_and_writes_nothing(app, client) -> None:
    response = client.post(FORM_URL, data=form_data(website="http://spam.example"))

    assert response.status_code == 303
    assert response.headers["Location"] == "/consultations/sent"
    page = text(client.get("/consultations/sent"))
    assert "HQ-" not in page
    assert count(app) == 0
    assert outbox(app) == []


def test_the_same_form_sent_twice_makes_one_request(app, client) -> None:
    data = form_data()

    first = client.post(FORM_URL, data=data)
    second = client.post(FORM_URL, data=data)

    assert first.status_code == second.status_code == 303
    assert count(app) == 1
    assert len(outbox(app, EMAIL)) == 1


def test_a_retried_form_whose_cookie_lost_the_receipt_gets_a_new_code(app, client) -> None:
    # The first answer's cookie held the code; the second POST (a double click, a retry) was
    # sent with the cookie from before, and its answer replaced the first one's.
    data = form_data()
    first_reference, first_code = send_through_form(client, **data)
    retry = app.test_client()  # the cookie from before the first answer: no receipt

    response = retry.post(FORM_URL, data=data)
    page = text(retry.get("/consultations/sent"))

    assert response.status_code == 303
    assert count(app) == 1
    assert first_reference in page
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page)
    assert code is not None and code.group(0) != first_code
    assert track(retry, first_reference, code.group(0)).status_code == 303
    assert track(app.test_client(), first_reference, first_code).status_code == 401
    [mail] = outbox(app, EMAIL)  # the first receipt was not sent yet: replaced
    assert code.group(0) in mail.body and first_code not in mail.body
    # Each new code is a mail: it counts against the address's daily limit.
    app.config["CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY"] = 2  # the request, the new code
    over = app.test_client()
    assert over.post(FORM_URL, data=data).status_code == 303
    refused = text(over.get("/consultations/sent"))
    assert "This request was sent already." in refused
    assert not re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", refused)
    assert len(outbox(app, EMAIL)) == 1
    assert track(retry, first_reference, code.group(0)).status_code == 303  # still valid


def test_the_same_form_sent_twice_with_the_receipt_in_the_session_keeps_the_code(
        app, client) -> None:
    data = form_data()
    assert client.post(FORM_URL, data=data).status_code == 303
    reference, code = send_through_form(client, **data)  # the same key again: the code stays

    assert count(app) == 1
    assert track(app.test_client(), reference, code).status_code == 303
    again = client.post(FORM_URL, data=data)  # after the receipt was shown: still no new code
    assert again.status_code == 303
    assert "was shown once" in text(client.get("/consultations/sent"))
    assert track(app.test_client(), reference, code).status_code == 303
    assert len(outbox(app, EMAIL)) == 1


def test_contact_by_email_needs_an_email(app, client) -> None:
    response = client.post(FORM_URL, data=form_data(contact_way="email", email=""))
    page = text(response)

    assert response.status_code == 422
    error = re.search(r'<p class="error" id="email-error">([^<]*)</p>', page)
    assert error is not None, page
    assert "Give your email address, or choose another way to be contacted." in error.group(1)
    assert QUESTION in unescape(page)
    assert count(app) == 0
    assert client.post(FORM_URL, data=form_data(contact_way="email")).status_code == 303


def test_an_address_over_its_daily_limit_gets_429(app, client) -> None:
    app.config["CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY"] = 2
    for _ in range(2):
        assert client.post(FORM_URL, data=form_data()).status_code == 303

    refused = client.post(FORM_URL, data=form_data())
    other = app.test_client().post(FORM_URL, data=form_data(),
                                   environ_base={"REMOTE_ADDR": "10.0.0.9"})

    assert refused.status_code == 429
    assert "Too many requests have been sent from your address today" in text(refused)
    assert QUESTION in unescape(text(refused))
    assert other.status_code == 303
    assert count(app) == 3


def test_a_logged_in_citizen_s_request_is_linked_to_the_account(app, client, auth) -> None:
    with app.app_context():
        user_id = make_user("citizen", "aziza@example.uz", name="Aziza Qodirova").id
    auth.login("aziza@example.uz")

    page = text(client.get(FORM_URL))
    client.post(FORM_URL, data=form_data(name="Aziza Qodirova", email="aziza@example.uz"))

    assert 'value="Aziza Qodirova"' in page and 'value="aziza@example.uz"' in page
    assert only_request(app).user_id == user_id


# Tracking -------------------------------------------------------------------------------------

def test_tracking_with_reference_and_code_shows_the_request(app, client) -> None:
    sent = send(app)

    response = track(client, sent.reference.lower().replace("-", " "), sent.code.lower())

    assert response.status_code == 303
    assert response.headers["Location"] == "/consultations/track/request"
    page_response = client.get("/consultations/track/request")
    page = text(page_response)
    assert page_response.headers["Cache-Control"] == "no-store"
    assert sent.reference in page and QUESTION in unescape(page)
    assert "New" in page and "Answer due by" in page
    assert sent.code not in page


def test_a_wrong_reference_and_a_wrong_code_get_the_same_answer(app, client) -> None:
    sent = send(app)
    other = send(app)

    wrong_code = track(client, sent.reference, other.code)
    wrong_reference = track(client, "HQ-2026-999999", sent.code)
    nonsense = track(client, "nothing", "nothing")

    bodies = set()
    for response in (wrong_code, wrong_reference, nonsense):
        assert response.status_code == 401
        page = text(response)
        assert "No request matches this reference and code." in page
        assert sent.code not in page and other.code not in page
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)  # signed with the time
        bodies.add(page.replace(sent.reference, "REF").replace("HQ-2026-999999", "REF")
                   .replace('value="nothing"', 'value="REF"'))
    assert len(bodies) == 1
    assert client.get("/consultations/track/request").status_code == 303


def test_an_empty_tracking_form_says_what_is_missing(client) -> None:
    response = client.post("/consultations/track", data={"reference": "", "code": ""})

    assert response.status_code == 422
    assert 'id="reference-error"' in text(response) and 'id="code-error"' in text(response)


def test_tracking_attempts_are_throttled(app, client) -> None:
    app.config["CONSULTATION_TRACK_ATTEMPTS_PER_ADDRESS"] = 3
    sent = send(app)
    for _ in range(3):
        assert track(client, sent.reference, "WRONG-CODE-0000").status_code == 401

    refused = track(client, sent.reference, sent.code)

    assert refused.status_code == 429
    assert "Too many attempts. Wait" in text(refused)
    assert client.get("/consultations/track/request").status_code == 303


def test_the_tracking_session_expires(app, client, monkeypatch) -> None:
    from portal.consultations import intake

    sent = send(app)
    track(client, sent.reference, sent.code)
    assert client.get("/consultations/track/request").status_code == 200

    monkeypatch.setattr(intake, "TRACKED_SECONDS", -1)
    track(client, sent.reference, sent.code)
    response = client.get("/consultations/track/request")

    assert response.status_code == 303
    assert response.headers["Location"] == "/consultations/track"


def test_a_follow_up_reopens_an_answered_request(app, client) -> None:
    sent = send(app)
    consultant = staff(app)
    act(app, services.reply, sent.id, "Go to the enforcement bureau.", actor=consultant)
    track(client, sent.reference, sent.code)
    page = text(client.get("/consultations/track/request"))
    assert "Go to the enforcement bureau." in page and "Answered" in page

    response = client.post("/consultations/track/request/follow-up",
                           data={"body": "They refused to take my papers."})

    assert response.status_code == 303
    assert response.headers["Location"] == "/consultations/track/request"
    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.assigned
        assert [m.body for m in services.public_messages(request)][-1] == \
            "They refused to take my papers."
    assert "They refused to take my papers." in text(client.get("/consultations/track/request"))


def test_an_empty_follow_up_is_refused_next_to_the_field(app, client) -> None:
    sent = send(app)
    track(client, sent.reference, sent.code)

    response = client.post("/consultations/track/request/follow-up", data={"body": " "})

    assert response.status_code == 422
    assert '<p class="error" id="body-error">Write a message.' in text(response)
    with app.app_context():
        assert services.public_messages(get(sent.id)) == []


def test_follow_up_and_withdraw_need_a_tracked_request(app, client) -> None:
    send(app)

    for method, url in (("post", "/consultations/track/request/follow-up"),
                        ("get", "/consultations/track/request/withdraw"),
                        ("post", "/consultations/track/request/withdraw")):
        response = getattr(client, method)(url, data={"body": "hi", "confirm": "y"})
        assert response.status_code == 303, url
        assert response.headers["Location"] == "/consultations/track", url


def test_withdrawing_consent_asks_first_then_anonymises(app, client) -> None:
    sent = send(app)
    track(client, sent.reference, sent.code)

    confirm = client.get("/consultations/track/request/withdraw")
    unconfirmed = client.post("/consultations/track/request/withdraw", data={})

    assert confirm.status_code == 200 and "This cannot be undone." in text(confirm)
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error"' in text(unconfirmed)
    with app.app_context():
        assert not get(sent.id).is_anonymised

    done = client.post("/consultations/track/request/withdraw", data={"confirm": "y"})

    assert done.status_code == 303
    with app.app_context():
        request = get(sent.id)
        assert request.is_anonymised and request.status == Status.closed
        assert request.name == request.phone == request.question == ""
    page = text(client.get("/consultations/track/request"))
    assert "Closed" in page and "only its status remains" in page
    assert QUESTION not in unescape(page) and NAME not in page
    assert 'action="/consultations/track/request/follow-up"' not in page
    assert client.post("/consultations/track/request/follow-up",
                       data={"body": "Hello?"}).status_code == 403


def test_an_anonymised_request_shows_only_its_status(app, client) -> None:
    from portal.consultations import privacy

    sent = send(app)
    with app.app_context():
        privacy.anonymise(get(sent.id))
        db.session.commit()

    track(client, sent.reference, sent.code)
    page = text(client.get("/consultations/track/request"))

    assert "only its status remains" in page
    assert "Family" not in page and "Toshkent" not in page


# A registered citizen -------------------------------------------------------------------------

def test_the_account_lists_own_requests_and_the_owner_page(app, client, auth) -> None:
    with app.app_context():
        owner_id = make_user("citizen", "owner@example.uz").id
        make_user("citizen", "other@example.uz")
    mine = send(app, user_id=owner_id)
    theirs = send(app)
    auth.login("owner@example.uz")

    account = client.get("/account")
    page = text(account)

    assert account.headers["Cache-Control"] == "no-store"
    assert "My consultation requests" in page
    assert f'href="/consultations/mine/{mine.reference}"' in page
    assert theirs.reference not in page
    assert "Family and children" in page and "New" in page
    assert 'href="/consultations/my-data.json"' in page
    assert "Download my consultation requests (JSON)" in page
    own_page = client.get(f"/consultations/mine/{mine.reference}")
    assert own_page.status_code == 200
    assert own_page.headers["Cache-Control"] == "no-store"
    assert QUESTION in unescape(text(own_page))
    assert client.get(f"/consultations/mine/{theirs.reference}").status_code == 404
    assert client.get("/consultations/mine/HQ-2026-999999").status_code == 404

    auth.logout()
    auth.login("other@example.uz")

    assert client.get(f"/consultations/mine/{mine.reference}").status_code == 404
    assert mine.reference not in text(client.get("/account"))


def test_the_owner_writes_a_follow_up_and_withdraws_from_the_own_page(app, client,
                                                                        auth) -> None:
    with app.app_context():
        owner_id = make_user("citizen", "owner@example.uz").id
    mine = send(app, user_id=owner_id)
    auth.login("owner@example.uz")

    written = client.post(f"/consultations/mine/{mine.reference}/follow-up",
                          data={"body": "One more detail."})
    withdrawn = client.post(f"/consultations/mine/{mine.reference}/withdraw",
                            data={"confirm": "y"})

    assert written.status_code == 303
    assert written.headers["Location"] == f"/consultations/mine/{mine.reference}"
    assert withdrawn.status_code == 303 and withdrawn.headers["Location"] == "/account"
    with app.app_context():
        assert get(mine.id).is_anonymised
    assert client.get(f"/consultations/mine/{mine.reference}").status_code == 404


def test_the_owner_pages_need_a_login(app, client) -> None:
    mine = send(app)

    response = client.get(f"/consultations/mine/{mine.reference}")

    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_citizen_downloads_their_data_as_json(app, client, auth) -> None:
    with app.app_context():
        owner_id = make_user("citizen", "owner@example.uz", name="Owner").id
    mine = send(app, user_id=owner_id)
    send(app)
    auth.login("owner@example.uz")

    response = client.get("/consultations/my-data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="my-consultation-requests.json"')
    data = json.loads(text(response))
    assert data["account"]["email"] == "owner@example.uz"
    assert [r["reference"] for r in data["consultation_requests"]] == [mine.reference]
    assert data["consultation_requests"][0]["question"] == QUESTION


# Personal data stays out of URLs and caches ---------------------------------------------------

def test_no_generated_url_carries_personal_data_or_the_code(app, client, auth) -> None:
    with app.app_context():
        owner_id = make_user("citizen", "owner@example.uz").id
        make_material("Alimony in plain words", topics=["family"])
    auth.login("owner@example.uz")
    reference, code = send_through_form(client)
    track(client, reference, code)
    pages = [text(client.get(url)) for url in (
        "/consultations/new", "/consultations/new/family", FORM_URL, "/consultations/sent",
        "/consultations/track", "/consultations/track/request",
        "/consultations/track/request/withdraw", f"/consultations/mine/{reference}",
        "/account")]
    secrets = [NAME, PHONE, "123-45-67", EMAIL, code, code.replace("-", ""), "Chilonzor",
               "alimony for our two"]

    urls = [unescape(u) for page in pages for u in re.findall(r'(?:href|action)="([^"]*)"',
                                                                 page)]

    assert urls
    for url in urls:
        for secret in secrets:
            assert secret.lower() not in url.lower(), url
    with app.app_context():
        assert only_request(app).user_id == owner_id


def test_every_page_showing_a_request_is_not_stored_by_caches(app, client) -> None:
    sent = send(app)
    responses = [client.get(FORM_URL), client.get("/consultations/sent"),
                 client.get("/consultations/track"), track(client, sent.reference, "WRONG")]
    track(client, sent.reference, sent.code)
    responses += [client.get("/consultations/track/request"),
                  client.get("/consultations/track/request/withdraw")]

    for response in responses:
        assert response.headers["Cache-Control"] == "no-store", response.request.path


# With CSRF protection on, as in a browser -----------------------------------------------------

def test_with_csrf_on_the_form_and_tracking_work_and_refuse_a_missing_token(csrf_app) -> None:
    client = csrf_app.test_client()
    page = text(client.get(FORM_URL))
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page)
    assert key is not None

    refused = client.post(FORM_URL, data=form_data(form_key=key.group(1)))
    sent = client.post(FORM_URL, data=form_data(form_key=key.group(1),
                                                 csrf_token=csrf_token(page)))

    assert refused.status_code in {400, 422}
    assert sent.status_code == 303
    assert count(csrf_app) == 1
    receipt = text(client.get("/consultations/sent"))
    found_reference = re.search(r"HQ-\d{4}-\d{6}", receipt)
    found_code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", receipt)
    assert found_reference and found_code
    reference, code = found_reference.group(0), found_code.group(0)
    track_page = text(client.get("/consultations/track"))
    assert client.post("/consultations/track", data={
        "reference": reference, "code": code}).status_code == 400
    found = client.post("/consultations/track", data={
        "reference": reference, "code": code, "csrf_token": csrf_token(track_page)})
    assert found.status_code == 303
    request_page = text(client.get("/consultations/track/request"))
    written = client.post("/consultations/track/request/follow-up", data={
        "body": "Thank you.", "csrf_token": csrf_token(request_page)})
    assert written.status_code == 303
    assert client.post("/consultations/track/request/follow-up",
                       data={"body": "No token."}).status_code == 400



# Page structure, and the demo -----------------------------------------------------------------

def test_the_citizen_pages_are_accessible(app, client, auth) -> None:
    from tests.test_accessibility import check

    with app.app_context():
        owner_id = make_user("citizen", "owner@example.uz").id
        make_material("Alimony in plain words", topics=["family"])
        topic = configuration.topic_by_slug("family")
        assert topic is not None
        for kind in ("text", "choice", "date", "number"):
            configuration.save_field(topic, configuration.FieldInput(
                f"f_{kind}", kind, kind, f"A {kind}", kind=kind,
                choices=["a", "b"] if kind == "choice" else []), None)
        db.session.commit()
    mine = send(app, user_id=owner_id)
    auth.login("owner@example.uz")
    track(client, mine.reference, mine.code)
    pages = {url: client.get(url) for url in (
        "/consultations/new", "/consultations/new/family", "/consultations/new/other",
        FORM_URL, "/consultations/track", "/consultations/track/request",
        "/consultations/track/request/withdraw", f"/consultations/mine/{mine.reference}",
        f"/consultations/mine/{mine.reference}/withdraw", "/account")}
    pages["bad form"] = client.post(FORM_URL, data=form_data(
        phone="1", consent=None, **{"extra-f_number": "x", "extra-f_date": "soon"}))
    pages["bad track"] = client.post("/consultations/track", data={"reference": ""})
    client.post(FORM_URL, data=form_data())
    pages["receipt"] = client.get("/consultations/sent")

    for name, response in pages.items():
        assert response.status_code in {200, 422}, name
        check(text(response), name)
    assert 'aria-invalid="true"' in text(pages["bad form"])
    assert 'aria-describedby="extra-f_date-error"' in text(pages["bad form"])


def test_the_demo_adds_requests_in_several_statuses_once(app, runner, client) -> None:
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])

    assert first.exit_code == 0, first.output
    assert "4 new consultation requests" in first.output
    assert "0 new consultation requests" in second.output
    with app.app_context():
        requests = db.session.scalars(select(ConsultationRequest)).all()
        assert {r.status for r in requests} == {Status.new, Status.assigned, Status.answered,
                                               Status.closed}
        answered = next(r for r in requests if r.status == Status.answered)
        replies = [m for m in services.public_messages(answered) if m.author is not None]
        assert replies and replies[0].author.email == "consultant@demo.huquq.uz"
        assert answered.user_id is not None  # the demo citizen's own
    assert outbox(app) == []
    from pathlib import Path

    lines = (Path(app.instance_path) / "demo-consultations.txt").read_text().splitlines()
    reference, code = lines[0].split()
    assert track(client, reference, code).status_code == 303
