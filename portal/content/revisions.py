"""Revisions: every save keeps a snapshot; history shows diffs and restores an old one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from portal.content import audit
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model, db


class Revision(Model):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("item_type", "item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int]
    #: 1, 2, 3 ... per item.
    number: Mapped[int]
    #: The item's revisioned fields as plain JSON values.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", lazy="joined")


class Revisioned:
    """A content type that keeps revisions.

    Subclasses list their text fields in ``revision_fields`` and may extend
    :meth:`revision_snapshot` / :meth:`apply_revision` for fields that are not plain columns.
    """

    revision_fields: tuple[str, ...] = ()
    audit_type: str
    id: Mapped[int]
    title: Mapped[str]

    def revision_snapshot(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.revision_fields}

    def apply_revision(self, data: dict[str, Any]) -> None:
        for name in self.revision_fields:
            if name in data:
                setattr(self, name, _column_value(self, name, data[name]))

    #: Labels for the history page, by field name; subclasses override.
    revision_labels: dict[str, Any] = {}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)  # one spelling per instant, whatever zone it came in
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _column_value(item: Any, name: str, value: Any) -> Any:
    """Turn a JSON value back into what the column holds (dates come back from strings)."""
    column = type(item).__table__.columns.get(name)
    if value is None or column is None:
        return value
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance  # UTCDateTime and friends: ask the real type
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    return value


def record(item: Revisioned, actor_id: int | None, comment: str = "") -> Revision:
    """Keep the item's current state as its next revision. The item must be flushed."""
    db.session.flush()
    last = db.session.scalar(
        select(func.max(Revision.number)).where(
            Revision.item_type == item.audit_type, Revision.item_id == item.id))
    revision = Revision(item_type=item.audit_type, item_id=item.id, number=(last or 0) + 1,
                        data=item.revision_snapshot(), actor_id=actor_id, comment=comment[:300])
    db.session.add(revision)
    return revision


def history(item: Revisioned) -> list[Revision]:
    return list(db.session.scalars(
        select(Revision).where(Revision.item_type == item.audit_type,
                               Revision.item_id == item.id).order_by(Revision.number.desc())))


def get(item: Revisioned, number: int) -> Revision | None:
    return db.session.scalar(select(Revision).where(
        Revision.item_type == item.audit_type, Revision.item_id == item.id,
        Revision.number == number))


def record_created(item: Revisioned, actor_id: int | None) -> Revision:
    """Add a new item to the session with its audit entry and first revision."""
    db.session.add(item)
    db.session.flush()
    audit.log(f"{item.audit_type}.create", item.audit_type, item.id, actor_id, label=item.title)
    return record(item, actor_id, comment="created")


def record_edit(item: Revisioned, before: dict[str, Any], actor_id: int | None,
                comment: str = "") -> Revision | None:
    """After an edit, keep a revision if the item's snapshot differs from *before* (taken
    before the edit); a save that changes nothing keeps none and returns None."""
    if item.revision_snapshot() == before:
        db.session.flush()
        return None
    audit.log(f"{item.audit_type}.edit", item.audit_type, item.id, actor_id, label=item.title,
              comment=comment)
    return record(item, actor_id, comment=comment)


def restore(item: Revisioned, revision: Revision, actor_id: int | None) -> Revision:
    """Put the item back as it was in *revision*; the restore is itself a new revision."""
    item.apply_revision(revision.data)
    audit.log(f"{item.audit_type}.restore", item.audit_type, item.id, actor_id,
              label=item.title, detail=f"revision {revision.number}")
    return record(item, actor_id, comment=f"restored revision {revision.number}")


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


@dataclass
class FieldDiff:
    name: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def diff(old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]) -> list[FieldDiff]:
    """Line diff per field between two snapshots, only for fields that differ."""
    result = []
    for name in fields:
        a, b = _lines(old.get(name)), _lines(new.get(name))
        if a == b:
            continue
        lines = []
        for row in difflib.ndiff(a, b):
            tag, text = row[:2], row[2:]
            if tag == "  ":
                lines.append(DiffLine("same", text))
            elif tag == "- ":
                lines.append(DiffLine("removed", text))
            elif tag == "+ ":
                lines.append(DiffLine("added", text))
        result.append(FieldDiff(name, lines))
    return result


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).splitlines()
