"""Reminders to the editors before a record ends or is due for renewal: queued in the outbox
``remind_days`` before the date at 9:00 in Tashkent, moved with the date, withdrawn when the
record stops running, one per translation group, never sent twice."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal.accounts.models import User
from portal.cooperation import services
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import make_user
from tests.cooperation.helpers import (
    WRITER,
    edit_form,
    make_partner,
    make_record,
    reminders,
    text,
)

TASHKENT = ZoneInfo("Asia/Tashkent")
TITLE = "Memorandum with the Bundespolizei"


def at_nine(day: date) -> datetime:
    """9:00 in Tashkent that day, as the outbox keeps it (UTC)."""
    return datetime.combine(day, time(9), tzinfo=TASHKENT).astimezone(UTC)


def today() -> date:
    return utcnow().astimezone(TASHKENT).date()


def sent_mails(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "mail"
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted(folder.glob("*.eml"))] if folder.exists() else []


@pytest.fixture
def clock(monkeypatch):
    """Move the outbox sender's clock: ``clock(moment)``."""
    from portal import mail

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(mail, "utcnow", lambda: moment)

    return set_to


@pytest.fixture
def partner(app) -> int:
    return make_partner(app, "Bundespolizei", "DE")


def test_an_end_date_queues_a_reminder_to_every_editor_remind_days_before_at_nine(
        app, partner) -> None:
    with app.app_context():
        make_user("admin", "admin@example.uz", name="Admin")
        make_user("trainer", "trainer@example.uz")
        make_user("citizen", "citizen@example.uz")
        make_user("editor", "left@example.uz").active = False
        db.session.commit()
    ends = today() + timedelta(days=200)

    record_id = make_record(app, TITLE, [partner], ends_on=ends, remind_days=45)

    queued = reminders(app)
    assert sorted(m.to_address for m in queued) == ["admin@example.uz", WRITER]
    for mail in queued:
        assert mail.send_after == at_nine(ends - timedelta(days=45))
        assert mail.sent_at is None
        assert mail.subject.startswith("Ends on ") and mail.subject.endswith(TITLE)
        assert f"/cooperation/{record_id}" in mail.body
        assert mail.key.startswith("cooperation-reminder:")


def test_a_renewal_date_has_its_own_reminder(app, partner) -> None:
    ends = today() + timedelta(days=400)
    renew = today() + timedelta(days=300)

    make_record(app, TITLE, [partner], ends_on=ends, renew_on=renew, remind_days=30)

    mails = {m.subject.split(" on ")[0]: m for m in reminders(app, WRITER)}
    assert set(mails) == {"Ends", "Renewal due"}
    assert mails["Renewal due"].send_after == at_nine(renew - timedelta(days=30))
    assert mails["Ends"].send_after == at_nine(ends - timedelta(days=30))
    assert "is due for renewal on" in mails["Renewal due"].body


def test_a_date_too_close_reminds_at_once_and_a_past_one_not_at_all(app, partner) -> None:
    soon = make_record(app, "Ends soon", [partner], ends_on=today() + timedelta(days=10))
    make_record(app, "Ended", [partner], ends_on=today() - timedelta(days=1),
                starts_on=today() - timedelta(days=100))
    make_record(app, "Open-ended", [partner])

    [mail] = reminders(app)
    assert mail.send_after is None  # the moment has passed: as soon as the sender runs
    assert f"/cooperation/{soon}" in mail.body


def test_the_reminder_is_in_the_editors_language(app, partner) -> None:
    with app.app_context():
        make_user("editor", "rus@example.uz", language="ru")

    make_record(app, TITLE, [partner], ends_on=date(2031, 3, 15))

    [russian] = reminders(app, "rus@example.uz")
    [english] = reminders(app, WRITER)
    assert "15 марта 2031" in russian.subject
    assert "March 15, 2031" in english.subject


def test_a_new_date_moves_the_reminder_and_withdraws_the_unsent_one(app, client, as_role,
                                                                    partner) -> None:
    record_id = make_record(app, TITLE, [partner], state="draft",
                            ends_on=today() + timedelta(days=300))
    editor = as_role("editor")
    old = {m.key for m in reminders(app)}
    new_end = today() + timedelta(days=500)

    response = client.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, ends_on=new_end.isoformat(), remind_days="90"))

    assert response.status_code == 302
    moved = reminders(app)
    assert not old & {m.key for m in moved}
    assert sorted(m.to_address for m in moved) == sorted([WRITER, editor.email])
    assert {m.send_after for m in moved} == {at_nine(new_end - timedelta(days=90))}
    # removing the date withdraws the reminders
    client.post(f"/cooperation/{record_id}/edit", data=edit_form(app, record_id, ends_on=""))
    assert reminders(app) == []


def test_a_sent_reminder_stays_and_is_not_sent_again(app, client, as_role, partner,
                                                     clock) -> None:
    from portal import mail

    ends = today() + timedelta(days=10)
    record_id = make_record(app, TITLE, [partner], state="draft", ends_on=ends)
    with app.app_context():
        assert mail.send_pending() == (1, 0)
    as_role("editor")  # a second editor joins afterwards

    # an edit that keeps the date, and the daily run of the reminders
    client.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, summary="Renewal talks have started."))
    runner = app.test_cli_runner()
    runner.invoke(args=["cooperation", "remind"])

    with app.app_context():
        assert mail.send_pending() == (1, 0)  # only the new editor's
    assert sorted(m["To"] for m in sent_mails(app)) == sorted([WRITER,
                                                                "editor-session@example.uz"])
    assert len(reminders(app)) == 2 and all(m.sent_at for m in reminders(app))


