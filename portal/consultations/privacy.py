"""Personal data of consultation requests: anonymisation (on withdrawal of consent, and by
the retention purge) and the export of what the portal holds about a registered citizen.

Anonymising keeps what statistics need (reference, topic, region, language, contact way,
dates, status, who handled it) and blanks everything that names or describes the person:
name, phone, email, district, mahalla, the question, the extra answers, every message body,
the attachment (its file is deleted), the link to their account, and the request's mails in
the outbox (they hold the address and the tracking code): unsent ones nobody is sending are
deleted; ones a sender has claimed or sent keep their row (the sender still needs it) with the
address and the body blanked.

The purge also blanks the body of every consultation receipt already sent, open requests'
too: it held the tracking code in plain text, and once sent it is needed no more.

Not touched: the ``.eml`` files the ``file`` mail transport writes to ``instance/mail``. That
transport is for development; a server sending real mail uses SMTP, which keeps no copy here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from portal import mail
from portal.consultations import files, notices
from portal.consultations.models import ConsultationRequest, MessageKind, Status
from portal.consultations.services import AUDIT_TYPE, public_messages
from portal.consultations.settings import setting
from portal.content import audit
from portal.database import utcnow
from portal.extensions import db
from portal.mail import OutboxMail


def anonymise(request: ConsultationRequest, actor_id: int | None = None, *,
              reason: str = "") -> bool:
    """Blank the request's personal data now; False when it already was (idempotent).
    The attachment file is deleted at once: a rollback would leave the row pointing at no
    file, which is the lesser harm for data that must go."""
    if request.anonymised_at is not None:
        return False
    stored = request.attachment_stored
    request.name = request.phone = request.email = ""
    request.district = request.mahalla = request.question = ""
    request.extra_answers = {}
    request.attachment_name = request.attachment_stored = request.attachment_type = ""
    request.attachment_size = 0
    request.user_id = None
    request.publish_consent = False
    for message in request.messages:
        message.body = ""
    now = utcnow()
    request.anonymised_at = now
    request.updated_at = now
    prefix = notices.key_prefix(request)
    db.session.flush()
    mail.withdraw(prefix)  # unsent and unclaimed: gone
    # Claimed (a sender has the row now and writes to it when done) or sent: blanked.
    db.session.execute(update(OutboxMail).where(
        OutboxMail.key.startswith(prefix, autoescape=True))
        .values(to_address="", body="")
        .execution_options(synchronize_session=False))
    entry = audit.log("consultation.anonymise", AUDIT_TYPE, request.id, actor_id,
                      label=request.reference, detail=reason)
    if actor_id is None:
        entry.ip = ""  # the citizen, or the purge: no address next to a consultation
    files.delete(stored)
    return True


def withdraw_consent(request: ConsultationRequest) -> bool:
    """The citizen withdraws consent (from the tracking page): anonymise now. The request is
    closed too: nobody can answer a question that is no longer there."""
    if request.status != Status.closed:
        request.status = Status.closed
        request.closed_at = utcnow()
    return anonymise(request, None, reason="consent withdrawn")


def purge(older_than_days: int | None = None, *, now: datetime | None = None) -> int:
    """Anonymise the requests closed more than *older_than_days* ago (default
    ``CONSULTATION_RETENTION_DAYS``); returns how many. Running it again finds none."""
    days = int(setting("CONSULTATION_RETENTION_DAYS") if older_than_days is None
               else older_than_days)
    cutoff = (now or utcnow()) - timedelta(days=max(0, days))
    due = list(db.session.scalars(select(ConsultationRequest).where(
        ConsultationRequest.status == Status.closed,
        ConsultationRequest.closed_at <= cutoff,
        ConsultationRequest.anonymised_at.is_(None)).order_by(ConsultationRequest.id)))
    for request in due:
        anonymise(request, None, reason=f"retention {days} days")
    forget_sent_codes()
    return len(due)


def forget_sent_codes() -> int:
    """Blank the body of the consultation receipts already sent (it holds the tracking code);
    returns how many were changed. Unsent ones keep it: the citizen has not had it yet."""
    result = db.session.execute(update(OutboxMail).where(
        OutboxMail.key.like("consultation:%:received%"), OutboxMail.sent_at.is_not(None),
        OutboxMail.body != notices.RECEIPT_PURGED_BODY, OutboxMail.body != "")
        .values(body=notices.RECEIPT_PURGED_BODY)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0))


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_request(request: ConsultationRequest) -> dict[str, Any]:
    """One request as its citizen may see it: their details, answers, the replies and their
    own messages (internal notes are staff's working papers, not data about them)."""
    return {
        "reference": request.reference,
        "topic": request.topic.slug,
        "status": request.status.value,
        "created_at": _when(request.created_at),
        "updated_at": _when(request.updated_at),
        "closed_at": _when(request.closed_at),
        "anonymised_at": _when(request.anonymised_at),
        "name": request.name,
        "phone": request.phone,
        "email": request.email,
        "preferred_contact_way": request.contact_way.value,
        "preferred_contact_time": request.contact_time.value,
        "preferred_language": request.language,
        "region": request.region,
        "district": request.district,
        "mahalla": request.mahalla,
        "question": request.question,
        "extra_answers": dict(request.extra_answers or {}),
        "attachment": ({"name": request.attachment_name, "type": request.attachment_type,
                        "size": request.attachment_size} if request.has_attachment else None),
        "consent_version": request.consent_version,
        "consent_at": _when(request.consent_at),
        "publish_consent": request.publish_consent,
        "messages": [{
            "from": "you" if m.kind == MessageKind.citizen_message else "consultant",
            "kind": m.kind.value,
            "created_at": _when(m.created_at),
            "body": m.body,
        } for m in public_messages(request)],
    }


def export_for_user(user: Any) -> dict[str, Any]:
    """Everything the consultations hold about a registered citizen, JSON-ready."""
    requests = list(db.session.scalars(select(ConsultationRequest).where(
        ConsultationRequest.user_id == user.id).order_by(ConsultationRequest.id)))
    return {"consultation_requests": [export_request(r) for r in requests]}
