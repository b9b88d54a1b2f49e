"""Courses and their question banks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum, auto
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.content.formkeys import FormKeyed
from portal.content.revisions import Revisioned
from portal.content.topics import Topic, topic_link_table
from portal.content.workflow import Publishable
from portal.courses.questions import QuestionData, from_json
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.accounts.models import User


class CourseAudience(StrEnum):
    inspectors = auto()
    everyone = auto()


COURSE_AUDIENCE_LABELS = {
    CourseAudience.inspectors: _l("Inspectors"),
    CourseAudience.everyone: _l("Everyone"),
}

course_topics = topic_link_table("courses", "course_id")


class Course(Publishable, Revisioned, FormKeyed, Model):
    __tablename__ = "courses"

    permission_prefix = "course"
    audit_type = "course"
    revision_fields = ("title", "summary", "description", "audience", "language",
                       "credit_hours", "expires_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Markdown, rendered like a guide's text.
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[CourseAudience] = mapped_column(
        Enum(CourseAudience, native_enum=False, length=20, validate_strings=True),
        default=CourseAudience.inspectors)
    #: Hours credited to an inspector's learning record on completion.
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(0))

    author: Mapped[User | None] = relationship(foreign_keys="Course.author_id", lazy="joined")
    topics: Mapped[list[Topic]] = relationship(secondary=course_topics, lazy="selectin",
                                               order_by=Topic.position)
    modules: Mapped[list[Module]] = relationship(order_by="Module.position", lazy="selectin",
                                                 cascade="all, delete-orphan")

    def revision_snapshot(self) -> dict[str, Any]:
        data = super().revision_snapshot()
        data["credit_hours"] = str(self.credit_hours)  # Decimal is not JSON
        return data

    def apply_revision(self, data: dict[str, Any]) -> None:
        super().apply_revision(data)
        if "credit_hours" in data:
            self.credit_hours = Decimal(data["credit_hours"])


class QuestionCategory(Model):
    """A folder of a course's question bank, e.g. ``Prevention/Conversation``."""

    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))


class Question(Model):
    """A question of a course's bank; its content is :class:`QuestionData` as JSON."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_categories.id", ondelete="SET NULL"), index=True)
    #: Registry key of the question type (``single``, ``matching``, ...).
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255), default="")
    #: The whole question including its answer key: never sent to a browser as is.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[QuestionCategory | None] = relationship(lazy="joined")

    @property
    def content(self) -> QuestionData:
        return from_json(self.data)


class Module(Model):
    """A part of a course; its lessons (and later quizzes) come in order."""

    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    #: 1, 2, 3 ... within the course.
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))

    lessons: Mapped[list[Lesson]] = relationship(
        order_by="Lesson.position", cascade="all, delete-orphan", lazy="selectin",
        back_populates="module")


class Lesson(Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"),
                                           index=True)
    #: 1, 2, 3 ... within the module.
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown, rendered like a guide's text.
    body: Mapped[str] = mapped_column(Text, default="")
    #: Estimated minutes to study it.
    minutes: Mapped[int] = mapped_column(default=10)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship(back_populates="lessons", lazy="joined")
