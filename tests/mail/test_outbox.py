"""The mail outbox: written with the change, sent once afterwards, kept when sending fails."""

from __future__ import annotations

import email
import threading
from email import policy
from pathlib import Path

from sqlalchemy import func, select

from portal import mail
from portal.extensions import db


def mails_on_disk(app) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "mail"
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted(folder.glob("*.eml"))] if folder.exists() else []


def test_a_committed_mail_is_sent_once_as_utf8(app, runner) -> None:
    with app.app_context():
        mail.queue("oybek@example.uz", "Sertifikatni yangilang: Oʻquv kursi",
                   "Hurmatli Oʻgʻiloy,\nКурс «Профилактика» — yangi muddat.\n")
        db.session.commit()

    first = runner.invoke(args=["mail", "send"])
    second = runner.invoke(args=["mail", "send"])

    assert "sent 1 mail," in first.output and "sent 0 mails" in second.output
    [sent] = mails_on_disk(app)
    assert sent["To"] == "oybek@example.uz"
    assert sent["Subject"] == "Sertifikatni yangilang: Oʻquv kursi"
    assert "Курс «Профилактика»" in sent.get_content()
    with app.app_context():
        row = db.session.scalars(select(mail.OutboxMail)).one()
        assert row.sent_at is not None and row.attempts == 0


def test_a_rolled_back_change_leaves_no_mail(app, runner) -> None:
    with app.app_context():
        mail.queue("a@example.uz", "Subject", "Body")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(mail.OutboxMail)) == 0


def test_a_reminder_waits_for_its_time(app, runner) -> None:
    from datetime import timedelta

    from portal.database import utcnow

    with app.app_context():
        mail.queue("a@example.uz", "Later", "Body", send_after=utcnow() + timedelta(hours=1))
        db.session.commit()

    assert "sent 0 mails" in runner.invoke(args=["mail", "send"]).output
    assert mails_on_disk(app) == []


def test_a_failed_send_stays_in_the_outbox_and_is_retried(app, runner) -> None:
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=9)
    with app.app_context():
        mail.queue("a@example.uz", "Subject", "Body")
        db.session.commit()

    failed = runner.invoke(args=["mail", "send"])

    assert failed.exit_code == 1 and "1 failed" in failed.output
    with app.app_context():
        row = db.session.scalars(select(mail.OutboxMail)).one()
        assert row.sent_at is None and row.attempts == 1 and row.last_error
    app.config["MAIL_TRANSPORT"] = "file"
    assert "sent 1 mail," in runner.invoke(args=["mail", "send"]).output


def test_two_senders_at_once_send_each_mail_once(app) -> None:
    with app.app_context():
        for n in range(20):
            mail.queue(f"user{n}@example.uz", f"Mail {n}", "Body")
        db.session.commit()
    barrier = threading.Barrier(2)
    totals: list[int] = []

    def sender() -> None:
        with app.app_context():
            barrier.wait()
            totals.append(mail.send_pending()[0])
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(totals) == 20
    assert len(mails_on_disk(app)) == 20
