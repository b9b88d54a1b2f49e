"""Building blocks for the consultation tests: requests sent through the services, staff
users, the outbox and the audit log.

Every helper takes the app and opens its own app context, and hands back plain values, so tests
can mix them freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from portal.accounts.models import User
from portal.consultations import services
from portal.consultations.configuration import current_consent_version, topic_by_slug
from portal.consultations.models import ConsultationRequest
from portal.content.audit import AuditEntry
from portal.extensions import db
from portal.mail import OutboxMail
from tests.conftest import make_user

NAME = "Zulfiya Rahimova"
PHONE_TYPED = "+998 90 123-45-67"
PHONE = "+998901234567"
EMAIL = "zulfiya@example.uz"
QUESTION = "My former husband does not pay alimony for our two children since March."


@dataclass(frozen=True)
class Sent:
    id: int
    reference: str
    code: str


def request_input(topic: str = "family", **changes: Any) -> services.RequestInput:
    """A complete, valid intake (inside an app context)."""
    found = topic_by_slug(topic)
    assert found is not None, topic
    data: dict[str, Any] = {
        "topic_id": found.id, "name": NAME, "phone": PHONE_TYPED, "question": QUESTION,
        "language": "en", "consent_version": current_consent_version(), "email": EMAIL,
        "region": "Toshkent shahri", "district": "Chilonzor tumani", "mahalla": "Navbahor",
        "contact_way": "phone", "contact_time": "evening",
        "extra_answers": {"children": "2"}}
    data.update(changes)
    return services.RequestInput(**data)


def send(app: Flask, topic: str = "family", *, user_id: int | None = None,
         now: datetime | None = None, form_key: str | None = None, **changes: Any) -> Sent:
    """A request sent through :func:`services.submit` and committed."""
    with app.app_context():
        request, code = services.submit(request_input(topic, **changes), user_id=user_id,
                                        now=now, form_key=form_key)
        db.session.commit()
        assert code is not None
        return Sent(request.id, request.reference, code)


def staff(app: Flask, role: str = "consultant", email: str | None = None,
          name: str | None = None) -> int:
    with app.app_context():
        return make_user(role, email or f"{role}@example.uz",
                         name=name or role.title()).id


def get(request_id: int) -> ConsultationRequest:
    """The request (inside an app context)."""
    found = db.session.get(ConsultationRequest, request_id)
    assert found is not None
    return found


def user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


def act(app: Flask, action: Any, request_id: int, *args: Any, actor: int | None = None) -> Any:
    """Run a service ``action(request, *args, actor)`` and commit; returns its result."""
    with app.app_context():
        request = get(request_id)
        result = action(request, *args, user(actor)) if actor is not None \
            else action(request, *args)
        db.session.commit()
        return result


def outbox(app: Flask, to: str | None = None) -> list[OutboxMail]:
    with app.app_context():
        query = select(OutboxMail).order_by(OutboxMail.id)
        if to is not None:
            query = query.where(OutboxMail.to_address == to)
        found = list(db.session.scalars(query))
        for mail in found:
            db.session.expunge(mail)
        return found


def audit_rows(app: Flask, prefix: str = "consultation") -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)))
        for entry in found:
            db.session.expunge(entry)
        return found


def row_text(app: Flask, table: str, row_id: int | None = None) -> str:
    """Every value of a table's rows (one row, when given) as one string: what a look at the
    database would show."""
    from sqlalchemy import text

    with app.app_context():
        sql = f"SELECT * FROM {table}" + (" WHERE id = :id" if row_id is not None else "")  # noqa: S608
        rows = db.session.execute(text(sql), {"id": row_id}).all()
        return " | ".join(" ".join(str(value) for value in row) for row in rows)
