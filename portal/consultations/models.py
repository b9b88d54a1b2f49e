"""Consultation requests: topics with their extra fields, the versioned consent text, the
requests themselves, their messages, and the yearly reference counter.

A request holds personal data (name, phone, the question: family, health, offences). It is
anonymised in place (see :mod:`portal.consultations.privacy`): the row stays for statistics
(reference, topic, region, dates, status), every column naming or describing the person is
blanked. Hence the personal columns are NOT NULL with "" as their empty value.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, auto
from typing import TYPE_CHECKING, Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.content.formkeys import FormKeyed
from portal.content.topics import Topic
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.accounts.models import User

#: Longest question, follow-up, reply or note, in characters.
MAX_TEXT = 5000
#: Longest attachment, in bytes.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
LANGUAGES = ("uz", "ru", "en")


def _in(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def _localised(item: Any, prefix: str) -> str:
    lang = str(get_locale() or "en")[:2]
    return str(getattr(item, f"{prefix}_{lang}", None) or getattr(item, f"{prefix}_en"))


class ConsultationTopic(Model):
    """What a citizen asks about; triages the request and sets its response time."""

    __tablename__ = "consultation_topics"
    __table_args__ = (
        CheckConstraint("response_days BETWEEN 1 AND 60", name="response_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_uz: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: The shared content topic whose published guides step 2 of the intake suggests.
    guide_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"))
    #: Working days (Monday to Friday, less public holidays) to the first answer.
    response_days: Mapped[int] = mapped_column(SmallInteger, default=5, server_default="5")
    #: Inactive topics are not offered to citizens; their requests stay.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(default=0)

    guide_topic: Mapped[Topic | None] = relationship(lazy="joined")
    fields: Mapped[list[ExtraField]] = relationship(
        back_populates="topic", cascade="all, delete-orphan", lazy="selectin",
        order_by="ExtraField.position, ExtraField.id")

    @property
    def name(self) -> str:
        """The name in the page's language."""
        return _localised(self, "name")


class FieldKind(StrEnum):
    text = auto()
    choice = auto()
    date = auto()
    number = auto()


FIELD_KIND_LABELS = {
    FieldKind.text: _l("Text"),
    FieldKind.choice: _l("Choice"),
    FieldKind.date: _l("Date"),
    FieldKind.number: _l("Number"),
}


class ExtraField(Model):
    """A question a topic adds to the form ("Ages of the children"), configured by admins."""

    __tablename__ = "consultation_fields"
    __table_args__ = (UniqueConstraint("topic_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_topics.id", ondelete="CASCADE"), index=True)
    #: The key of the answer in ``ConsultationRequest.extra_answers`` (``children_ages``).
    name: Mapped[str] = mapped_column(String(40))
    label_uz: Mapped[str] = mapped_column(String(200))
    label_ru: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FieldKind] = mapped_column(
        Enum(FieldKind, native_enum=False, length=20, validate_strings=True))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: For ``choice``: the options, as shown (a list of strings).
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    topic: Mapped[ConsultationTopic] = relationship(back_populates="fields")

    @property
    def label(self) -> str:
        return _localised(self, "label")


