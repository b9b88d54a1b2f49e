"""Mails about consultation requests, queued in the outbox within the change they report.

Mails to citizens are written in the request's language and carry no text of the request or
of a reply: the address was never verified, and a typo would send family or health matters
to a stranger. They give the reference and the link to the tracking page; the subject names
only the reference. Every mail is keyed ``consultation:<request id>:...``, so anonymising a
request can delete its mails (they hold the address, and the first one the tracking code).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from portal import mail
from portal.consultations.models import ConsultationMessage, ConsultationRequest

#: Endpoints of the pages the mails link to (built by the views, later), and the paths used
#: until they exist.
TRACK_ENDPOINT = ("consultations.track", "/consultations/track")
QUEUE_ENDPOINT = ("consultations.queue", "/consultations/queue")


def key_prefix(request: ConsultationRequest) -> str:
    return f"consultation:{request.id}:"


def _link(target: tuple[str, str], **values: Any) -> str:
    endpoint, path = target
    try:
        return mail.link(endpoint, **values)
    except BuildError:
        return str(current_app.config["BASE_URL"]).rstrip("/") + path


def track_link() -> str:
    return _link(TRACK_ENDPOINT)


#: What the body of a sent receipt becomes once the purge has passed (no tracking code).
RECEIPT_PURGED_BODY = "(The tracking code of this receipt has been removed.)\n"


def receipt_key(request: ConsultationRequest) -> str:
    """The key (or key prefix, for codes issued again) of a request's receipt mails."""
    return f"{key_prefix(request)}received"


def received(request: ConsultationRequest, code: str, *, again: bool = False) -> None:
    """The reference and the tracking code, to the citizen who gave an email. *again*: a new
    code for the same request (the first receipt was lost): an unsent earlier receipt, whose
    code no longer works, is withdrawn."""
    if not request.email:
        return
    key = receipt_key(request)
    if again:
        mail.withdraw(key)
        key = f"{key}:{uuid.uuid4()}"
    with force_locale(request.language):
        body = "\n\n".join([
            _("We have received your request for a legal consultation."),
            _("Reference: %(reference)s", reference=request.reference) + "\n"
            + _("Tracking code: %(code)s", code=code),
            _("Follow the request, read the replies and write to the consultant with the "
              "reference and the code here: %(link)s", link=track_link()),
            _("Keep the code to yourself: with it anyone can read the request."),
        ]) + "\n"
        mail.queue(request.email, _("Your consultation request %(reference)s",
                                    reference=request.reference),
                   body, key=key)


def replied(request: ConsultationRequest, message: ConsultationMessage) -> None:
    """A consultant has replied: read it on the tracking page."""
    if not request.email:
        return
    with force_locale(request.language):
        body = "\n\n".join([
            _("A consultant has replied to your request %(reference)s.",
              reference=request.reference),
            _("Read the reply with your reference and tracking code here: %(link)s",
              link=track_link()),
        ]) + "\n"
        mail.queue(request.email, _("Reply to your consultation request %(reference)s",
                                    reference=request.reference),
                   body, key=f"{key_prefix(request)}reply:{message.id}")


def _to_staff(request: ConsultationRequest, user: Any, subject: Any, text: Any,
              key: str) -> None:
    """*subject* and *text* are lazy strings: rendered here, in the staff member's language."""
    if user is None or not user.active or not user.email:
        return
    with force_locale(user.language or "uz"):
        body = "\n\n".join([str(text), _("The queue: %(link)s", link=_link(QUEUE_ENDPOINT))])
        mail.queue(user.email, str(subject), body + "\n", key=key)


def follow_up(request: ConsultationRequest, message: ConsultationMessage) -> None:
    """The citizen wrote again: tell the assignee."""
    reference = request.reference
    _to_staff(request, request.assignee,
              _l("New message on consultation request %(reference)s", reference=reference),
              _l("The citizen has written again on request %(reference)s, assigned to you.",
                 reference=reference),
              f"{key_prefix(request)}follow-up:{message.id}")


def assigned(request: ConsultationRequest) -> None:
    """A supervisor has given the request to a consultant."""
    reference = request.reference
    _to_staff(request, request.assignee,
              _l("Consultation request %(reference)s is assigned to you", reference=reference),
              _l("Consultation request %(reference)s has been assigned to you.",
                 reference=reference),
              f"{key_prefix(request)}assigned:{uuid.uuid4()}")
