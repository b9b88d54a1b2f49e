"""Counters for rate limits, kept in the database so that every worker process sees them.

Fixed windows: a counter row per (key, window number). Increments are a single
``INSERT ... ON CONFLICT DO UPDATE`` so concurrent workers never lose a hit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import current_app
from sqlalchemy import String, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model, db


class ThrottleCounter(Model):
    __tablename__ = "throttle_counters"

    #: What is counted and for whom, e.g. ``login-account:ana@example.uz``.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: ``int(unix time // window seconds)``.
    window: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


def private_key(kind: str, value: str) -> str:
    """A key that does not store what was typed (people type passwords into the email box,
    and an address is personal data): ``kind:`` and a keyed hash of *value*."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:40]
    return f"{kind}:{digest}"


def _window(seconds: int, now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // seconds)


def hit(key: str, seconds: int) -> int:
    """Count one event for *key* in the current window; returns the count including it.

    The increment and the read are one statement, so parallel requests each see their own
    number (the caller commits, before doing the work the limit protects).
    """
    window = _window(seconds)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(ThrottleCounter).values(key=key[:200], window=window, count=1)
    stmt = upsert.on_conflict_do_update(
        index_elements=["key", "window"], set_={"count": ThrottleCounter.count + 1},
    ).returning(ThrottleCounter.count)
    count = int(db.session.execute(stmt).scalar_one())
    # Windows that have ended no longer matter: drop them for every key of this kind.
    kind = key.split(":", 1)[0] + ":"
    db.session.execute(delete(ThrottleCounter).where(
        ThrottleCounter.key.startswith(kind), ThrottleCounter.window < window))
    return count


def undo(key: str, seconds: int) -> None:
    """Take back one event counted by :func:`hit` (it turned out not to count)."""
    db.session.execute(update(ThrottleCounter).where(
        ThrottleCounter.key == key[:200], ThrottleCounter.window == _window(seconds),
        ThrottleCounter.count > 0).values(count=ThrottleCounter.count - 1))



def retry_after(seconds: int) -> int:
    """Seconds until the current window ends."""
    now = time.time()
    return max(1, math.ceil((_window(seconds, now) + 1) * seconds - now))


def reset(key: str) -> None:
    db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key[:200]))