class ConsentText(Model):
    """The text a citizen agrees to, per language; a change is a new version (the highest is
    current), so every request can say which words its citizen accepted."""

    __tablename__ = "consultation_consent_texts"
    __table_args__ = (
        UniqueConstraint("version", "language"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(index=True)
    language: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Status(StrEnum):
    new = auto()
    assigned = auto()
    #: Waiting for the citizen (a question back to them): not overdue meanwhile.
    waiting = auto()
    answered = auto()
    closed = auto()


STATUS_LABELS = {
    Status.new: _l("New"),
    Status.assigned: _l("Assigned"),
    Status.waiting: _l("Waiting for the citizen"),
    Status.answered: _l("Answered"),
    Status.closed: _l("Closed"),
}

#: Statuses in which the portal owes the citizen an answer: past due_at, they are overdue.
OPEN_STATUSES = frozenset({Status.new, Status.assigned})


class ContactWay(StrEnum):
    phone = auto()
    telegram = auto()
    email = auto()


CONTACT_WAY_LABELS = {
    ContactWay.phone: _l("Phone call"),
    ContactWay.telegram: _l("Telegram"),
    ContactWay.email: _l("Email"),
}


class ContactTime(StrEnum):
    any = auto()
    morning = auto()
    afternoon = auto()
    evening = auto()


CONTACT_TIME_LABELS = {
    ContactTime.any: _l("Any time"),
    ContactTime.morning: _l("Morning (9:00–12:00)"),
    ContactTime.afternoon: _l("Afternoon (12:00–18:00)"),
    ContactTime.evening: _l("Evening (18:00–21:00)"),
}


class ConsultationRequest(FormKeyed, Model):
    """A citizen's question and its handling."""

    __tablename__ = "consultation_requests"
    __table_args__ = (
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint(_in("contact_way", ContactWay), name="contact_way"),
        CheckConstraint(_in("contact_time", ContactTime), name="contact_time"),
        CheckConstraint("reference LIKE 'HQ-____-______'", name="reference"),
        CheckConstraint(f"length(question) <= {MAX_TEXT}", name="question_length"),
        # +998 and nine digits; "" once anonymised.
        CheckConstraint("phone = '' OR (length(phone) = 13 AND phone LIKE '+998%')",
                        name="phone"),
        CheckConstraint("attachment_size >= 0", name="attachment_size"),
        CheckConstraint("closed_at IS NULL OR status = 'closed'", name="closed_at"),
        # The queue: its status filter and its default order (due first).
        Index("ix_consultation_requests_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``HQ-2026-000123``: sequential per year; safe to show, to mail and to log.
    reference: Mapped[str] = mapped_column(String(14), unique=True)
    #: argon2 hash of the tracking code; the code itself is shown once and never stored.
    tracking_hash: Mapped[str] = mapped_column(String(200))
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_topics.id", ondelete="RESTRICT"), index=True)
    #: The registered citizen who sent it, if logged in (their account lists it).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)

    # Personal data: blanked by anonymisation.
    name: Mapped[str] = mapped_column(String(120), default="")
    #: ``+998XXXXXXXXX``.
    phone: Mapped[str] = mapped_column(String(13), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    district: Mapped[str] = mapped_column(String(120), default="")
    mahalla: Mapped[str] = mapped_column(String(120), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    #: Answers to the topic's extra fields: ``{field name: value}``.
    extra_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The citizen's file name; the bytes live under ``instance/consultation-files``.
    attachment_name: Mapped[str] = mapped_column(String(255), default="")
    #: Random file name; "" when there is no attachment (or no longer).
    attachment_stored: Mapped[str] = mapped_column(String(64), default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="")
    attachment_size: Mapped[int] = mapped_column(default=0)

    # Kept after anonymisation, for statistics.
    #: The region (viloyat): not enough to tell who asked.
    region: Mapped[str] = mapped_column(String(120), default="", index=True)
    contact_way: Mapped[ContactWay] = mapped_column(
        Enum(ContactWay, native_enum=False, length=20, validate_strings=True))
    contact_time: Mapped[ContactTime] = mapped_column(
        Enum(ContactTime, native_enum=False, length=20, validate_strings=True),
        default=ContactTime.any)
    #: The citizen's language: mails to them are written in it.
    language: Mapped[str] = mapped_column(String(5))
    consent_version: Mapped[int]
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The citizen agreed that an editor may publish the anonymised question and answer.
    publish_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    status: Mapped[Status] = mapped_column(
        Enum(Status, native_enum=False, length=20, validate_strings=True), default=Status.new)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: When the first answer is due: the topic's response time in working days.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: The first public reply (response-time statistics).
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic: Mapped[ConsultationTopic] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    messages: Mapped[list[ConsultationMessage]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="ConsultationMessage.created_at, ConsultationMessage.id")

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def has_attachment(self) -> bool:
        return bool(self.attachment_stored)


class MessageKind(StrEnum):
    #: Staff to citizen: shown on the tracking page and announced by mail.
    public_reply = auto()
    #: Staff only.
    internal_note = auto()
    #: The citizen's follow-up from the tracking page.
    citizen_message = auto()


class ConsultationMessage(Model):
    __tablename__ = "consultation_messages"
    __table_args__ = (
        CheckConstraint(_in("kind", MessageKind), name="kind"),
        CheckConstraint(f"length(body) <= {MAX_TEXT}", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(
        Enum(MessageKind, native_enum=False, length=20, validate_strings=True))
    #: Staff who wrote it; None for the citizen.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Personal data: blanked by anonymisation.
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[ConsultationRequest] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship(lazy="joined")


class ReferenceCounter(Model):
    """The last reference number given out in a year (see :mod:`.references`)."""

    __tablename__ = "consultation_reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)
