"""Consultation requests: intake, tracking, the staff queue and its actions.

Writes take plain arguments and an explicit actor, flush, and never commit. Permission checks
are here too (views check them first for a friendly page; a refused action raises
:class:`NotAllowed`). Nothing here writes a request's text or the citizen's details into the
audit log, and audit rows of citizens' own actions carry no IP address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import throttle
from portal.accounts.models import User, UserRole
from portal.accounts.permissions import ROLE_PERMISSIONS
from portal.consultations import notices, references
from portal.consultations.files import Upload
from portal.consultations.models import (
    MAX_TEXT,
    OPEN_STATUSES,
    ConsultationMessage,
    ConsultationRequest,
    ConsultationTopic,
    ContactTime,
    ContactWay,
    MessageKind,
    Status,
)
from portal.consultations.settings import setting
from portal.consultations.workdays import add_working_days
from portal.content import audit, formkeys
from portal.database import utcnow
from portal.extensions import db

#: ``object_type`` of the audit rows about requests.
AUDIT_TYPE = "consultation_request"


class ConsultationError(Exception):
    """Base of the refusals below; the message is meant for the user."""


class NotAllowed(ConsultationError):
    """The user may not do this to this request (a view answers 403)."""


class AlreadyTaken(ConsultationError):
    """Another consultant took the request first."""


class InvalidTransition(ConsultationError):
    """The request cannot move to that status from where it is."""


class InvalidInput(ConsultationError, ValueError):
    """Input the form should have refused (empty or overlong text, a bad phone number)."""


#: Allowed status changes, read as "from -> {to, ...}". Reopening (by a follow-up or by staff)
#: goes to ``assigned`` when someone has the request, to ``new`` when nobody has.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.new: frozenset({Status.assigned, Status.closed}),
    Status.assigned: frozenset({Status.waiting, Status.answered, Status.closed}),
    Status.waiting: frozenset({Status.assigned, Status.answered, Status.closed}),
    Status.answered: frozenset({Status.assigned, Status.waiting, Status.closed}),
    Status.closed: frozenset({Status.assigned, Status.new}),
}


# Small pure helpers ---------------------------------------------------------------------------

def normalise_phone(text: str) -> str | None:
    """An Uzbek number as ``+998XXXXXXXXX``, from what people type (``+998 90 123-45-67``,
    ``998901234567``, ``90 123 45 67``); None when it is not one."""
    if not re.fullmatch(r"\s*\+?[\d\s\-().]+", text or ""):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 9:
        digits = "998" + digits
    if len(digits) != 12 or not digits.startswith("998"):
        return None
    return "+" + digits


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Tashkent")


def due_from(start: datetime, topic: ConsultationTopic) -> datetime:
    """When the answer to a request made at *start* is due."""
    return add_working_days(start, topic.response_days, setting("CONSULTATION_HOLIDAYS"),
                            zone=_zone().key)


def _text(body: str) -> str:
    cleaned = (body or "").replace("\r\n", "\n").strip()
    if not cleaned:
        raise InvalidInput(_l("Write a message."))
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(_l("At most %(n)s characters.", n=MAX_TEXT))
    return cleaned


def _citizen_log(action: str, request: ConsultationRequest, detail: str = "") -> None:
    """An audit row of a citizen's action: the reference, no text, and neither the account nor
    the IP address (either, next to a consultation, tells who asked; and the audit log outlives
    the request's anonymisation)."""
    entry = audit.log(action, AUDIT_TYPE, request.id, None, label=request.reference,
                      detail=detail)
    entry.ip = ""


def _staff_log(action: str, request: ConsultationRequest, actor: Any, detail: str = "") -> None:
    audit.log(action, AUDIT_TYPE, request.id, actor.id, label=request.reference, detail=detail)


# Intake ---------------------------------------------------------------------------------------

@dataclass
class RequestInput:
    """What the intake form carries, as plain values, already validated by the form."""

    topic_id: int
    name: str
    #: As typed; normalised to ``+998XXXXXXXXX``.
    phone: str
    question: str
    #: ``uz``, ``ru`` or ``en``: mails to the citizen are written in it.
    language: str
    #: The consent version shown on the form (see :func:`configuration.current_consent`).
    consent_version: int
    contact_way: str = ContactWay.phone.value
    contact_time: str = ContactTime.any.value
    email: str = ""
    region: str = ""
    district: str = ""
    mahalla: str = ""
    #: From :func:`configuration.clean_extra_answers`.
    extra_answers: dict[str, Any] = field(default_factory=dict)
    publish_consent: bool = False
    attachment: Upload | None = None


def submit(data: RequestInput, *, user_id: int | None = None, form_key: str | None = None,
           now: datetime | None = None) -> tuple[ConsultationRequest, str | None]:
    """Create a request; returns it and its tracking code, to show once.

    A form key seen before (a double click, a retried POST) creates nothing: the earlier
    request and None (its code cannot be shown again). The attachment is checked before
    anything is written (:class:`~portal.content.attachments.AttachmentError`).
    """
    from portal.consultations import files

    earlier = formkeys.already_created(ConsultationRequest, form_key)
    if earlier is not None:
        return earlier, None
    topic = db.session.get(ConsultationTopic, data.topic_id)
    if topic is None or not topic.active:
        raise InvalidInput(_l("Choose a topic."))
    phone = normalise_phone(data.phone)
    if phone is None:
        raise InvalidInput(_l("Give an Uzbek phone number: +998 and nine digits."))
    question = _text(data.question)
    if data.consent_version < 1:
        raise InvalidInput(_l("Agree to the processing of your personal data."))
    if data.attachment is not None:
        files.check(data.attachment)
    now = now or utcnow()
    code = references.new_code()
    request = ConsultationRequest(
        tracking_hash=references.hash_code(code), topic_id=topic.id, user_id=user_id,
        name=data.name.strip()[:120], phone=phone, email=data.email.strip()[:254],
        district=data.district.strip()[:120], mahalla=data.mahalla.strip()[:120],
        question=question, extra_answers=dict(data.extra_answers),
        region=data.region.strip()[:120], contact_way=ContactWay(data.contact_way),
        contact_time=ContactTime(data.contact_time), language=data.language,
        consent_version=data.consent_version, consent_at=now,
        publish_consent=data.publish_consent, status=Status.new, due_at=due_from(now, topic),
        created_at=now, updated_at=now, form_key=form_key)
    year = now.astimezone(_zone()).year
    try:
        with db.session.begin_nested():
            request.reference = references.format_reference(year,
                                                             references.next_number(year))
            db.session.add(request)
    except IntegrityError:
        # The same form key committed by a parallel click: that request is the answer.
        earlier = formkeys.already_created(ConsultationRequest, form_key)
        if earlier is None:
            raise
        return earlier, None
    if data.attachment is not None:
        name, stored, content_type = files.store(data.attachment)
        request.attachment_name, request.attachment_stored = name, stored
        request.attachment_type, request.attachment_size = content_type, len(data.attachment.data)
    db.session.flush()
    _citizen_log("consultation.submit", request, detail=f"topic {topic.slug}")
    notices.received(request, code)
    return request, code


def issue_new_code(request: ConsultationRequest) -> str:
    """A new tracking code for a request whose first one never reached its citizen (the form
    sent again with the same key, and the session that held the receipt overwritten): the
    old code stops working, the receipt is mailed again. Only the holder of the form key gets
    here. Returns the code, to show once."""
    code = references.new_code()
    request.tracking_hash = references.hash_code(code)
    request.updated_at = utcnow()
    db.session.flush()
    _citizen_log("consultation.new_code", request)
    notices.received(request, code, again=True)
    return code


def count_submission(address: str) -> int:
    """Count one request from a client address; seconds to wait when over the daily limit,
    else 0. The caller commits the count before the work (and on refusal)."""
    key = throttle.private_key("consultation-submit", address or "unknown")
    window = 24 * 3600
    over = throttle.hit(key, window) > setting("CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY")
    return throttle.retry_after(window) if over else 0


# Tracking -------------------------------------------------------------------------------------

def find_for_tracking(reference: str, code: str) -> ConsultationRequest | None:
    """The request with this reference and code; None when either is wrong, the same None
    after the same work (the code is checked against a dummy hash when no request has the
    reference), so the answer tells nothing about which one was wrong."""
    normalised = references.normalise_reference(reference)
    request = db.session.scalar(select(ConsultationRequest).where(
        ConsultationRequest.reference == normalised)) if normalised else None
    matches = references.verify_code(request.tracking_hash if request else None, code)
    return request if matches and request is not None else None


def _tracking_keys(reference: str, address: str) -> list[tuple[str, int]]:
    """The counters an attempt counts on: the address's, and the reference's from that address
    (not the reference's alone: strangers' failures would lock its citizen out; a code of
    about 59 bits needs no reference-wide limit)."""
    ref = references.normalise_reference(reference) or (reference or "").strip().upper()[:40]
    address = address or "unknown"
    return [
        (throttle.private_key("consultation-track-address", address),
         setting("CONSULTATION_TRACK_ATTEMPTS_PER_ADDRESS")),
        (throttle.private_key("consultation-track-ref", f"{ref}\n{address}"),
         setting("CONSULTATION_TRACK_ATTEMPTS_PER_REFERENCE")),
    ]


@dataclass(frozen=True)
class TrackResult:
    request: ConsultationRequest | None
    #: Seconds to wait when the attempt was refused by the limits; 0 otherwise.
    retry_after: int = 0


def track(reference: str, code: str, address: str) -> TrackResult:
    """One tracking attempt from a client address: counted per address and per reference
    from that address; over either limit nothing is checked. A successful attempt is not
    counted. The caller commits (also after a failure: the count must stay)."""
    window = int(setting("CONSULTATION_TRACK_WINDOW_SECONDS"))
    keys = _tracking_keys(reference, address)
    over = [throttle.hit(key, window) > limit for key, limit in keys]
    if any(over):
        return TrackResult(None, throttle.retry_after(window))
    request = find_for_tracking(reference, code)
    if request is not None:
        for key, _limit in keys:
            throttle.undo(key, window)
    return TrackResult(request)


def public_messages(request: ConsultationRequest) -> list[ConsultationMessage]:
    """What the citizen sees: replies and their own messages, oldest first."""
    return [m for m in request.messages if m.kind != MessageKind.internal_note]


def add_follow_up(request: ConsultationRequest, body: str) -> ConsultationMessage:
    """The citizen writes again (from the tracking page): the request reopens if it was
    answered, closed or waiting for them, and the assignee is mailed."""
    if request.is_anonymised:
        raise NotAllowed(_l("This request has been anonymised."))
    key = throttle.private_key("consultation-follow-up", str(request.id))
    if throttle.hit(key, 24 * 3600) > setting("CONSULTATION_FOLLOW_UPS_PER_DAY"):
        raise NotAllowed(_l("Too many messages today; please wait for the consultant."))
    message = ConsultationMessage(request=request, kind=MessageKind.citizen_message,
                                  author_id=None, body=_text(body), created_at=utcnow())
    db.session.add(message)
    if request.status in (Status.answered, Status.closed, Status.waiting):
        _reopen(request)
    request.updated_at = utcnow()
    db.session.flush()
    _citizen_log("consultation.follow_up", request)
    notices.follow_up(request, message)
    return message


def _reopen(request: ConsultationRequest) -> None:
    was = request.status
    request.status = Status.assigned if request.assignee_id is not None else Status.new
    request.closed_at = None
    if was in (Status.answered, Status.closed, Status.waiting):
        # The citizen has written: a new answer is owed, in the topic's time.
        request.due_at = due_from(utcnow(), request.topic)


# Who sees what --------------------------------------------------------------------------------

def _can(user: Any, permission: str) -> bool:
    return bool(user is not None and user.is_authenticated and user.can(permission))


def can_view_as_staff(request: ConsultationRequest, user: Any) -> bool:
    """Supervisors see every request; consultants those assigned to them and the unassigned."""
    if _can(user, "consultation.supervise"):
        return True
    return _can(user, "consultation.answer") and request.assignee_id in (None, user.id)


def can_view_as_citizen(request: ConsultationRequest, user: Any) -> bool:
    """A registered citizen sees the requests they sent while logged in."""
    return bool(user is not None and user.is_authenticated and request.user_id is not None
                and request.user_id == user.id)


def may_work_on(request: ConsultationRequest, user: Any) -> bool:
    """Reply, change the status: the assignee, or a supervisor."""
    if request.is_anonymised:
        return False
    if _can(user, "consultation.supervise"):
        return True
    return _can(user, "consultation.answer") and request.assignee_id == user.id


def may_take(request: ConsultationRequest, user: Any) -> bool:
    return (not request.is_anonymised and request.assignee_id is None
            and _can(user, "consultation.answer"))


def may_assign(user: Any) -> bool:
    return _can(user, "consultation.supervise")


def visible_to(user: Any) -> Select[ConsultationRequest]:
    """The requests *user* may see as staff (none for others), unordered."""
    query = select(ConsultationRequest)
    if _can(user, "consultation.supervise"):
        return query
    if _can(user, "consultation.answer"):
        return query.where(or_(ConsultationRequest.assignee_id == user.id,
                               ConsultationRequest.assignee_id.is_(None)))
    return query.where(false())


def requests_of(user: Any) -> Select[ConsultationRequest]:
    """A registered citizen's own requests, newest first."""
    if user is None or not user.is_authenticated:
        return select(ConsultationRequest).where(false())
    return select(ConsultationRequest).where(ConsultationRequest.user_id == user.id).order_by(
        ConsultationRequest.created_at.desc(), ConsultationRequest.id.desc())


def overdue_clause(now: datetime | None = None) -> Any:
    """Requests still owed an answer after their due date."""
    return and_(ConsultationRequest.status.in_(list(OPEN_STATUSES)),
                ConsultationRequest.due_at < (now or utcnow()))


def is_overdue(request: ConsultationRequest, now: datetime | None = None) -> bool:
    return request.status in OPEN_STATUSES and request.due_at < (now or utcnow())


def queue(user: Any, *, status: str | None = None, topic_id: int | None = None,
          region: str | None = None, assignee_id: int | None = None, unassigned: bool = False,
          overdue: bool = False, now: datetime | None = None
          ) -> Select[ConsultationRequest]:
    """The staff queue with its filters, soonest due first; the view paginates."""
    query = visible_to(user)
    if status:
        query = query.where(ConsultationRequest.status == Status(status))
    if topic_id is not None:
        query = query.where(ConsultationRequest.topic_id == topic_id)
    if region:
        query = query.where(ConsultationRequest.region == region)
    if unassigned:
        query = query.where(ConsultationRequest.assignee_id.is_(None))
    elif assignee_id is not None:
        query = query.where(ConsultationRequest.assignee_id == assignee_id)
    if overdue:
        query = query.where(overdue_clause(now))
    return query.order_by(ConsultationRequest.due_at, ConsultationRequest.id)


def queue_counts(user: Any, now: datetime | None = None) -> dict[str, int]:
    """How many visible requests are in each status, and how many are overdue (``overdue``)."""
    visible = visible_to(user).subquery()
    counts = {s.value: 0 for s in Status}
    for status, n in db.session.execute(
            select(visible.c.status, func.count()).group_by(visible.c.status)):
        counts[Status(status).value] = int(n)
    counts["overdue"] = int(db.session.scalar(
        select(func.count()).select_from(visible_to(user).where(overdue_clause(now))
                                         .subquery())) or 0)
    return counts


def consultants() -> list[User]:
    """Active users who may answer requests, by name: whom a supervisor can assign to."""
    roles = [role.value for role, granted in ROLE_PERMISSIONS.items()
             if "consultation.answer" in granted]
    return list(db.session.scalars(
        select(User).where(User.active.is_(True),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))))
        .order_by(User.name, User.id)))


