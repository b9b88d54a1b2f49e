"""Keeping the index in step with the database.

``sync`` applies the outbox: it takes the index's lock first, then reads the outbox rows and
the items they name as they are now, writes their documents, commits the index and only then
deletes the rows it applied, still holding the lock. Two processes syncing at once take turns
on the lock, and the later one reads the later state and never the rows the earlier one has
applied, so no update is lost; a crash anywhere leaves rows that the next run applies again
(applying a row twice gives the same documents).

The rows are deleted under the lock because a row's id names it only while the row exists:
SQLite gives the id of the last row deleted to the next row written. A sync that read rows
another one was about to delete would apply them again, then delete, by their ids, the new
rows that took those ids meanwhile, changes it never applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from flask import current_app
from sqlalchemy import delete, select
from whoosh import index as whoosh_index

from portal.extensions import db
from portal.search import engine, index, sources
from portal.search.outbox import SearchOutbox

#: Outbox rows applied per writer (a big import is applied in several turns).
BATCH = 500
#: Segments the index may have before :func:`tidy` merges the small ones.
MOST_SEGMENTS = 8
#: Seconds without a change before the worker tidies (a merge makes a change wait for it).
TIDY_AFTER = 5.0


def _documents(name: str, item_id: int) -> list[sources.Document]:
    source = sources.SOURCES.get(name)
    return source.documents(item_id) if source is not None else []


def sync(limit: int | None = None, wait: float | None = None) -> int:
    """Apply up to *limit* (:data:`BATCH`) outbox rows; returns how many were applied. Raises
    ``whoosh.index.LockError`` when another writer holds the index longer than *wait*
    seconds (``SEARCH_LOCK_TIMEOUT``; the rows stay).

    Nothing to apply writes nothing: every commit is a new state of the index, which every
    process searching it then reopens.
    """
    with index.locked(wait):
        db.session.rollback()  # read what is committed now, after taking the lock
        rows = db.session.execute(select(SearchOutbox.id, SearchOutbox.source,
                                         SearchOutbox.item_id).order_by(SearchOutbox.id)
                                  .limit(BATCH if limit is None else limit)).all()
        # Expiry is no change in the database: what has expired since goes now.
        with engine.snapshot() as snap:
            expired = [snap.searcher.stored_fields(int(docnum))["key"] for docnum in
                       np.flatnonzero(snap.expired(datetime.now(UTC).replace(tzinfo=None)))]
        if not rows and not expired:
            return 0
        # No merging here: a merge makes the change wait; :func:`tidy` merges when idle.
        with index.writing(merge=False) as writer:
            for key in expired:
                writer.delete_by_term("key", key)
            for name, item_id in sorted({(row.source, row.item_id) for row in rows}):
                index.replace_owner(writer, f"{name}:{item_id}", _documents(name, item_id))
        _forget([row.id for row in rows])  # the index is committed: now the rows
    return len(rows)


def _forget(row_ids: list[int]) -> None:
    """Delete the outbox rows *row_ids* (applied to the index), and commit."""
    for start in range(0, len(row_ids), BATCH):
        db.session.execute(delete(SearchOutbox).where(
            SearchOutbox.id.in_(row_ids[start:start + BATCH])))
    if row_ids:
        db.session.commit()


def sync_all(wait: float | None = None) -> int:
    """Apply the whole outbox, in batches (see :func:`sync` for *wait*)."""
    total = 0
    while True:
        applied = sync(wait=wait)
        total += applied
        if applied < BATCH:
            return total


def tidy(most: int = MOST_SEGMENTS) -> bool:
    """Merge the index's small segments when it has more than *most* (each sync adds one);
    whether it did. Searching reads every segment: a few big ones are quicker than many. Run
    by the worker between syncs; a busy index is left for the next turn."""
    with engine.snapshot() as snap:
        if len(snap.parts) <= most:
            return False
    try:
        with index.locked(wait=0):
            index.merge_segments()
    except whoosh_index.LockError:
        return False
    return True


def pending() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def all_owners() -> Iterator[tuple[str, int]]:
    for name, source in sorted(sources.SOURCES.items()):
        for item_id in sorted(source.live_ids()):
            yield name, item_id


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; returns the number of documents. The
    outbox rows present at the start are applied by the rebuild and deleted; the lock is held
    throughout, as by :func:`sync`."""
    with index.locked():
        db.session.rollback()  # read what is committed now, after taking the lock
        # Read before the items: the rebuild reads the changes these rows name (an id below
        # the highest may still be uncommitted on PostgreSQL: the rows themselves, not a range).
        applied = list(db.session.scalars(select(SearchOutbox.id)))
        ix = index.recreate()
        count = 0
        with index.writing(ix) as writer:
            for name, item_id in all_owners():
                for document in _documents(name, item_id):
                    writer.add_document(**index.fields_of(document))
                    count += 1
                if progress is not None:
                    progress(1)
        _forget(applied)
    return count


@dataclass
class Difference:
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    #: The index was built with another version of the schema (it needs a rebuild).
    outdated: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.outdated)


def verify() -> Difference:
    """Compare the database with the index: documents that should be there and are not,
    documents that are there and should not be, and documents whose title differs."""
    expected: dict[str, str] = {}
    for name, item_id in all_owners():
        for document in _documents(name, item_id):
            expected[document.key] = document.title
    ix = index.open_index()
    found: dict[str, str] = {}
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            found[fields["key"]] = fields.get("title", "")
    return Difference(
        outdated=not index.current(),
        missing=sorted(expected.keys() - found.keys()),
        extra=sorted(found.keys() - expected.keys()),
        stale=sorted(key for key in expected.keys() & found.keys()
                     if expected[key] != found[key]))


def sync_quietly() -> None:
    """Apply the outbox after a request committed. The change is saved whatever happens here:
    when another process holds the index, or indexing fails, the rows stay for the worker
    (``flask search sync --every``) and the request still succeeds."""
    try:
        sync_all(wait=0)  # another process is applying the outbox: it or the worker will
    except whoosh_index.LockError:
        db.session.rollback()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("search: the outbox is left to the next sync")
