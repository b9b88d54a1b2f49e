"""Helpers of the citizens' pages that are not views: the regions of the form, the intake
sequence the form and the JSON API share, and what the browser's session remembers about a
citizen's request (never the request's data)."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from flask import request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.consultations import services
from portal.consultations.models import MAX_TEXT, ConsultationRequest
from portal.content import formkeys
from portal.content.attachments import AttachmentError
from portal.extensions import db

#: The fourteen regions of Uzbekistan: the value stored (Uzbek, as staff filter by it) and the
#: name shown in the page's language.
REGIONS: tuple[tuple[str, Any], ...] = (
    ("Qoraqalpogʻiston Respublikasi", _l("Republic of Karakalpakstan")),
    ("Andijon viloyati", _l("Andijan region")),
    ("Buxoro viloyati", _l("Bukhara region")),
    ("Fargʻona viloyati", _l("Fergana region")),
    ("Jizzax viloyati", _l("Jizzakh region")),
    ("Xorazm viloyati", _l("Khorezm region")),
    ("Namangan viloyati", _l("Namangan region")),
    ("Navoiy viloyati", _l("Navoi region")),
    ("Qashqadaryo viloyati", _l("Kashkadarya region")),
    ("Samarqand viloyati", _l("Samarkand region")),
    ("Sirdaryo viloyati", _l("Syrdarya region")),
    ("Surxondaryo viloyati", _l("Surkhandarya region")),
    ("Toshkent viloyati", _l("Tashkent region")),
    ("Toshkent shahri", _l("Tashkent city")),
)
REGION_VALUES = frozenset(value for value, _label in REGIONS)


def _length(column: str) -> int:
    length = getattr(ConsultationRequest.__table__.c[column].type, "length", None)
    assert isinstance(length, int), column
    return length


#: The longest texts the intake takes (the form's and the API's limits): the columns' lengths.
NAME_LENGTH = _length("name")
EMAIL_LENGTH = _length("email")
#: District and mahalla.
PLACE_LENGTH = _length("district")
QUESTION_LENGTH = MAX_TEXT


def region_label(value: str) -> str:
    """The region's name in the page's language (the stored value when it is not one)."""
    return next((str(label) for v, label in REGIONS if v == value), value)


# The intake, as the form and the API both send it ------------------------------------------------

@dataclass(frozen=True)
class Intake:
    """What became of one sending of the intake."""

    #: The new request, or the earlier one its one-time key made; None when refused.
    request: ConsultationRequest | None
    #: The tracking code, to show once; None for a repeat and a refusal.
    code: str | None = None
    #: Seconds to wait when the address is over its daily limit; 0 otherwise.
    retry_after: int = 0

    @property
    def repeated(self) -> bool:
        """The same one-time key sent again (a double click, a retried POST)."""
        return self.request is not None and self.code is None


def send_request(data: services.RequestInput, *, user_id: int | None, form_key: str | None,
                 address: str) -> Intake:
    """Take a request from *address*: a one-time key seen before creates nothing; a new one
    counts against the address's daily limit, and the count is committed before the work (it
    must hold for parallel requests and after a refusal); then the request is written and
    committed. Wrong input rolls back and raises (:class:`services.InvalidInput`,
    :class:`AttachmentError`)."""
    earlier = formkeys.already_created(ConsultationRequest, form_key)
    if earlier is not None:
        return Intake(earlier)
    wait = services.count_submission(address)
    db.session.commit()
    if wait:
        return Intake(None, retry_after=wait)
    try:
        sent, code = services.submit(data, user_id=user_id, form_key=form_key)
        db.session.commit()
    except (services.InvalidInput, AttachmentError):
        db.session.rollback()
        raise
    return Intake(sent, code)


# One-time keys: the form's and the API's ----------------------------------------------------------
# Both live in the requests' form_key column, and must never meet: a form sent with a key an API
# client used would land in the form's "sent already" path and get a new code for someone else's
# request. The form's keys are version-4 UUIDs (:func:`portal.content.formkeys.new_key`); an API
# client's Idempotency-Key is stored as a version-5 UUID made from it.

#: The namespace of the API's keys (fixed: a stored key must be found again after a restart).
API_KEYS = uuid.UUID("6b1f7a52-3c1e-4d6a-9a57-2f0e8c4b9d13")
#: How many characters of a stored API key come from the client's key alone ("8-4-4-").
_KEY_PART = 19


class KeyReused(Exception):
    """An API client sent its Idempotency-Key again with another request."""


def is_form_key(value: str | None) -> bool:
    """Whether *value* can be a key the form page made (a version-4 UUID)."""
    try:
        return value is not None and uuid.UUID(value).version == 4 and len(value) == 36
    except ValueError:
        return False


def api_form_key(key: str, content: str) -> str:
    """What an API request with Idempotency-Key *key* and body *content* is stored under: 64
    bits from the key, 64 from the body, as a version-5 UUID (36 characters, like the form's
    keys, never equal to one). The key's half finds the key sent again with another body."""
    key_part = uuid.uuid5(API_KEYS, key.lower()).bytes[:8]
    body_part = hashlib.sha256(content.encode()).digest()[:8]
    return str(uuid.UUID(bytes=key_part + body_part, version=5))


