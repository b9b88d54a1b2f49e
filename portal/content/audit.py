"""One audit log for every module: who did what to which object, when and from where.

It never holds passwords, tokens or consultation text: callers pass labels and comments only.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import Model, db


class AuditEntry(Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Dotted name, e.g. ``material.publish`` or ``user.login``.
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="", index=True)
    object_id: Mapped[int | None] = mapped_column(index=True)
    #: A human label of the object at the time (its title), so the log reads after a delete.
    object_label: Mapped[str] = mapped_column(String(300), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")

    actor = relationship("User", lazy="joined")


def log(action: str, object_type: str = "", object_id: int | None = None,
        actor_id: int | None = None, *, comment: str = "", label: str = "",
        detail: str = "") -> AuditEntry:
    """Add an audit entry to the session; the caller's commit writes it with the change."""
    entry = AuditEntry(
        action=action, object_type=object_type, object_id=object_id, actor_id=actor_id,
        comment=comment, object_label=label[:300], detail=detail[:300],
        ip=(request.remote_addr or "")[:64] if has_request_context() else "",
    )
    db.session.add(entry)
    return entry
