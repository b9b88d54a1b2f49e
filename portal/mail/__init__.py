"""The mail outbox: a message is a row written in the same transaction as the change it reports,
and ``flask mail send`` (or a worker running it) delivers it afterwards.

A rolled-back change leaves no mail behind; a crash after the commit leaves the row, which the
next run sends. Each row is claimed with one conditional UPDATE before it is sent, so two
senders running at once never send the same mail twice. The default transport writes ``.eml``
files to ``instance/mail``; ``MAIL_TRANSPORT = "smtp"`` sends through ``MAIL_SMTP_HOST``.
"""

from __future__ import annotations

import secrets
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_request_context, url_for
from flask.cli import AppGroup
from sqlalchemy import String, Text, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import Model, db

#: A claim older than this belongs to a sender that died: the row may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=10)


class OutboxMail(Model):
    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not before this moment (a reminder); None: as soon as possible.
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: Names a mail that must exist once (``webinar-reminder:12:...``): queueing it again does
    #: nothing, and an unsent one can be withdrawn by its prefix.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: One optional attachment, as text (a calendar entry).
    attachment_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="", server_default="")
    attachment_text: Mapped[str] = mapped_column(Text, default="", server_default="")


@dataclass(frozen=True)
class TextAttachment:
    name: str
    #: ``text/calendar`` and the like.
    content_type: str
    text: str


def queue(to_address: str, subject: str, body: str, *, send_after: datetime | None = None,
          key: str | None = None, attachment: TextAttachment | None = None
          ) -> OutboxMail | None:
    """Add a mail to the outbox in the current transaction (the caller commits).

    With *key*, a mail already queued (or sent) under that key is not queued again: None.
    """
    if key is not None and db.session.scalar(
            select(OutboxMail.id).where(OutboxMail.key == key)) is not None:
        return None
    mail = OutboxMail(to_address=to_address.strip(), subject=" ".join(subject.split())[:300],
                      body=body, send_after=send_after, key=key)
    if attachment is not None:
        mail.attachment_name = attachment.name
        mail.attachment_type = attachment.content_type
        mail.attachment_text = attachment.text
    db.session.add(mail)
    return mail


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail, on ``BASE_URL`` (the address users know), whether the mail
    is written in a request or by a command."""
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def withdraw(key_prefix: str) -> int:
    """Delete the unsent mails whose key starts with *key_prefix* (a cancelled registration's
    reminders); one being sent right now is left to its sender. Returns how many."""
    result = db.session.execute(delete(OutboxMail).where(
        OutboxMail.key.startswith(key_prefix, autoescape=True), OutboxMail.sent_at.is_(None),
        OutboxMail.claimed_by.is_(None)))
    return int(getattr(result, "rowcount", 0))


def _message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_FROM"].split("@")[-1])
    message.set_content(mail.body)
    if mail.attachment_name:
        # Text only (a calendar entry): "text/calendar" -> subtype "calendar".
        subtype = mail.attachment_type.partition("/")[2] or "plain"
        message.add_attachment(mail.attachment_text, subtype=subtype,
                               filename=mail.attachment_name)
    return message


def _file_transport(mail: OutboxMail, message: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{mail.id:08d}.eml").write_bytes(bytes(message))


def _smtp_transport(mail: OutboxMail, message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"], timeout=30) as smtp:
        smtp.send_message(message)


TRANSPORTS: dict[str, Callable[[OutboxMail, EmailMessage], None]] = {
    "file": _file_transport, "smtp": _smtp_transport,
}


def _claim(mail_id: int, token: str, now: datetime) -> bool:
    result = db.session.execute(
        update(OutboxMail).where(
            OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
            or_(OutboxMail.claimed_by.is_(None), OutboxMail.claimed_at < now - CLAIM_TIMEOUT))
        .values(claimed_by=token, claimed_at=now))
    db.session.commit()
    return bool(getattr(result, "rowcount", 0))


def send_pending(limit: int = 500) -> tuple[int, int]:
    """Deliver due mails; returns (sent, failed). A failure stays in the outbox for next time."""
    transport = TRANSPORTS[current_app.config["MAIL_TRANSPORT"]]
    token = secrets.token_hex(8)
    now = utcnow()
    due = list(db.session.scalars(select(OutboxMail.id).where(
        OutboxMail.sent_at.is_(None), OutboxMail.to_address != "",
        or_(OutboxMail.send_after.is_(None), OutboxMail.send_after <= now))
        .order_by(OutboxMail.id).limit(limit)))
    sent = failed = 0
    for mail_id in due:
        if not _claim(mail_id, token, now):
            continue  # another sender has it
        mail = db.session.get(OutboxMail, mail_id)
        assert mail is not None
        if not mail.to_address:
            # Blanked after its claim (an anonymised consultation): nothing to send to.
            continue
        try:
            transport(mail, _message(mail))
        except (OSError, smtplib.SMTPException) as exc:
            mail.attempts += 1
            mail.last_error = str(exc)[:500]
            mail.claimed_by = None
            failed += 1
        else:
            mail.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent, failed


mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--every", type=click.IntRange(min=1), default=None, metavar="SECONDS",
              help="Keep running, sending what is due every SECONDS (a worker).")
def send_command(every: int | None) -> None:
    """Send the mails waiting in the outbox (from cron, or as a worker with --every)."""
    while True:
        sent, failed = send_pending()
        if every is None or sent or failed:
            click.echo(f"sent {sent} mail{'' if sent == 1 else 's'}, {failed} failed")
        if every is None:
            break
        db.session.remove()
        time.sleep(every)
    if failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_cli)
