"""Courses and their question banks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum, auto
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.content.formkeys import FormKeyed
from portal.content.topics import Topic, TopicsRevisioned, topic_link_table
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


class Course(Publishable, TopicsRevisioned, FormKeyed, Model):
    __tablename__ = "courses"

    permission_prefix = "course"
    audit_type = "course"
    revision_fields = ("title", "summary", "description", "audience", "language",
                       "credit_hours", "certificate_valid_months", "expires_at")

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
    #: Months a certificate stays valid; None: it does not expire.
    certificate_valid_months: Mapped[int | None] = mapped_column()

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
    quizzes: Mapped[list[Quiz]] = relationship(
        order_by="Quiz.position", cascade="all, delete-orphan", lazy="selectin",
        back_populates="module")

    @property
    def items(self) -> list[Lesson | Quiz]:
        """Lessons and quizzes in the order learners meet them (they share one position scale)."""
        return sorted([*self.lessons, *self.quizzes], key=lambda item: item.position)


class Lesson(Model):
    __tablename__ = "lessons"
    #: What a module's item is, for templates listing lessons and quizzes together.
    item_kind: ClassVar[str] = "lesson"

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


class ReviewWhen(StrEnum):
    """When a learner may see a part of the review of their attempt."""

    never = auto()
    after_attempt = auto()
    after_close = auto()


REVIEW_WHEN_LABELS = {
    ReviewWhen.never: _l("Never"),
    ReviewWhen.after_attempt: _l("Right after the attempt"),
    ReviewWhen.after_close: _l("After the quiz closes"),
}

_review = Enum(ReviewWhen, native_enum=False, length=20, validate_strings=True)


class Quiz(Model):
    """A graded test inside a module; its questions come from the course's bank (slots)."""

    __tablename__ = "quizzes"
    item_kind: ClassVar[str] = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"),
                                           index=True)
    #: Position among the module's lessons and quizzes.
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    intro: Mapped[str] = mapped_column(Text, default="")
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    questions_per_page: Mapped[int] = mapped_column(default=5)
    #: None: no time limit.
    time_limit_minutes: Mapped[int | None] = mapped_column()
    #: None: as many attempts as the learner wants.
    max_attempts: Mapped[int | None] = mapped_column()
    #: How the attempts make the quiz grade: highest, average, first or last.
    grading: Mapped[str] = mapped_column(String(10), default="highest")
    #: Percent of the marks needed to pass.
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(60))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_score: Mapped[ReviewWhen] = mapped_column(_review, default=ReviewWhen.after_attempt)
    review_answers: Mapped[ReviewWhen] = mapped_column(_review, default=ReviewWhen.after_close)
    review_feedback: Mapped[ReviewWhen] = mapped_column(_review,
                                                        default=ReviewWhen.after_attempt)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship(back_populates="quizzes", lazy="joined")
    slots: Mapped[list[QuizSlot]] = relationship(order_by="QuizSlot.position", lazy="selectin",
                                                 cascade="all, delete-orphan")


class QuizSlot(Model):
    """One place in a quiz: a fixed question, or *count* random questions of a category."""

    __tablename__ = "quiz_slots"
    __table_args__ = (CheckConstraint("(question_id IS NULL) != (category_id IS NULL)",
                                      name="question_or_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(default=1)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_categories.id", ondelete="CASCADE"), index=True)
    count: Mapped[int] = mapped_column(default=1)

    question: Mapped[Question | None] = relationship(lazy="joined")
    category: Mapped[QuestionCategory | None] = relationship(lazy="joined")


class AttemptState(StrEnum):
    open = auto()
    finished = auto()


class Attempt(Model):
    """A learner's attempt at a quiz. Its questions, their order and their content are fixed
    when it starts (``layout``), so later edits of the bank do not change it."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 ... per learner and quiz.
    number: Mapped[int] = mapped_column(default=1)
    #: A manager trying the quiz out: not counted in reports or completion.
    preview: Mapped[bool] = mapped_column(default=False)
    state: Mapped[AttemptState] = mapped_column(
        Enum(AttemptState, native_enum=False, length=10, validate_strings=True),
        default=AttemptState.open)
    #: "quiz:user" while open, NULL once finished: UNIQUE, so a learner has one open attempt.
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Start + time limit, not later than the quiz's close; None: no deadline.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: [{"id": question id, "data": question with key, "public": what the page shows}]
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: question id (as text) -> raw response, as the question's form posts it.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Number of the last accepted save; a save must bring a larger one.
    seq: Mapped[int] = mapped_column(default=0)
    #: 0..1 once finished; marks: question id (as text) -> 0..1.
    score: Mapped[float | None] = mapped_column()
    marks: Mapped[dict[str, float] | None] = mapped_column(JSON)
    #: Some answers came after the deadline and its grace, and were not graded.
    late: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    quiz: Mapped[Quiz] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.open


class EnrolmentSource(StrEnum):
    self = auto()
    assigned = auto()


class Enrolment(Model):
    """A learner on a course: by their own choice or assigned (with a due date)."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[EnrolmentSource] = mapped_column(
        Enum(EnrolmentSource, native_enum=False, length=10, validate_strings=True))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    #: Start of the current round: lessons done and attempts before it do not count (a learner
    #: re-enrolled before their certificate expires starts a new round).
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the current round began when it was not the learner's choice ("renewal").
    note: Mapped[str] = mapped_column(String(40), default="")

    course: Mapped[Course] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class LessonDone(Model):
    __tablename__ = "lessons_done"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(Model):
    """Proof that a learner completed a course; what it says is copied when it is issued."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public, unguessable code printed on the certificate and in its QR code.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id",
                                                                ondelete="SET NULL"))
    #: "enrolment id:round start": UNIQUE, so one round of a course gives one certificate
    #: even when its last lesson and its last quiz finish at the same moment.
    round_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    learner_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(300))
    course_language: Mapped[str] = mapped_column(String(5))
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")

    course: Mapped[Course] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    @property
    def status(self) -> str:
        """valid, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "valid"