def api_key_for(key: str, content: str) -> str:
    """The stored form of *key* with *content*; :class:`KeyReused` when the key came before
    with another body (answering that request's reference would answer the wrong request)."""
    stored = api_form_key(key, content)
    earlier = db.session.scalar(
        select(ConsultationRequest.form_key)
        .where(ConsultationRequest.form_key.startswith(stored[:_KEY_PART], autoescape=True))
        .where(ConsultationRequest.form_key != stored).limit(1))
    if earlier is not None:
        raise KeyReused(key)
    return stored


# What the session holds -------------------------------------------------------------------------
# The signed session cookie, not the URL: a reference and a code in an address end up in
# browser histories, proxies' logs and Referer headers.

#: The receipt of the request just sent: reference, code, mailed; popped by the first display.
RECEIPT = "consultation_receipt"
#: The reference of the request just sent, for a reload of the receipt (no code).
LAST_REFERENCE = "consultation_last_reference"
#: The request found by tracking: its id and until when the session may act on it.
TRACKED = "consultation_tracked"
#: How long a successful tracking lets the citizen read, write and withdraw without the code.
TRACKED_SECONDS = 30 * 60


def keep_receipt(reference: str, code: str, mailed: bool) -> None:
    session[RECEIPT] = {"reference": reference, "code": code, "mailed": mailed}
    session.pop(LAST_REFERENCE, None)


def take_receipt() -> dict[str, Any] | None:
    """The receipt to show now, once; afterwards only its reference is remembered."""
    receipt = session.pop(RECEIPT, None)
    if isinstance(receipt, dict):
        session[LAST_REFERENCE] = receipt.get("reference", "")
        return receipt
    return None


def holds_receipt(reference: str) -> bool:
    """Whether this browser's session has the receipt of *reference* (still to show, or
    shown already)."""
    receipt = session.get(RECEIPT)
    kept = receipt.get("reference") if isinstance(receipt, dict) else None
    return reference in (kept, session.get(LAST_REFERENCE))


def last_reference() -> str:
    return str(session.get(LAST_REFERENCE) or "")


def remember_tracked(request_id: int, now: float | None = None) -> None:
    session[TRACKED] = {"id": request_id,
                        "until": int((now if now is not None else time.time())
                                     + TRACKED_SECONDS)}


def tracked_id(now: float | None = None) -> int | None:
    """The tracked request's id while the tracking session lasts, else None (and forgotten)."""
    found = session.get(TRACKED)
    if not isinstance(found, dict):
        return None
    moment = now if now is not None else time.time()
    if not isinstance(found.get("id"), int) or float(found.get("until") or 0) < moment:
        session.pop(TRACKED, None)
        return None
    return int(found["id"])


def forget_tracked() -> None:
    session.pop(TRACKED, None)


# What the page and the API say about the limits (one wording for both) -----------------------

def client_address() -> str:
    """The address the per-address limits count."""
    return request.remote_addr or "unknown"


def too_many_requests(retry_after: int) -> str:
    return _("Too many requests have been sent from your address today. Try again in "
             "%(hours)s hours.", hours=max(1, round(retry_after / 3600)))


def too_many_tracking_attempts(retry_after: int) -> str:
    return _("Too many attempts. Wait %(minutes)s minutes and try again.",
             minutes=max(1, round(retry_after / 60)))


def no_such_request() -> str:
    """One message for a wrong reference and a wrong code."""
    return _("No request matches this reference and code. Check both and try again.")