def test_archiving_or_completing_withdraws_the_reminders(app, client, as_role,
                                                         partner) -> None:
    ends = today() + timedelta(days=300)
    record_id = make_record(app, TITLE, [partner], ends_on=ends)
    as_role("editor")
    assert [m.to_address for m in reminders(app)] == [WRITER]

    client.post(f"/cooperation/{record_id}/workflow", data={"move": "archive"})
    assert reminders(app) == []

    client.post(f"/cooperation/{record_id}/workflow", data={"move": "reopen"})
    assert len(reminders(app)) == 2  # a reopened record reminds again (both editors now)

    client.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, status="completed"))
    assert reminders(app) == []
    client.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, status="terminated"))
    assert reminders(app) == []


def test_restoring_a_revision_brings_its_reminder_back(app, client, as_role,
                                                       partner) -> None:
    ends = today() + timedelta(days=300)
    record_id = make_record(app, TITLE, [partner], state="draft", ends_on=ends)
    as_role("editor")
    client.post(f"/cooperation/{record_id}/edit", data=edit_form(app, record_id, ends_on=""))
    assert reminders(app) == []

    client.post(f"/cooperation/{record_id}/history/1/restore")

    assert {m.send_after for m in reminders(app)} == {at_nine(ends - timedelta(days=60))}


def test_a_translated_record_reminds_once(app, client, as_role, partner) -> None:
    ends = today() + timedelta(days=300)
    english = make_record(app, TITLE, [partner], ends_on=ends)
    russian = make_record(app, "Меморандум с Федеральной полицией", [partner], language="ru",
                          ends_on=ends, translation_of=english)

    assert [m.to_address for m in reminders(app)] == [WRITER]
    with app.app_context():
        services.remind_all()  # what the daily command does
        db.session.commit()
    assert [m.to_address for m in reminders(app)] == [WRITER]

    # the Russian version is archived; the agreement still runs in English
    as_role("editor")
    client.post(f"/cooperation/{russian}/workflow", data={"move": "archive"})
    assert sorted(m.to_address for m in reminders(app)) == sorted(
        [WRITER, "editor-session@example.uz"])
    assert {m.send_after for m in reminders(app)} == {at_nine(ends - timedelta(days=60))}


def test_the_remind_command_can_run_any_number_of_times(app, partner) -> None:
    ends = today() + timedelta(days=300)
    make_record(app, TITLE, [partner], ends_on=ends)
    make_record(app, "Training programme", [partner], kind="training",
                renew_on=today() + timedelta(days=200))
    with app.app_context():
        make_user("editor", "newcomer@example.uz")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["cooperation", "remind"])
    keys = sorted(m.key for m in reminders(app))
    second = runner.invoke(args=["cooperation", "remind"])

    assert first.exit_code == second.exit_code == 0
    assert "reminders queued" in first.output
    assert sorted(m.key for m in reminders(app)) == keys
    assert len(keys) == 4  # two records, two editors
    assert len(reminders(app, "newcomer@example.uz")) == 2


def test_a_due_reminder_is_sent_by_the_outbox_sender_once(app, partner, clock) -> None:
    ends = today() + timedelta(days=200)
    make_record(app, TITLE, [partner], ends_on=ends, remind_days=60)
    due = at_nine(ends - timedelta(days=60))
    runner = app.test_cli_runner()

    clock(due - timedelta(minutes=1))
    assert "sent 0 mails" in runner.invoke(args=["mail", "send"]).output
    clock(due + timedelta(minutes=1))
    assert "sent 1 mail," in runner.invoke(args=["mail", "send"]).output
    assert "sent 0 mails" in runner.invoke(args=["mail", "send"]).output

    [sent] = sent_mails(app)
    assert sent["To"] == WRITER
    assert sent["Subject"].startswith("Ends on ") and TITLE in sent["Subject"]
    assert "Plan its renewal or its completion" in sent.get_content()


def test_the_default_number_of_days_is_configurable(app, client, as_role, partner) -> None:
    app.config["COOPERATION_REMIND_DAYS"] = 14
    as_role("editor")
    ends = today() + timedelta(days=100)

    page = text(client.get("/cooperation/new"))
    assert 'name="remind_days" type="number" value="14"' in page or \
        ('id="remind_days"' in page and 'value="14"' in page)
    response = client.post("/cooperation/new", data={
        "title": TITLE, "kind": "interagency", "status": "in_force", "language": "en",
        "partners": [str(partner)], "summary": "Joint courses.", "ends_on": ends.isoformat(),
        "remind_days": "14", "form_key": "configurable"})

    assert response.status_code == 302
    assert {m.send_after for m in reminders(app)} == {at_nine(ends - timedelta(days=14))}
    with app.app_context():
        assert db.session.scalar(db.select(User.email).where(
            User.email == "editor-session@example.uz")) is not None
