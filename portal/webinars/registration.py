"""Registration: seats, the waiting list, cancellation, attendance and feedback.

The one rule that must hold under any load: confirmed registrations never outnumber the
webinar's capacity. ``webinars.seats_taken`` counts them, and a seat is taken only by a
conditional ``UPDATE ... SET seats_taken = seats_taken + 1 WHERE seats_taken < capacity``: the
database row lock decides between requests that want the last seat at the same moment (on
SQLite transactions are serialised; on PostgreSQL the second UPDATE waits and re-reads the
row). Every change of a registration's status is itself a conditional UPDATE from the status
it was read in, so two clicks on "cancel" free one seat, not two.

Writes flush and queue mails in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, select, update

from portal.content import audit
from portal.database import utcnow
from portal.extensions import db
from portal.webinars import notices
from portal.webinars.models import (
    STATUS_LABELS,
    Registration,
    RegistrationStatus,
    Webinar,
)


class RegistrationRefused(Exception):
    """Registration is not open: ``reason`` is ``not_yet``, ``closed`` or ``past``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    #: False when the person was already registered (or waiting): nothing changed.
    new: bool


# Tokens: a registration's id, signed; they go into every mail ---------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="webinar-registration")


def token_for(registration: Registration) -> str:
    return str(_serializer().dumps(registration.id))


def by_token(webinar: Webinar, token: str) -> Registration | None:
    """The registration a token names, if it is genuine and belongs to *webinar*."""
    try:
        registration_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(registration_id, int):
        return None
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.webinar_id != webinar.id:
        return None
    return registration


# Seats ----------------------------------------------------------------------------------------

def _take_seat(webinar_id: int, *, behind_queue: bool) -> bool:
    """Take one seat if one is free; with *behind_queue*, only if nobody is waiting for it."""
    condition = [Webinar.id == webinar_id, Webinar.seats_taken < Webinar.capacity]
    if behind_queue:
        condition.append(~exists().where(Registration.webinar_id == webinar_id,
                                         Registration.status == RegistrationStatus.waiting))
    result = db.session.execute(
        update(Webinar).where(*condition)
        # updated_at kept: a registration is not a change of the webinar.
        .values(seats_taken=Webinar.seats_taken + 1, updated_at=Webinar.updated_at)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def _free_seat(webinar_id: int) -> None:
    db.session.execute(
        update(Webinar).where(Webinar.id == webinar_id, Webinar.seats_taken > 0)
        .values(seats_taken=Webinar.seats_taken - 1, updated_at=Webinar.updated_at)
        .execution_options(synchronize_session=False))


def _move(registration: Registration, source: RegistrationStatus,
          target: RegistrationStatus, **values: Any) -> bool:
    """Change the status from *source* to *target* unless someone changed it meanwhile."""
    result = db.session.execute(
        update(Registration).where(Registration.id == registration.id,
                                   Registration.status == source)
        .values(status=target, **values).execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        return False
    db.session.refresh(registration)
    return True


def seats_free(webinar: Webinar) -> int:
    """Seats left as the database has them now (the webinar object may be older)."""
    taken, capacity = db.session.execute(select(Webinar.seats_taken, Webinar.capacity).where(
        Webinar.id == webinar.id)).one()
    return max(0, int(capacity) - int(taken))


def waiting_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != RegistrationStatus.waiting:
        return None
    ahead = db.session.scalar(select(db.func.count()).where(
        Registration.webinar_id == registration.webinar_id,
        Registration.status == RegistrationStatus.waiting,
        (Registration.queued_at < registration.queued_at)
        | ((Registration.queued_at == registration.queued_at)
           & (Registration.id < registration.id))))
    return int(ahead or 0) + 1


def fill_seats(webinar: Webinar) -> list[Registration]:
    """Promote people from the waiting list, first in line first, while seats are free.

    Called after a cancellation and after the capacity is raised; each promoted person is
    mailed (and gets their reminders).
    """
    promoted: list[Registration] = []
    while True:
        first = db.session.scalar(select(Registration).where(
            Registration.webinar_id == webinar.id,
            Registration.status == RegistrationStatus.waiting,
        ).order_by(Registration.queued_at, Registration.id).limit(1))
        if first is None or not _take_seat(webinar.id, behind_queue=False):
            return promoted
        if not _move(first, RegistrationStatus.waiting, RegistrationStatus.confirmed,
                     confirmed_at=utcnow()):
            _free_seat(webinar.id)  # someone cancelled it meanwhile: give the seat back
            continue
        audit.log("webinar.promote", "webinar", webinar.id, None, label=webinar.title,
                  detail=f"registration {first.id}")
        notices.promoted(first)
        promoted.append(first)


# Registering and cancelling -------------------------------------------------------------------

def existing(webinar: Webinar, email: str) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.webinar_id == webinar.id, Registration.email == email.strip().lower()))


