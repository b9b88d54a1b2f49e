"""Sending a request: reference numbers, tracking codes, the one-time form key, the
attachment, the receipt mail and the audit row."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.accounts import passwords
from portal.consultations import references, services
from portal.consultations.files import Upload
from portal.consultations.models import ConsultationRequest, Status
from portal.content.attachments import AttachmentError
from portal.extensions import db
from tests.consultations.helpers import (
    EMAIL,
    NAME,
    PHONE,
    QUESTION,
    audit_rows,
    get,
    outbox,
    request_input,
    row_text,
    send,
    staff,
)
from tests.cooperation.helpers import PDF


def test_references_are_sequential_per_year(app) -> None:
    first = send(app, now=datetime(2026, 5, 4, 9, tzinfo=UTC))
    second = send(app, now=datetime(2026, 5, 4, 9, 1, tzinfo=UTC))
    next_year = send(app, now=datetime(2027, 1, 2, 9, tzinfo=UTC))

    assert first.reference == "HQ-2026-000001"
    assert second.reference == "HQ-2026-000002"
    assert next_year.reference == "HQ-2027-000001"


def test_the_year_of_a_reference_is_the_year_in_tashkent(app) -> None:
    # 31 December 20:00 UTC is already 1 January 01:00 in Tashkent.
    sent = send(app, now=datetime(2026, 12, 31, 20, tzinfo=UTC))

    assert sent.reference == "HQ-2027-000001"


def test_requests_sent_at_once_get_different_references(app) -> None:
    barrier = threading.Barrier(6)
    found: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                request, _code = services.submit(request_input())
                db.session.commit()
                found.append(request.reference)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(set(found)) == 6
    year = found[0][3:7]
    assert sorted(found) == [f"HQ-{year}-{n:06d}" for n in range(1, 7)]


def test_the_tracking_code_is_shown_once_and_never_stored(app) -> None:
    sent = send(app)

    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", sent.code)
    stored = row_text(app, "consultation_requests", sent.id)
    assert references.normalise_code(sent.code) not in stored
    assert sent.code not in stored
    assert "$argon2" in stored


def test_the_right_reference_and_code_find_the_request(app) -> None:
    sent = send(app)

    with app.app_context():
        found = services.find_for_tracking(sent.reference, sent.code.lower().replace("-", " "))
        typed = services.find_for_tracking(f" hq-{sent.reference[3:]} ", sent.code)

        assert found is not None and found.id == sent.id
        assert typed is not None and typed.id == sent.id


def test_a_wrong_reference_and_a_wrong_code_get_the_same_answer_after_the_same_work(
        app, monkeypatch) -> None:
    sent = send(app)
    checked: list[str | None] = []
    verify = passwords.verify

    def counting(stored_hash: str | None, password: str) -> bool:
        checked.append(stored_hash)
        return verify(stored_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    with app.app_context():
        wrong_code = services.find_for_tracking(sent.reference, "AAAA-BBBB-CCCC")
        wrong_reference = services.find_for_tracking("HQ-2020-000999", sent.code)
        garbage = services.find_for_tracking("hello", sent.code)

    assert wrong_code is None and wrong_reference is None and garbage is None
    # A hash was checked every time: for the missing reference, the dummy one.
    assert len(checked) == 3
    assert checked[0] is not None and checked[1] is None and checked[2] is None


def test_tracking_attempts_are_limited_per_reference_from_one_address(app) -> None:
    app.config["CONSULTATION_TRACK_ATTEMPTS_PER_REFERENCE"] = 3
    sent = send(app)

    with app.app_context():
        results = [services.track(sent.reference, "WRONG-CODE", "10.0.0.1") for _ in range(3)]
        db.session.commit()
        refused = services.track(sent.reference, sent.code, "10.0.0.1")
        other = services.track("HQ-2020-000001", "WRONG", "10.0.0.1")

    assert [r.request for r in results] == [None, None, None]
    assert all(r.retry_after == 0 for r in results)
    assert refused.request is None and refused.retry_after > 0  # even with the right code
    assert other.retry_after == 0


def test_strangers_failing_on_a_reference_do_not_lock_its_citizen_out(app) -> None:
    app.config["CONSULTATION_TRACK_ATTEMPTS_PER_REFERENCE"] = 3
    sent = send(app)

    with app.app_context():
        for n in range(10):
            services.track(sent.reference, "WRONG-CODE", f"10.0.1.{n}")
        db.session.commit()
        owner = services.track(sent.reference, sent.code, "10.0.0.9")

    assert owner.retry_after == 0
    assert owner.request is not None and owner.request.id == sent.id


def test_tracking_attempts_are_limited_per_address(app) -> None:
    app.config["CONSULTATION_TRACK_ATTEMPTS_PER_ADDRESS"] = 2
    sent = send(app)

    with app.app_context():
        ok = services.track(sent.reference, sent.code, "10.0.0.1")
        wrong = [services.track(f"HQ-2020-00000{n}", "X", "10.0.0.1") for n in range(1, 4)]

    assert ok.request is not None  # a success is not counted
    assert [w.retry_after > 0 for w in wrong] == [False, False, True]


def test_a_repeated_form_key_creates_one_request(app) -> None:
    first = send(app, form_key="intake-key-1")

    with app.app_context():
        again, code = services.submit(request_input(), form_key="intake-key-1")
        db.session.commit()
        again_id = again.id
        count = db.session.scalar(select(func.count()).select_from(ConsultationRequest))

    assert again_id == first.id and code is None
    assert count == 1


def test_a_new_code_replaces_the_old_one_and_is_mailed_again(app) -> None:
    sent = send(app, form_key="intake-key-2")

    with app.app_context():
        code = services.issue_new_code(get(sent.id))
        db.session.commit()
        assert services.find_for_tracking(sent.reference, code) is not None
        assert services.find_for_tracking(sent.reference, sent.code) is None

    [mail] = outbox(app, EMAIL)  # the unsent first receipt, with the old code, is withdrawn
    assert code in mail.body and sent.code not in mail.body
    assert mail.key is not None and mail.key.startswith(f"consultation:{sent.id}:received:")
    assert [r.action for r in audit_rows(app)][-1] == "consultation.new_code"


def test_a_request_is_new_with_its_details_normalised(app) -> None:
    sent = send(app, name="  Zulfiya Rahimova ", phone="90 123 45 67")

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.new
        assert request.name == NAME and request.phone == PHONE
        assert request.topic.slug == "family"
        assert request.consent_version == 1 and request.consent_at == request.created_at
        assert request.extra_answers == {"children": "2"}


@pytest.mark.parametrize("typed", ["+998 90 123 45 67", "998901234567", "(90) 123-45-67",
                                   "901234567"])
def test_uzbek_phone_numbers_are_normalised(typed: str) -> None:
    assert services.normalise_phone(typed) == PHONE


@pytest.mark.parametrize("typed", ["", "12345", "+7 901 234 56 78", "+998 90 123 45 678",
                                   "call me", "+998-90-abc"])
def test_other_phone_numbers_are_refused(typed: str) -> None:
    assert services.normalise_phone(typed) is None


@pytest.mark.parametrize("changes", [{"phone": "12345"}, {"question": "   "},
                                     {"question": "x" * 5001}, {"consent_version": 0}])
def test_bad_input_writes_nothing(app, changes) -> None:
    with app.app_context():
        with pytest.raises(services.InvalidInput):
            services.submit(request_input(**changes))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(ConsultationRequest)) == 0


def test_the_receipt_is_mailed_in_the_citizens_language(app) -> None:
    sent = send(app, language="ru")

    [mail] = outbox(app, EMAIL)
    assert sent.reference in mail.subject and sent.reference in mail.body
    assert sent.code in mail.body
    assert "http://127.0.0.1:5000/consultations/track" in mail.body
    assert "Код отслеживания" in mail.body or "Tracking code" in mail.body
    assert QUESTION not in mail.body and NAME not in mail.body


def test_no_mail_without_an_email(app) -> None:
    send(app, email="")

    assert outbox(app) == []


def test_the_audit_row_of_a_request_holds_no_personal_data(app) -> None:
    citizen = staff(app, "citizen", "citizen@example.uz")
    sent = send(app, user_id=citizen)

    [entry] = audit_rows(app)
    assert entry.action == "consultation.submit" and entry.object_id == sent.id
    assert entry.actor_id is None  # not even which account asked
    assert entry.object_label == sent.reference
    written = " ".join([entry.object_label, entry.comment, entry.detail, entry.ip])
    for personal in (NAME, PHONE, EMAIL, "Navbahor", "alimony", sent.code):
        assert personal not in written


def test_an_attachment_is_stored_by_a_random_name(app) -> None:
    sent = send(app, attachment=Upload("Rahimova alimony.pdf", PDF))

    with app.app_context():
        from portal.consultations import files

        request = get(sent.id)
        assert request.attachment_name == "Rahimova alimony.pdf"
        assert request.attachment_type == "application/pdf"
        assert "Rahimova" not in request.attachment_stored
        path = files.path_of(request.attachment_stored)
        assert path is not None and path.read_bytes() == PDF


def test_a_docx_attachment_is_accepted(app) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")

    sent = send(app, attachment=Upload("letter.docx", buffer.getvalue()))

    with app.app_context():
        assert get(sent.id).attachment_name == "letter.docx"


@pytest.mark.parametrize("data", [b"", b"MZ\x90\x00 an executable", b"x" * (5 * 1024 * 1024 + 1)])
def test_a_wrong_attachment_is_refused_before_anything_is_written(app, data) -> None:
    with app.app_context():
        with pytest.raises(AttachmentError):
            services.submit(request_input(attachment=Upload("file.pdf", data)))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(ConsultationRequest)) == 0


def test_sends_from_one_address_are_limited(app) -> None:
    app.config["CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY"] = 2

    with app.app_context():
        waits = [services.count_submission("10.1.1.1") for _ in range(3)]
        other = services.count_submission("10.1.1.2")

    assert waits[:2] == [0, 0] and waits[2] > 0 and other == 0
