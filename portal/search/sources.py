"""What the search index holds, and where it comes from.

Each content type registers a :class:`Source`: how to turn one of its items into documents
(none when the item is not published, or expired), which model changes touch which items, and
the keys of everything it would index (for ``flask search verify`` and ``reindex``). The search
package knows nothing else of the domains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Document:
    """One entry of the index: a guide, a course, a lesson, a webinar, a record, a partner."""

    #: Unique in the index: ``"lesson:12"``.
    key: str
    #: The item whose change re-indexes this document: ``"course:3"`` for a course's lessons.
    owner: str
    #: Shown as a label and used as a facet: ``material``, ``course``, ``lesson``, ...
    type: str
    title: str
    body: str
    language: str
    #: The page's path (``/materials/tenant-rights``).
    url: str
    date: datetime
    summary: str = ""
    topics: list[str] = field(default_factory=list)
    #: ``public``, or ``inspectors`` for items only users with a ``*.view_restricted``
    #: permission may see.
    audience: str = "public"
    #: After this moment the document is not found (and the next sync removes it).
    expires: datetime | None = None


@dataclass
class Source:
    """A content type's way into the index."""

    #: The owner prefix of its documents (``"course"``).
    name: str
    #: The documents of item *item_id* as it is now: empty when it must not be found.
    documents: Callable[[int], list[Document]]
    #: The ids of every item that has documents now.
    live_ids: Callable[[], Iterable[int]]
    #: Model class -> the ids of this source's items that a change of such an object touches.
    watches: dict[type, Callable[[Any], Iterable[int]]] = field(default_factory=dict)


SOURCES: dict[str, Source] = {}


def live_ids_of(model: Any) -> Callable[[], list[int]]:
    """``Source.live_ids`` for a publishable model: the ids of its live items."""
    def live_ids() -> list[int]:
        from sqlalchemy import select

        from portal.extensions import db

        return list(db.session.scalars(select(model.id).where(model.live_clause())))
    return live_ids


def files_of(item_type: str) -> Callable[[Any], list[int]]:
    """A watch on attachments: an item's files changing re-indexes the item."""
    def ids(attachment: Any) -> list[int]:
        return [attachment.item_id] if attachment.item_type == item_type else []
    return ids


def register(source: Source) -> None:
    SOURCES[source.name] = source


def owners_touched_by(obj: Any) -> set[tuple[str, int]]:
    """The (source, item id) pairs whose documents a change of *obj* may change."""
    touched: set[tuple[str, int]] = set()
    for source in SOURCES.values():
        for model, ids in source.watches.items():
            if isinstance(obj, model):
                touched.update((source.name, item_id) for item_id in ids(obj) if item_id)
    return touched


def watched_models() -> tuple[type, ...]:
    return tuple({model for source in SOURCES.values() for model in source.watches})
