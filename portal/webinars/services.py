"""Writing and finding webinars. Writes take plain arguments and an actor, flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select

from portal.content import revisions
from portal.content.topics import Topic
from portal.content.workflow import State
from portal.database import utcnow
from portal.extensions import db
from portal.webinars.models import Registration, Webinar, WebinarAudience


@dataclass
class WebinarInput:
    """What a webinar's form carries, as plain values (times are aware datetimes)."""

    title: str
    starts_at: datetime
    duration_minutes: int
    summary: str = ""
    description: str = ""
    speakers: str = ""
    topics: tuple[str, ...] = ()
    language: str = "uz"
    audience: str = WebinarAudience.everyone.value
    join_url: str = ""
    capacity: int = 100
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    credit_hours: Decimal = Decimal(0)
    recording_url: str = ""


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _apply(webinar: Webinar, data: WebinarInput) -> None:
    webinar.title = data.title.strip()
    webinar.summary = data.summary.replace("\r\n", "\n").strip()
    webinar.description = data.description.replace("\r\n", "\n").strip()
    webinar.speakers = _lines(data.speakers)
    webinar.language = data.language
    webinar.audience = WebinarAudience(data.audience)
    webinar.starts_at = data.starts_at
    webinar.duration_minutes = data.duration_minutes
    webinar.join_url = data.join_url.strip()
    webinar.capacity = data.capacity
    webinar.registration_opens_at = data.registration_opens_at
    webinar.registration_closes_at = data.registration_closes_at
    # The spelling the column gives back, so an unchanged form changes nothing.
    webinar.credit_hours = Decimal(data.credit_hours).quantize(Decimal("0.1"))
    webinar.recording_url = data.recording_url.strip()
    webinar.topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(data.topics))))


def create_webinar(data: WebinarInput, actor_id: int | None, *,
                   form_key: str | None = None) -> Webinar:
    """Create a draft webinar and its first revision."""
    webinar = Webinar(author_id=actor_id, state=State.draft, form_key=form_key,
                      translation_group=str(uuid.uuid4()))
    _apply(webinar, data)
    revisions.record_created(webinar, actor_id)
    return webinar


def update_webinar(webinar: Webinar, data: WebinarInput, actor_id: int | None,
                   comment: str = "") -> revisions.Revision | None:
    """Save new details; a save that changes nothing keeps no revision.

    The caller tells participants what changed (see :func:`registration.after_edit`).
    """
    before = webinar.revision_snapshot()
    _apply(webinar, data)
    return revisions.record_edit(webinar, before, actor_id, comment)


# Who sees what --------------------------------------------------------------------------------

def may_see_restricted(user: Any) -> bool:
    return bool(user.is_authenticated and user.can("webinar.view_restricted"))


def may_manage(webinar: Webinar | None, user: Any) -> bool:
    """Organisers: those who edit or publish webinars, and a webinar's own author."""
    if not user.is_authenticated:
        return False
    if user.can("webinar.edit") or user.can("webinar.publish"):
        return True
    return (webinar is not None and webinar.author_id == user.id
            and user.can("webinar.create"))


def can_view(webinar: Webinar, user: Any) -> bool:
    if may_manage(webinar, user):
        return True
    if not webinar.is_live:
        return False
    return webinar.audience == WebinarAudience.everyone or may_see_restricted(user)


def visible_clause(user: Any) -> Any:
    clause = Webinar.live_clause()
    if not may_see_restricted(user):
        clause = and_(clause, Webinar.audience == WebinarAudience.everyone)
    return clause


def _filtered(user: Any, topic: str | None, language: str | None) -> Select[Webinar]:
    query = select(Webinar).where(visible_clause(user))
    if topic:
        query = query.where(Webinar.topics.any(Topic.slug == topic))
    if language:
        query = query.where(Webinar.language == language)
    return query


def upcoming(user: Any, *, topic: str | None = None,
             language: str | None = None) -> Select[Webinar]:
    """Webinars that have not started yet, soonest first (a running one is in the archive,
    where its page still gives registered participants the join link)."""
    now = utcnow()
    return _filtered(user, topic, language).where(Webinar.starts_at > now).order_by(
        Webinar.starts_at, Webinar.id)


def past(user: Any, *, topic: str | None = None, language: str | None = None
         ) -> Select[Webinar]:
    """The archive: webinars that have started, latest first."""
    return _filtered(user, topic, language).where(Webinar.starts_at <= utcnow()).order_by(
        Webinar.starts_at.desc(), Webinar.id.desc())


def between(user: Any, start: datetime, end: datetime, *, topic: str | None = None,
            language: str | None = None) -> list[Webinar]:
    """Webinars starting in [start, end): a month of the calendar."""
    return list(db.session.scalars(_filtered(user, topic, language).where(
        Webinar.starts_at >= start, Webinar.starts_at < end).order_by(Webinar.starts_at)))


def manage_listing(state: str | None = None, q: str = "") -> Select[Webinar]:
    query = select(Webinar)
    if state in {s.value for s in State}:
        query = query.where(Webinar.state == state)
    if q:
        query = query.where(Webinar.title.ilike(f"%{q}%"))
    return query.order_by(Webinar.starts_at.desc(), Webinar.id.desc())


def public_ids() -> list[tuple[int, datetime]]:
    """Webinars an anonymous visitor may open, with their change time (for the sitemap)."""
    rows = db.session.execute(select(Webinar.id, Webinar.updated_at).where(
        Webinar.live_clause(), Webinar.audience == WebinarAudience.everyone))
    return [(webinar_id, updated) for webinar_id, updated in rows]


# Learning record -----------------------------------------------------------------------------

def attended_by(user_id: int) -> list[Registration]:
    """Webinars the user attended (marked by the organiser), latest first: registrations tied
    to their account when made logged in, or claimed through the mailed link afterwards."""
    return list(db.session.scalars(select(Registration).join(Registration.webinar).where(
        Registration.attended.is_(True), Registration.user_id == user_id,
    ).order_by(Webinar.starts_at.desc())))


def credit_hours_total(registrations: list[Registration]) -> Decimal:
    return sum((r.webinar.credit_hours for r in registrations), Decimal(0))


def count_by_status(webinar: Webinar) -> dict[str, int]:
    rows = db.session.execute(select(Registration.status, func.count()).where(
        Registration.webinar_id == webinar.id).group_by(Registration.status))
    return {str(status): int(n) for status, n in rows}
