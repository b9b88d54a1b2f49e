"""The shared publishing workflow: states, the moves between them and who may make each move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum, auto
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, String, and_, or_
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.content import audit
from portal.database import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User


class State(StrEnum):
    draft = auto()
    review = auto()
    published = auto()
    archived = auto()


STATE_LABELS = {
    State.draft: _l("Draft"),
    State.review: _l("In review"),
    State.published: _l("Published"),
    State.archived: _l("Archived"),
}


@dataclass(frozen=True)
class Move:
    """One allowed move; *permission* is the suffix after the item's permission prefix."""

    name: str
    sources: frozenset[State]
    target: State
    permission: str
    label: Any
    needs_comment: bool = False


#: Every move of the workflow, read as "name: from {states} -> state, needs <prefix>.<permission>".
MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("submit", frozenset({State.draft}), State.review, "edit", _l("Submit for review")),
        Move("publish", frozenset({State.review}), State.published, "publish", _l("Publish")),
        Move("send_back", frozenset({State.review}), State.draft, "publish", _l("Send back"),
             needs_comment=True),
        Move("unpublish", frozenset({State.published}), State.draft, "publish",
             _l("Withdraw to draft")),
        Move("archive", frozenset({State.published}), State.archived, "publish", _l("Archive")),
        Move("reopen", frozenset({State.archived}), State.draft, "publish", _l("Reopen as draft")),
    )
}


class WorkflowError(Exception):
    """A move that is not allowed from the item's state or for this user."""


class Publishable:
    """Columns and rules shared by every content type that goes through the workflow.

    A subclass sets ``permission_prefix`` (``"material"``) and ``audit_type``.
    """

    permission_prefix: str = ""
    audit_type: str = ""

    state: Mapped[State] = mapped_column(
        Enum(State, native_enum=False, length=20, validate_strings=True),
        default=State.draft, index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this moment the item leaves listings, feeds, search and its own URL.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(5), index=True)
    #: Items that are translations of each other share this value.
    translation_group: Mapped[str] = mapped_column(String(36), index=True)
    #: Bumped by every UPDATE; a write based on an older read fails instead of overwriting
    #: (two editors moving or saving the same item at once: the second one is told).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    @declared_attr
    def author_id(cls) -> Mapped[int | None]:  # noqa: N805
        from sqlalchemy import ForeignKey

        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    id: Mapped[int]
    title: Mapped[str]

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def is_live(self) -> bool:
        """Published and not expired: what the public may see."""
        return self.state == State.published and not self.is_expired

    @classmethod
    def live_clause(cls) -> Any:
        """SQL condition for :attr:`is_live`."""
        now = utcnow()
        return and_(cls.state == State.published,
                    or_(cls.expires_at.is_(None), cls.expires_at > now))

    def permission(self, suffix: str) -> str:
        return f"{self.permission_prefix}.{suffix}"


def can_edit(item: Publishable, user: User) -> bool:
    """May *user* change the item's text now? Nobody edits while it is in review."""
    if not user.is_authenticated:
        return False
    if item.state == State.draft:
        return user.can(item.permission("edit")) or (
            item.author_id == user.id and user.can(item.permission("create")))
    if item.state == State.published:
        return user.can(item.permission("publish"))
    return False


def allowed(item: Publishable, move: Move, user: User) -> bool:
    if item.state not in move.sources or not user.is_authenticated:
        return False
    if move.name == "submit":
        return can_edit(item, user)
    if (move.name == "publish" and item.author_id == user.id
            and not user.can(item.permission("publish_own"))):
        return False  # the four-eyes rule: someone else publishes what you wrote
    return user.can(item.permission(move.permission))


def available_moves(item: Publishable, user: User) -> list[Move]:
    return [m for m in MOVES.values() if allowed(item, m, user)]


def transition(item: Publishable, move_name: str, actor: User, comment: str = "") -> Move:
    """Make the move *move_name*, stamping dates and writing the audit trail. The caller commits."""
    move = MOVES.get(move_name)
    if move is None or not allowed(item, move, actor):
        raise WorkflowError(move_name)
    comment = comment.strip()
    if move.needs_comment and not comment:
        raise WorkflowError("comment required")
    previous = item.state
    item.state = move.target
    if move.target == State.published:
        item.published_at = utcnow()
    audit.log(f"{item.audit_type}.{move.name}", item.audit_type, item.id, actor.id,
              comment=comment, label=item.title, detail=f"{previous} -> {move.target}")
    return move
