"""Small reads and one audit write the staff's pages need beyond :mod:`.services`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.consultations.models import ConsultationRequest
from portal.consultations.services import AUDIT_TYPE
from portal.content import audit
from portal.extensions import db


def regions() -> list[str]:
    """The regions requests came from, for the queue's filter. A region (viloyat) is not
    enough to tell who asked, so it may appear in a URL."""
    return sorted(r for r in db.session.scalars(
        select(ConsultationRequest.region).where(ConsultationRequest.region != "").distinct())
        if r)


def record_download(request: ConsultationRequest, actor: Any) -> None:
    """Log that *actor* downloaded the request's attachment: who, which request, when; neither
    the file's name nor its content (the name can name the citizen)."""
    audit.log("consultation.attachment", AUDIT_TYPE, request.id, actor.id,
              label=request.reference)
