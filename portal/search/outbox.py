"""The search outbox: a change to searchable content writes a row naming the item, in the same
transaction as the change; the indexer applies rows after the commit.

A rolled-back change leaves no row; a crash after the commit leaves the row, which the next
``flask search sync`` applies. Rows name items, not what changed: the indexer reads the item as
it is when it applies the row, so applying a row twice, or late, is harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import Model
from portal.search import sources


class SearchOutbox(Model):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The source's name (``material``, ``course``, ...).
    source: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _after_flush(session: Session, _context: Any) -> None:
    """Write an outbox row for every searchable item the flush touched (new, changed or
    deleted objects the sources watch), in the flush's own transaction."""
    models = sources.watched_models()
    if not models:
        return
    touched: set[tuple[str, int]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, models) and (obj in session.new or obj in session.deleted
                                        or session.is_modified(obj)):
            touched |= sources.owners_touched_by(obj)
    if not touched:
        return
    now = utcnow()
    session.connection().execute(insert(SearchOutbox), [
        {"source": name, "item_id": item_id, "created_at": now}
        for name, item_id in sorted(touched)])
    if has_request_context():
        g.search_changed = True  # the request syncs the index once it has committed


def listen() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
