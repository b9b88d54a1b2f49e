"""Consultation requests over the API: the form's rules, limits and one-time key, and
tracking by reference and code in the body."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.consultations import services
from portal.consultations.configuration import (
    FieldInput,
    current_consent_version,
    save_field,
    topic_by_slug,
)
from portal.consultations.models import ConsultationRequest
from portal.extensions import db
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def children_field(app: Any) -> None:
    """The family topic asks how many children there are (a required number)."""
    with app.app_context():
        topic = topic_by_slug("family")
        assert topic is not None
        save_field(topic, FieldInput(name="children", label_uz="Bolalar", label_ru="Дети",
                                     label_en="Children", kind="number", required=True), None)
        db.session.commit()


def body(app: Any, **changes: Any) -> dict[str, Any]:
    with app.app_context():
        version = current_consent_version()
    data = {"topic": "family", "name": "Zulfiya Rahimova", "phone": "+998 90 123-45-67",
            "email": "zulfiya@example.uz", "region": "Toshkent shahri", "language": "ru",
            "question": "My former husband does not pay alimony.", "consent": True,
            "consent_version": version, "extra": {"children": "2"}}
    data.update(changes)
    return data


def count(app: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(ConsultationRequest.id))) or 0)


def test_a_request_is_taken_and_its_code_shown_once(app, client) -> None:
    response = client.post("/api/v1/consultations", json=body(app))

    sent = response.get_json()
    assert response.status_code == 201
    assert sent["reference"].startswith("HQ-") and sent["tracking_code"]
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        row = db.session.scalar(select(ConsultationRequest))
        assert (row.phone, row.language, row.extra_answers) == ("+998901234567", "ru",
                                                                {"children": "2"})


def test_invalid_input_answers_422_with_fields_and_writes_nothing(app, client) -> None:
    response = client.post("/api/v1/consultations", json=body(
        app, phone="12345", region="Atlantis", topic="no-such", question="",
        email="not-an-address"))

    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "validation_failed"
    assert "question" in error["fields"]
    assert count(app) == 0
    later = client.post("/api/v1/consultations", json=body(app, phone="12345",
                                                           region="Atlantis"))
    assert set(later.get_json()["error"]["fields"]) == {"phone", "region"}
    assert set(client.post("/api/v1/consultations", json=body(app, contact_way="email", email=""))
               .get_json()["error"]["fields"]) == {"body"}
    assert count(app) == 0


def test_consent_is_required_in_its_current_version(app, client) -> None:
    refused = client.post("/api/v1/consultations", json=body(app, consent=False))
    old = client.post("/api/v1/consultations", json=body(app, consent_version=0))

    assert "consent" in refused.get_json()["error"]["fields"]
    assert old.status_code == 409 and "consent_version" in old.get_json()["error"]["fields"]
    assert count(app) == 0


def test_a_required_extra_field_is_asked_for(app, client) -> None:
    response = client.post("/api/v1/consultations", json=body(app, extra={}))

    assert response.status_code == 422
    assert "extra.children" in response.get_json()["error"]["fields"]


def test_a_retry_with_the_same_idempotency_key_creates_nothing_new(app, client) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = client.post("/api/v1/consultations", json=body(app), headers=key)
    again = client.post("/api/v1/consultations", json=body(app), headers=key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert again.get_json()["tracking_code"] is None
    assert count(app) == 1


def test_an_idempotency_key_must_be_a_uuid(app, client) -> None:
    response = client.post("/api/v1/consultations", json=body(app),
                           headers={"Idempotency-Key": "1"})

    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]


def test_the_daily_limit_per_address_answers_429(app, client) -> None:
    app.config["CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY"] = 2
    statuses = [client.post("/api/v1/consultations", json=body(app)).status_code
                for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert count(app) == 2


def test_malformed_json_and_other_bodies_are_refused_cleanly(app, client) -> None:
    broken = client.post("/api/v1/consultations", data="{nope", content_type="application/json")
    form = client.post("/api/v1/consultations", data={"name": "x"})
    listed = client.post("/api/v1/consultations", json=[1, 2])
    huge = client.post("/api/v1/consultations", json=body(app, question="x" * 100_000))

    assert (broken.status_code, broken.get_json()["error"]["code"]) == (400, "malformed_json")
    assert form.status_code == 415
    assert listed.status_code == 422
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "payload_too_large"


def test_tracking_shows_the_status_and_public_replies(app, client) -> None:
    sent = client.post("/api/v1/consultations", json=body(app)).get_json()
    with app.app_context():
        consultant = make_user("consultant", "consultant@example.uz")
        request = db.session.scalar(select(ConsultationRequest))
        services.reply(request, "Apply to the court for alimony.", consultant)
        services.note(request, "Internal: call back on Monday.", consultant)
        db.session.commit()

    response = client.post("/api/v1/consultations/track",
                           json={"reference": sent["reference"], "code": sent["tracking_code"]})

    tracked = response.get_json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert tracked["status"] == "answered"
    assert [m["body"] for m in tracked["messages"]] == ["Apply to the court for alimony."]


def test_a_wrong_reference_and_a_wrong_code_get_the_same_answer(app, client) -> None:
    sent = client.post("/api/v1/consultations", json=body(app)).get_json()

    wrong_code = client.post("/api/v1/consultations/track",
                             json={"reference": sent["reference"], "code": "AAAA-BBBB-CCCC"})
    wrong_ref = client.post("/api/v1/consultations/track",
                            json={"reference": "HQ-2020-999999", "code": sent["tracking_code"]})

    assert wrong_code.status_code == wrong_ref.status_code == 404
    assert wrong_code.get_json() == wrong_ref.get_json()


def test_tracking_attempts_are_limited(app, client) -> None:
    app.config["CONSULTATION_TRACK_ATTEMPTS_PER_ADDRESS"] = 2
    attempt = {"reference": "HQ-2026-000001", "code": "AAAA-BBBB-CCCC"}

    statuses = [client.post("/api/v1/consultations/track", json=attempt).status_code
                for _ in range(3)]

    assert statuses == [404, 404, 429]


def test_the_topics_and_the_consent_text_are_listed(app, client) -> None:
    answer = client.get("/api/v1/consultations/topics?lang=en").get_json()

    family = next(t for t in answer["items"] if t["slug"] == "family")
    assert answer["consent_version"] >= 1 and answer["consent_text"]
    assert any(f["name"] == "children" for f in family["fields"])


def test_the_form_still_takes_requests_through_the_shared_intake(app, client) -> None:
    page = client.get("/consultations/new/family/form")
    assert page.status_code == 200
    api_sent = client.post("/api/v1/consultations", json=body(app))

    assert api_sent.status_code == 201
    assert count(app) == 1


# Idempotency keys: apart from the form's, bound to their body ----------------------------------

FORM_URL = "/consultations/new/family/form"


def form_data(key: str) -> dict[str, Any]:
    return {"name": "Someone Else", "phone": "+998 91 765-43-21", "contact_way": "phone",
            "contact_time": "any", "region": "Toshkent shahri", "language": "en",
            "question": "Another question.", "consent": "y", "consent_version": "1",
            "form_key": key, "website": "", "extra-children": "1"}


def test_the_form_never_reaches_a_request_by_its_api_key(app, client) -> None:
    key = str(uuid.uuid4())
    sent = client.post("/api/v1/consultations", json=body(app),
                       headers={"Idempotency-Key": key}).get_json()
    with app.app_context():
        stored = db.session.scalar(select(ConsultationRequest.form_key))
    assert stored not in (None, key) and len(stored) == 36

    # The client's key, and the stored form of it, sent by someone through the form page.
    for form_key in (key, stored):
        answer = client.post(FORM_URL, data=form_data(form_key))
        assert answer.status_code == 303

    # Two new requests; the API's request keeps its code (no new one was issued for it).
    assert count(app) == 3
    tracked = client.post("/api/v1/consultations/track",
                          json={"reference": sent["reference"], "code": sent["tracking_code"]})
    assert tracked.status_code == 200


def test_the_same_idempotency_key_with_another_body_is_refused(app, client) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = client.post("/api/v1/consultations", json=body(app), headers=key)
    other = client.post("/api/v1/consultations", json=body(app, question="Something else."),
                        headers=key)
    upper = client.post("/api/v1/consultations", json=body(app),
                        headers={"Idempotency-Key": key["Idempotency-Key"].upper()})

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.get_json()["error"]["fields"]
    assert upper.status_code == 200  # the same key, the same body: a retry
    assert upper.get_json()["reference"] == first.get_json()["reference"]
    assert count(app) == 1


# Messages a person can read ----------------------------------------------------------------------


def test_field_messages_are_the_portals_not_pydantics(app, client) -> None:
    response = client.post("/api/v1/consultations", json=body(
        app, phone="call me", region="Atlantis", name="   ", district="Chilonzor\x01",
        extra={f"f{n}": "x" for n in range(60)}), headers={"Accept-Language": "en"})

    fields = response.get_json()["error"]["fields"]
    assert fields["phone"] == ["Give an Uzbek phone number: +998 and nine digits."]
    assert fields["region"] == ["Choose your region."]
    assert fields["name"] == ["This field is required."]
    assert fields["district"] == ["Remove the control characters from this text."]
    assert fields["extra"] == ["Some fields need correcting."]
    for messages in fields.values():
        for message in messages:
            assert "should" not in message and "pattern" not in message and "^" not in message


def test_field_messages_follow_the_requests_language(app, client) -> None:
    response = client.post("/api/v1/consultations", json=body(app, phone="call me"),
                           headers={"Accept-Language": "ru"})

    assert response.get_json()["error"]["fields"]["phone"] != [
        "Give an Uzbek phone number: +998 and nine digits."]
