"""The marker between the two steps of a login with two-factor on.

After a right password the session holds only this marker (whose password was right, when,
where to go next), never a login: Flask-Login knows nothing of it, so every page still sees an
anonymous visitor. It lasts :data:`LIFETIME` seconds and names the session version, so a
password change or "log out everywhere" in between makes it worthless. The session cookie is
signed, so the marker cannot be forged or altered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import session

from portal.accounts.models import User

KEY = "login_pending"
#: Seconds between the password and the code before the login must start again.
LIFETIME = 300


@dataclass(frozen=True)
class Marker:
    user_id: int
    session_version: int
    started: float
    remember: bool
    next_url: str | None


def keep(user: User, remember: bool, next_url: str | None) -> None:
    session[KEY] = {"user": user.id, "version": user.session_version, "at": time.time(),
                    "remember": bool(remember), "next": next_url}


def current() -> Marker | None:
    data = session.get(KEY)
    if not isinstance(data, dict):
        return None
    try:
        marker = Marker(int(data["user"]), int(data["version"]), float(data["at"]),
                        bool(data.get("remember")), data.get("next") or None)
    except (KeyError, TypeError, ValueError):
        return None
    if not 0 <= time.time() - marker.started <= LIFETIME:
        return None
    return marker


def still_valid(marker: Marker, user: User) -> bool:
    """Whether *user* may still finish the login the marker started."""
    return (user.active and user.session_version == marker.session_version
            and user.has_two_factor)


def clear() -> None:
    session.pop(KEY, None)