def staff_messages(request: ConsultationRequest) -> list[ConsultationMessage]:
    """Everything on the request, notes included, oldest first."""
    return list(request.messages)


# Staff actions --------------------------------------------------------------------------------

def record_opened(request: ConsultationRequest, actor: Any) -> None:
    """Log that *actor* opened the request: who read which request, when; no text."""
    _staff_log("consultation.opened", request, actor)


def take(request: ConsultationRequest, actor: Any) -> None:
    """The consultant takes an unassigned request. The conditional UPDATE decides between two
    consultants taking it at the same moment: the second gets :class:`AlreadyTaken`."""
    if request.assignee_id is not None and request.assignee_id == getattr(actor, "id", None):
        return  # one's own already
    if not may_take(request, actor):
        if request.assignee_id is not None and _can(actor, "consultation.answer"):
            raise AlreadyTaken(_l("Another consultant has taken this request."))
        raise NotAllowed(_l("You cannot take this request."))
    db.session.flush()
    now = utcnow()
    result = db.session.execute(
        update(ConsultationRequest).where(ConsultationRequest.id == request.id,
                                          ConsultationRequest.assignee_id.is_(None))
        .values(assignee_id=actor.id, updated_at=now)
        .execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        db.session.refresh(request)
        raise AlreadyTaken(_l("Another consultant has taken this request."))
    db.session.refresh(request)
    if request.status == Status.new:
        request.status = Status.assigned
    db.session.flush()
    _staff_log("consultation.take", request, actor)


def assign(request: ConsultationRequest, assignee: User | None, actor: Any) -> None:
    """A supervisor gives the request to a consultant (or back to the queue: None)."""
    if not may_assign(actor) or request.is_anonymised:
        raise NotAllowed(_l("You cannot assign requests."))
    if assignee is not None and not (assignee.active and assignee.can("consultation.answer")):
        raise InvalidInput(_l("This person does not answer consultation requests."))
    new_id = assignee.id if assignee is not None else None
    if request.assignee_id == new_id:
        return
    request.assignee_id = new_id
    request.assignee = assignee
    if assignee is not None and request.status == Status.new:
        request.status = Status.assigned
    elif assignee is None and request.status == Status.assigned:
        request.status = Status.new
    request.updated_at = utcnow()
    db.session.flush()
    _staff_log("consultation.assign", request, actor,
               detail=f"to user {new_id}" if new_id is not None else "to the queue")
    if assignee is not None and assignee.id != actor.id:
        notices.assigned(request)


def reply(request: ConsultationRequest, body: str, actor: Any) -> ConsultationMessage:
    """A public reply: the citizen sees it on the tracking page and is mailed a notice. The
    request is answered (an unassigned one is taken by whoever replies)."""
    if request.assignee_id is None and may_take(request, actor) \
            and not _can(actor, "consultation.supervise"):
        take(request, actor)
    if not may_work_on(request, actor):
        raise NotAllowed(_l("You cannot reply to this request."))
    now = utcnow()
    message = ConsultationMessage(request=request, kind=MessageKind.public_reply,
                                  author_id=actor.id, body=_text(body), created_at=now)
    db.session.add(message)
    if request.assignee_id is None:
        request.assignee_id = actor.id
    request.status = Status.answered
    request.closed_at = None
    request.first_reply_at = request.first_reply_at or now
    request.updated_at = now
    db.session.flush()
    _staff_log("consultation.reply", request, actor)
    notices.replied(request, message)
    return message


def note(request: ConsultationRequest, body: str, actor: Any) -> ConsultationMessage:
    """An internal note: staff only, never shown to the citizen, never mailed."""
    if request.is_anonymised or not can_view_as_staff(request, actor):
        raise NotAllowed(_l("You cannot write notes on this request."))
    message = ConsultationMessage(request=request, kind=MessageKind.internal_note,
                                  author_id=actor.id, body=_text(body), created_at=utcnow())
    db.session.add(message)
    request.updated_at = utcnow()
    db.session.flush()
    _staff_log("consultation.note", request, actor)
    return message


def allowed_statuses(request: ConsultationRequest) -> list[Status]:
    """The statuses the request can be moved to now (for the status menu)."""
    allowed = []
    for status in TRANSITIONS[request.status]:
        if status == Status.assigned and request.assignee_id is None:
            continue
        if status == Status.new and request.assignee_id is not None:
            continue
        allowed.append(status)
    return sorted(allowed, key=list(Status).index)


def set_status(request: ConsultationRequest, status: str | Status, actor: Any) -> None:
    """Move the request along ``new -> assigned -> waiting -> answered -> closed`` (see
    :data:`TRANSITIONS`); closing stamps ``closed_at``, reopening clears it."""
    if not may_work_on(request, actor):
        raise NotAllowed(_l("You cannot change this request."))
    to = Status(status)
    if to == request.status:
        return
    if to not in allowed_statuses(request):
        raise InvalidTransition(_l("This request cannot move from “%(from)s” to “%(to)s”.",
                                   **{"from": request.status.value, "to": to.value}))
    was = request.status
    if was == Status.closed:
        _reopen(request)
    if to in (Status.new, Status.assigned) and was in (Status.waiting, Status.answered,
                                                      Status.closed):
        # Open again: a new answer is owed, in the topic's time (as after a follow-up).
        request.due_at = due_from(utcnow(), request.topic)
    request.status = to
    request.closed_at = utcnow() if to == Status.closed else None
    request.updated_at = utcnow()
    db.session.flush()
    _staff_log("consultation.status", request, actor, detail=f"{was.value} -> {to.value}")


def reopen(request: ConsultationRequest, actor: Any) -> None:
    """Staff reopen an answered or closed request (to its assignee, or to the queue)."""
    set_status(request, Status.assigned if request.assignee_id is not None else Status.new,
               actor)
