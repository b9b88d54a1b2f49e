"""Counters for rate limits, kept in the database so that every worker process sees them.

Fixed windows: a counter row per (key, window number). Increments are a single
``INSERT ... ON CONFLICT DO UPDATE`` so concurrent workers never lose a hit.
"""

from __future__ import annotations

import math
import time

from sqlalchemy import String, delete, func, select
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


def _window(seconds: int, now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // seconds)


def hit(key: str, seconds: int) -> None:
    """Count one event for *key* in the current window (the caller commits)."""
    window = _window(seconds)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ThrottleCounter).values(key=key[:200], window=window, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key", "window"], set_={"count": ThrottleCounter.count + 1})
    db.session.execute(stmt)
    # Older windows of this key no longer matter.
    db.session.execute(delete(ThrottleCounter).where(
        ThrottleCounter.key == key[:200], ThrottleCounter.window < window))


def count(key: str, seconds: int) -> int:
    value = db.session.scalar(select(func.coalesce(func.sum(ThrottleCounter.count), 0)).where(
        ThrottleCounter.key == key[:200], ThrottleCounter.window == _window(seconds)))
    return int(value or 0)


def is_limited(key: str, limit: int, seconds: int) -> bool:
    return count(key, seconds) >= limit


def retry_after(seconds: int) -> int:
    """Seconds until the current window ends."""
    now = time.time()
    return max(1, math.ceil((_window(seconds, now) + 1) * seconds - now))


def reset(key: str) -> None:
    db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key[:200]))
