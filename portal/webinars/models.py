"""Webinars, their registrations (with the waiting list) and attendees' feedback."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum, auto
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.content.formkeys import FormKeyed
from portal.content.topics import Topic, TopicsRevisioned, topic_link_table
from portal.content.workflow import Publishable
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.accounts.models import User


class WebinarAudience(StrEnum):
    everyone = auto()
    inspectors = auto()


AUDIENCE_LABELS = {
    WebinarAudience.everyone: _l("Everyone"),
    WebinarAudience.inspectors: _l("Inspectors only"),
}

webinar_topics = topic_link_table("webinars", "webinar_id")


class Webinar(Publishable, TopicsRevisioned, FormKeyed, Model):
    __tablename__ = "webinars"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="webinar_capacity_positive"),
        CheckConstraint("duration_minutes > 0", name="webinar_duration_positive"),
        CheckConstraint("seats_taken >= 0", name="webinar_seats_not_negative"),
        # The last guard of "capacity is never exceeded": also against an organiser lowering
        # the capacity while a registration comes in.
        CheckConstraint("seats_taken <= capacity", name="webinar_seats_within_capacity"),
    )

    permission_prefix = "webinar"
    audit_type = "webinar"
    revision_fields = ("title", "summary", "description", "speakers", "language", "audience",
                       "starts_at", "duration_minutes", "join_url", "capacity",
                       "registration_opens_at", "registration_closes_at", "credit_hours",
                       "recording_url")
    revision_labels = {
        "title": _l("Title"), "summary": _l("Summary"), "description": _l("Description"),
        "speakers": _l("Speakers"), "language": _l("Language"), "audience": _l("Audience"),
        "starts_at": _l("Starts"), "duration_minutes": _l("Duration (minutes)"),
        "join_url": _l("Join link"), "capacity": _l("Capacity"),
        "registration_opens_at": _l("Registration opens"),
        "registration_closes_at": _l("Registration closes"),
        "credit_hours": _l("Credit hours"), "recording_url": _l("Recording link"),
        "topics": _l("Topics"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Markdown; rendered with raw HTML off and cleaned by nh3.
    description: Mapped[str] = mapped_column(Text, default="")
    #: One speaker a line, e.g. "Dilnoza Karimova, lawyer".
    speakers: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[WebinarAudience] = mapped_column(
        Enum(WebinarAudience, native_enum=False, length=20, validate_strings=True),
        default=WebinarAudience.everyone)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    #: The online platform's room; shown only to confirmed participants and organisers.
    join_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(default=100)
    #: Confirmed registrations, changed only by conditional UPDATEs (see registration.py):
    #: the database, not a read-then-write in Python, decides who gets the last seat.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    #: None: open from publication / until the start.
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(0))
    recording_url: Mapped[str] = mapped_column(String(500), default="")

    author: Mapped[User | None] = relationship(foreign_keys="Webinar.author_id", lazy="joined")
    topics: Mapped[list[Topic]] = relationship(secondary=webinar_topics, lazy="selectin",
                                               order_by=Topic.position)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_past(self) -> bool:
        return self.ends_at <= utcnow()

    @property
    def closes_at(self) -> datetime:
        """When registration ends: the set closing time, else the start."""
        return self.registration_closes_at or self.starts_at

    @property
    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]

    def registration_state(self, now: datetime | None = None) -> str:
        """``not_yet``, ``open``, ``closed`` or ``past``."""
        now = now or utcnow()
        if self.starts_at <= now:
            return "past"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet"
        if now >= self.closes_at:
            return "closed"
        return "open"

    def revision_snapshot(self) -> dict[str, Any]:
        data = super().revision_snapshot()
        data["credit_hours"] = str(self.credit_hours)  # Decimal is not JSON
        return data

    def apply_revision(self, data: dict[str, Any]) -> None:
        super().apply_revision(data)
        if "credit_hours" in data:
            self.credit_hours = Decimal(data["credit_hours"])


class RegistrationStatus(StrEnum):
    confirmed = auto()
    waiting = auto()
    cancelled = auto()


STATUS_LABELS = {
    RegistrationStatus.confirmed: _l("Registered"),
    RegistrationStatus.waiting: _l("On the waiting list"),
    RegistrationStatus.cancelled: _l("Cancelled"),
}


class Registration(Model):
    """One person's place at a webinar: one row per (webinar, email), whatever they click."""

    __tablename__ = "webinar_registrations"
    __table_args__ = (
        UniqueConstraint("webinar_id", "email"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="feedback_rating_1_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinars.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Lower-cased; the key that makes a second registration the same one.
    email: Mapped[str] = mapped_column(String(254))
    #: The language the person's mails are written in.
    language: Mapped[str] = mapped_column(String(5), default="uz")
    status: Mapped[RegistrationStatus] = mapped_column(
        Enum(RegistrationStatus, native_enum=False, length=20, validate_strings=True),
        index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the person joined the waiting list; the list is served in this order.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When an anonymous visitor agreed to the processing of their name and email.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webinar: Mapped[Webinar] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined")


class CalendarToken(Model):
    """The secret in a user's personal calendar feed URL; a new one replaces it on request."""

    __tablename__ = "webinar_calendar_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
