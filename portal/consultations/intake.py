"""Helpers of the citizens' pages that are not views: the regions of the form, and what the
browser's session remembers about a citizen's request (never the request's data)."""

from __future__ import annotations

import time
from typing import Any

from flask import session
from flask_babel import lazy_gettext as _l

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


def region_label(value: str) -> str:
    """The region's name in the page's language (the stored value when it is not one)."""
    return next((str(label) for v, label in REGIONS if v == value), value)


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
