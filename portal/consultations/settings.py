"""The consultation settings and their defaults; override any in ``instance/config.py`` or
with ``PORTAL_CONSULTATION_...`` environment variables."""

from __future__ import annotations

from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    #: Closed requests are anonymised this many days after closing (`flask consultations
    #: purge`).
    "CONSULTATION_RETENTION_DAYS": 365,
    #: Public holidays that are not working days: ``MM-DD`` every year, ``YYYY-MM-DD`` once
    #: (the moving holidays, Ramazon and Qurbon hayit, are announced each year). Saturdays
    #: and Sundays never are. A string is split on commas
    #: (``PORTAL_CONSULTATION_HOLIDAYS="01-01,03-08"``).
    "CONSULTATION_HOLIDAYS": (
        "01-01",  # New Year
        "03-08",  # Women's Day
        "03-21",  # Navro'z
        "05-09",  # Day of Remembrance
        "09-01",  # Independence Day
        "10-01",  # Teachers' Day
        "12-08",  # Constitution Day
    ),
    #: Requests one client address may send in a day.
    "CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY": 5,
    #: Tracking attempts (reference + code) in CONSULTATION_TRACK_WINDOW_SECONDS, per client
    #: address and per reference from one address (strangers cannot lock a citizen out).
    "CONSULTATION_TRACK_ATTEMPTS_PER_ADDRESS": 20,
    "CONSULTATION_TRACK_ATTEMPTS_PER_REFERENCE": 10,
    "CONSULTATION_TRACK_WINDOW_SECONDS": 15 * 60,
    #: Follow-up messages one request may receive in a day (from its tracking page).
    "CONSULTATION_FOLLOW_UPS_PER_DAY": 10,
}


def init_app(app: Any) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])