def register(webinar: Webinar, *, name: str, email: str, language: str,
             user_id: int | None = None, consent: bool = False,
             now: datetime | None = None) -> Outcome:
    """Register *email* for *webinar*: a seat if one is free and nobody waits, else the
    waiting list. Registering again changes nothing; after a cancellation it starts anew.

    A parallel first registration of the same email fails at flush on the unique key: the
    caller rolls back and calls again, and finds this one.
    """
    now = now or utcnow()
    state = webinar.registration_state(now)
    if state != "open":
        raise RegistrationRefused(state)
    email = email.strip().lower()
    registration = existing(webinar, email)
    if registration is not None and registration.status != RegistrationStatus.cancelled:
        # Not tied to *user_id* here: an account's email is not proof of the mailbox
        # (see :func:`may_claim`).
        return Outcome(registration, new=False)
    if registration is None:
        registration = Registration(webinar_id=webinar.id, email=email,
                                    status=RegistrationStatus.cancelled)
        db.session.add(registration)
    registration.name = name.strip()
    registration.language = language
    registration.user_id = user_id  # a registration anew belongs to whoever makes it now
    registration.consent_at = now if consent else None
    registration.cancelled_at = None
    registration.attended = False
    db.session.flush()
    if _take_seat(webinar.id, behind_queue=True):
        _move(registration, RegistrationStatus.cancelled, RegistrationStatus.confirmed,
              confirmed_at=now, queued_at=None)
        notices.confirmed(registration)
    else:
        _move(registration, RegistrationStatus.cancelled, RegistrationStatus.waiting,
              queued_at=now, confirmed_at=None)
        notices.waiting(registration)
    return Outcome(registration, new=True)


def cancel(registration: Registration) -> list[Registration]:
    """Cancel a registration or a place on the waiting list; a freed seat goes to the first
    in line at once. Returns who was promoted. Cancelling twice does nothing the second time.
    """
    source = registration.status
    if source == RegistrationStatus.cancelled:
        return []
    if not _move(registration, source, RegistrationStatus.cancelled, cancelled_at=utcnow()):
        return []
    notices.withdraw_reminders(registration)
    if source != RegistrationStatus.confirmed:
        return []
    _free_seat(registration.webinar_id)
    return fill_seats(registration.webinar)


# After the webinar ----------------------------------------------------------------------------

def participants(webinar: Webinar) -> list[Registration]:
    """Everyone registered or waiting, confirmed first, in the order they came."""
    return list(db.session.scalars(select(Registration).where(
        Registration.webinar_id == webinar.id,
        Registration.status != RegistrationStatus.cancelled,
    ).order_by(Registration.status, Registration.queued_at, Registration.confirmed_at,
               Registration.id)))


def participant_record(registration: Registration) -> dict[str, Any]:
    """One participant as the exports give them (the CSV and the API), as plain values."""
    return {"name": registration.name, "email": registration.email,
            "status": registration.status.value,
            "status_label": str(STATUS_LABELS[registration.status]),
            "registered_at": registration.created_at,
            "waiting_position": waiting_position(registration),
            "attended": registration.attended, "rating": registration.rating,
            "comment": registration.comment}


def set_attendance(webinar: Webinar, present_ids: set[int], actor_id: int | None) -> int:
    """Mark who attended among the confirmed participants (the others as absent); newly
    marked attendees are asked for feedback. Returns how many attended."""
    count = 0
    for registration in participants(webinar):
        if registration.status != RegistrationStatus.confirmed:
            continue
        present = registration.id in present_ids
        if present and not registration.attended:
            notices.feedback_request(registration)
        registration.attended = present
        count += present
    audit.log("webinar.attendance", "webinar", webinar.id, actor_id, label=webinar.title,
              detail=f"{count} attended")
    db.session.flush()
    return count


def may_claim(registration: Registration, user: Any) -> bool:
    """May *user* tie this registration (opened through its mailed link) to their account?
    Only when it belongs to no account and was made with the account's email."""
    return bool(user.is_authenticated and registration.user_id is None
                and registration.email == user.email.lower())


def may_give_feedback(registration: Registration | None) -> bool:
    return bool(registration is not None and registration.attended
                and registration.webinar.starts_at <= utcnow())


def give_feedback(registration: Registration, rating: int, comment: str) -> None:
    """Keep an attendee's rating (1-5) and comment; giving it again replaces it."""
    registration.rating = rating
    registration.comment = comment.strip()
    registration.feedback_at = utcnow()
    db.session.flush()


def after_edit(webinar: Webinar, before: dict[str, Any]) -> list[Registration]:
    """Tell participants what an organiser's save changed: a new time or join link
    re-schedules the reminders, a recording added is mailed to everyone who registered, a
    raised capacity lets people in from the waiting list. *before* is the snapshot taken
    before the save."""
    now_recording = webinar.recording_url and not before.get("recording_url")
    timing = any(before.get(k) != webinar.revision_snapshot().get(k)
                 for k in ("starts_at", "duration_minutes", "join_url", "title"))
    for registration in participants(webinar):
        if timing:  # the waiting list hears of a new time too (without the join link)
            notices.withdraw_reminders(registration)
            notices.changed(registration)
        if now_recording and registration.status == RegistrationStatus.confirmed:
            notices.recording(registration)
    return fill_seats(webinar)
