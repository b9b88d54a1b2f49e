"""Personal data: anonymisation on withdrawal of consent and after the retention period (no
name, phone or text left in any row), the purge command, and the citizen's JSON export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from portal.consultations import privacy, services
from portal.consultations.files import Upload
from portal.consultations.models import Status
from portal.database import utcnow
from portal.extensions import db
from tests.consultations.helpers import (
    EMAIL,
    NAME,
    PHONE,
    act,
    audit_rows,
    get,
    outbox,
    row_text,
    send,
    staff,
)
from tests.cooperation.helpers import PDF

PERSONAL = (NAME, PHONE, EMAIL, "Navbahor", "Chilonzor", "alimony", "Rahimova.pdf",
            "Which court", "Call her mother", "through the court")


def answered_and_closed(app, **changes) -> tuple[int, str]:
    """A request with an attachment, a note, a reply and a follow-up, closed; its id and
    reference."""
    consultant = staff(app, "consultant", f"c{utcnow().timestamp()}@example.uz")
    sent = send(app, attachment=Upload("Rahimova.pdf", PDF), **changes)
    act(app, services.take, sent.id, actor=consultant)
    act(app, services.note, sent.id, "Call her mother.", actor=consultant)
    act(app, services.reply, sent.id, "Claim it through the court.", actor=consultant)
    act(app, services.add_follow_up, sent.id, "Which court?")
    act(app, services.set_status, sent.id, "closed", actor=consultant)
    return sent.id, sent.reference


def assert_nothing_personal(app, request_id: int) -> None:
    stored = " ".join([row_text(app, "consultation_requests", request_id),
                       row_text(app, "consultation_messages"),
                       row_text(app, "mail_outbox"), row_text(app, "audit_entries")])
    for personal in PERSONAL:
        assert personal.lower() not in stored.lower(), personal


def test_anonymising_leaves_no_name_phone_or_text(app) -> None:
    request_id, reference = answered_and_closed(app)
    with app.app_context():
        from portal.consultations import files

        stored_file = files.path_of(get(request_id).attachment_stored)
        assert stored_file is not None and stored_file.exists()

        assert privacy.anonymise(get(request_id)) is True
        db.session.commit()

        request = get(request_id)
        assert request.anonymised_at is not None
        # What statistics need stays.
        assert request.reference == reference and request.topic.slug == "family"
        assert request.region == "Toshkent shahri" and request.status == Status.closed
        assert request.created_at is not None and request.closed_at is not None
        assert len(request.messages) == 3 and all(m.body == "" for m in request.messages)
        assert request.user_id is None and not request.has_attachment
        assert not stored_file.exists()
    assert_nothing_personal(app, request_id)
    assert outbox(app, EMAIL) == []


def test_anonymising_twice_changes_nothing(app) -> None:
    request_id, _reference = answered_and_closed(app)
    act(app, privacy.anonymise, request_id)

    assert act(app, privacy.anonymise, request_id) is False
    assert len([e for e in audit_rows(app) if e.action == "consultation.anonymise"]) == 1


def test_withdrawing_consent_anonymises_and_closes_at_once(app) -> None:
    sent = send(app)

    act(app, privacy.withdraw_consent, sent.id)

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.closed and request.anonymised_at is not None
        assert request.name == "" and request.phone == "" and request.question == ""
    assert_nothing_personal(app, sent.id)
    [entry] = [e for e in audit_rows(app) if e.action == "consultation.anonymise"]
    assert entry.detail == "consent withdrawn" and entry.ip == ""


def test_an_anonymised_request_takes_no_more_messages(app) -> None:
    sent = send(app)
    consultant = staff(app)
    act(app, privacy.withdraw_consent, sent.id)

    with pytest.raises(services.NotAllowed):
        act(app, services.add_follow_up, sent.id, "Hello?")
    with pytest.raises(services.NotAllowed):
        act(app, services.reply, sent.id, "Too late.", actor=consultant)
    with pytest.raises(services.NotAllowed):
        act(app, services.note, sent.id, "Noted.", actor=consultant)


def test_the_purge_anonymises_closed_requests_past_the_retention_period(app) -> None:
    old_id, _ = answered_and_closed(app)
    recent_id, _ = answered_and_closed(app)
    open_one = send(app)
    with app.app_context():
        get(old_id).closed_at = utcnow() - timedelta(days=400)
        get(recent_id).closed_at = utcnow() - timedelta(days=10)
        db.session.commit()

        assert privacy.purge() == 1  # the default: 365 days
        db.session.commit()
        assert privacy.purge() == 0  # idempotent
        assert get(old_id).anonymised_at is not None
        assert get(recent_id).anonymised_at is None
        assert get(open_one.id).anonymised_at is None
    old_row = row_text(app, "consultation_requests", old_id)
    assert NAME not in old_row and PHONE not in old_row and "alimony" not in old_row
    with app.app_context():
        assert {m.body for m in get(old_id).messages} == {""}
        assert get(recent_id).name == NAME  # not yet


def test_the_purge_command_takes_a_number_of_days_and_can_be_repeated(app, runner) -> None:
    request_id, _ = answered_and_closed(app)
    with app.app_context():
        get(request_id).closed_at = utcnow() - timedelta(days=31)
        db.session.commit()

    first = runner.invoke(args=["consultations", "purge", "--days", "30"])
    second = runner.invoke(args=["consultations", "purge", "--days", "30"])

    assert first.exit_code == 0 and "1 request anonymised" in first.output
    assert second.exit_code == 0 and "0 requests anonymised" in second.output
    assert_nothing_personal(app, request_id)


def test_the_retention_period_is_a_setting(app, runner) -> None:
    app.config["CONSULTATION_RETENTION_DAYS"] = 7
    request_id, _ = answered_and_closed(app)
    with app.app_context():
        get(request_id).closed_at = utcnow() - timedelta(days=8)
        db.session.commit()

    result = runner.invoke(args=["consultations", "purge"])

    assert "1 request anonymised" in result.output


def test_a_citizen_exports_everything_held_about_them_but_not_the_notes(app) -> None:
    citizen = staff(app, "citizen", "zulfiya@example.uz")
    _request_id, reference = answered_and_closed(app, user_id=citizen)
    send(app)  # somebody else's

    with app.app_context():
        from portal.accounts.models import User

        data = privacy.export_for_user(db.session.get(User, citizen))

    text = json.dumps(data, ensure_ascii=False)  # JSON-able
    [exported] = data["consultation_requests"]
    assert exported["reference"] == reference
    assert exported["name"] == NAME and exported["phone"] == PHONE
    assert exported["extra_answers"] == {"children": "2"}
    assert exported["attachment"]["name"] == "Rahimova.pdf"
    assert [m["kind"] for m in exported["messages"]] == ["public_reply", "citizen_message"]
    assert "Call her mother" not in text


# The outbox: receipts and mails a sender holds ------------------------------------------------

def test_the_purge_blanks_the_code_in_receipts_already_sent(app) -> None:
    from portal import mail

    delivered = send(app)
    with app.app_context():
        assert mail.send_pending() == (1, 0)
    waiting = send(app)  # its receipt is not sent yet: it keeps the code

    with app.app_context():
        assert privacy.purge() == 0  # nothing to anonymise; the receipts are still looked at
        db.session.commit()
        assert privacy.forget_sent_codes() == 0  # idempotent
    first, second = outbox(app, EMAIL)

    assert delivered.code not in first.body and delivered.reference not in first.body
    assert first.body and first.to_address == EMAIL and first.sent_at is not None
    assert waiting.code in second.body
    with app.app_context():
        assert get(delivered.id).anonymised_at is None  # an open request: only its receipt


def test_anonymising_blanks_the_mails_sent_and_deletes_the_unsent(app) -> None:
    from portal import mail

    sent = send(app)
    with app.app_context():
        assert mail.send_pending() == (1, 0)  # the receipt
    consultant = staff(app)
    act(app, services.reply, sent.id, "The answer.", actor=consultant)  # its notice: unsent

    act(app, privacy.withdraw_consent, sent.id)

    [receipt] = outbox(app)
    assert receipt.sent_at is not None
    assert (receipt.to_address, receipt.body) == ("", "")
    assert sent.reference in receipt.subject


def test_anonymising_while_a_sender_holds_the_mail_keeps_its_row(app, monkeypatch) -> None:
    from portal import mail

    sent = send(app)
    claim = mail._claim

    def claim_then_withdraw(mail_id, token, now):  # noqa: ANN001, ANN202
        claimed = claim(mail_id, token, now)
        # The citizen withdraws consent between the sender's claim and its read.
        privacy.withdraw_consent(get(sent.id))
        db.session.commit()
        return claimed

    monkeypatch.setattr(mail, "_claim", claim_then_withdraw)
    with app.app_context():
        assert mail.send_pending() == (0, 0)  # nothing to send to, and no crash

    [receipt] = outbox(app)
    assert (receipt.to_address, receipt.body) == ("", "")
    assert receipt.sent_at is None and receipt.claimed_by is not None
    monkeypatch.setattr(mail, "_claim", claim)
    with app.app_context():
        assert mail.send_pending() == (0, 0)  # and it is not picked up again
