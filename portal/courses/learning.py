"""Learners on courses: enrolment, progress, completion and certificates.

A learner works through an enrolment's *round* (from ``Enrolment.started_at``): the lessons
done and the quizzes passed in it count. Completing a round issues one certificate; re-enrolling
before a certificate expires starts a new round. Services flush, never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Unit, User, UserRole
from portal.accounts.permissions import Role
from portal.content import audit
from portal.courses import attempts
from portal.courses.models import (
    Attempt,
    Certificate,
    Course,
    Enrolment,
    EnrolmentSource,
    Lesson,
    LessonDone,
    Quiz,
)
from portal.database import utcnow
from portal.extensions import db

#: Letters and digits that cannot be mistaken for each other when read aloud or typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def enrolment_of(course: Course, user_id: int) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                     Enrolment.user_id == user_id))


def _enrol(course: Course, user_id: int, source: EnrolmentSource, *,
           due_on: date | None = None, actor_id: int | None = None) -> tuple[Enrolment, bool]:
    """The user's enrolment, created when missing (a parallel duplicate is caught by the
    UNIQUE constraint inside a savepoint). Returns it and whether it is new."""
    found = enrolment_of(course, user_id)
    if found is not None:
        return found, False
    enrolment = Enrolment(course_id=course.id, user_id=user_id, source=source, due_on=due_on,
                          assigned_by_id=actor_id if source == EnrolmentSource.assigned else None)
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        found = enrolment_of(course, user_id)
        assert found is not None
        return found, False
    return enrolment, True


def enrol_self(course: Course, user_id: int) -> Enrolment:
    enrolment, new = _enrol(course, user_id, EnrolmentSource.self)
    if new:
        audit.log("course.enrol", "course", course.id, user_id, label=course.title)
    return enrolment


def assign(course: Course, user_ids: list[int], due_on: date | None,
           actor_id: int | None) -> int:
    """Assign the course to learners with a due date; returns how many were assigned or had
    their due date changed. A learner who enrolled themselves keeps their progress."""
    changed = 0
    for user_id in sorted(set(user_ids)):
        enrolment, new = _enrol(course, user_id, EnrolmentSource.assigned, due_on=due_on,
                                actor_id=actor_id)
        if new or enrolment.due_on != due_on or enrolment.source != EnrolmentSource.assigned:
            enrolment.source = EnrolmentSource.assigned
            enrolment.due_on = due_on
            enrolment.assigned_by_id = actor_id
            changed += 1
    db.session.flush()
    audit.log("course.assign", "course", course.id, actor_id, label=course.title,
              detail=f"{changed} learners, due {due_on or '-'}")
    return changed


def inspectors(unit_id: int | None = None) -> list[User]:
    """Active inspectors (of one unit), by name: who a course can be assigned to."""
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.inspector.value, User.active.is_(True)))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.region, Unit.district)))


def quizzes(course: Course) -> list[Quiz]:
    return [quiz for module in course.modules for quiz in module.quizzes]


def lessons(course: Course) -> list[Lesson]:
    return [lesson for module in course.modules for lesson in module.lessons]


def is_done(lesson: Lesson, user_id: int) -> bool:
    return db.session.scalar(select(LessonDone.id).where(
        LessonDone.lesson_id == lesson.id, LessonDone.user_id == user_id)) is not None


def mark_done(lesson: Lesson, user_id: int) -> bool:
    """Record that the learner finished reading the lesson; False when it already was."""
    if is_done(lesson, user_id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(LessonDone(lesson_id=lesson.id, user_id=user_id))
    except IntegrityError:  # the same click twice at once
        return False
    return True


@dataclass(frozen=True)
class QuizResult:
    quiz: Quiz
    grade: float | None
    passed: bool
    #: The learner's attempts in the round, the grade's source.
    tried: list[Attempt]


@dataclass(frozen=True)
class Progress:
    lessons_done: set[int]
    quiz_results: list[QuizResult]
    total: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def best_score(self) -> float | None:
        grades = [r.grade for r in self.quiz_results if r.grade is not None]
        return max(grades) if grades else None


def progress(course: Course, user_id: int, since: datetime | None) -> Progress:
    """What the learner has done of the course in the round that began at *since*."""
    lesson_ids = [lesson.id for lesson in lessons(course)]
    query = select(LessonDone.lesson_id).where(LessonDone.user_id == user_id,
                                               LessonDone.lesson_id.in_(lesson_ids))
    if since is not None:
        query = query.where(LessonDone.done_at >= since)
    done_lessons = set(db.session.scalars(query))
    results = []
    for quiz in quizzes(course):
        tried = attempts.attempts_of(quiz, user_id, since=since)
        grade = attempts.quiz_grade(quiz, tried)
        results.append(QuizResult(quiz, grade, attempts.passed(quiz, grade), tried))
    total = len(lesson_ids) + len(results)
    done = len(done_lessons) + sum(1 for r in results if r.passed)
    return Progress(done_lessons, results, total, done)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day *months* later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def check_completion(enrolment: Enrolment, now: datetime | None = None) -> Certificate | None:
    """Complete the round and issue its certificate when every lesson is done and every quiz
    passed; the new certificate, or None."""
    if enrolment.completed_at is not None:
        return None
    course = enrolment.course
    if not progress(course, enrolment.user_id, enrolment.started_at).complete:
        return None
    now = now or utcnow()
    round_key = f"{enrolment.id}:{enrolment.started_at.isoformat()}"
    if db.session.scalar(select(Certificate.id).where(Certificate.round_key == round_key)):
        return None
    enrolment.completed_at = now
    certificate = Certificate(
        code=new_code(), course_id=course.id, user_id=enrolment.user_id,
        enrolment_id=enrolment.id, round_key=round_key, learner_name=enrolment.user.name,
        course_title=course.title, course_language=course.language,
        credit_hours=course.credit_hours, issued_at=now,
        expires_at=(add_months(now, course.certificate_valid_months)
                    if course.certificate_valid_months else None))
    db.session.add(certificate)
    db.session.flush()
    audit.log("certificate.issue", "certificate", certificate.id, enrolment.user_id,
              label=course.title, detail=certificate.code)
    return certificate


def certificate_by_code(code: str) -> Certificate | None:
    cleaned = code.strip().upper()
    if len(cleaned) > 20:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == cleaned))


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc())))


def revoke(certificate: Certificate, reason: str, actor_id: int | None) -> None:
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor_id
    certificate.revoke_reason = reason.strip()[:500]
    audit.log("certificate.revoke", "certificate", certificate.id, actor_id,
              label=certificate.course_title, detail=certificate.code)


def renew_expiring(within: timedelta, now: datetime | None = None) -> list[Enrolment]:
    """Start a new round for every learner whose valid certificate expires within *within*
    and who has not started one since: due when the certificate expires."""
    now = now or utcnow()
    renewed = []
    expiring = db.session.scalars(select(Certificate).where(
        Certificate.revoked_at.is_(None), Certificate.expires_at.is_not(None),
        Certificate.expires_at <= now + within))
    for certificate in expiring:
        enrolment = enrolment_of(certificate.course, certificate.user_id)
        if enrolment is None or enrolment.completed_at is None \
                or enrolment.started_at > certificate.issued_at:
            continue
        assert certificate.expires_at is not None
        enrolment.started_at = now
        enrolment.completed_at = None
        enrolment.due_on = certificate.expires_at.date()
        enrolment.note = "renewal"
        renewed.append(enrolment)
        audit.log("course.renew", "course", certificate.course_id, None,
                  label=certificate.course_title, detail=f"user {certificate.user_id}")
    db.session.flush()
    return renewed


def my_enrolments(user_id: int) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user_id)
        .order_by(Enrolment.completed_at.is_not(None), Enrolment.due_on.is_(None),
                  Enrolment.due_on, Enrolment.id)))


def is_overdue(enrolment: Enrolment, today: date) -> bool:
    return (enrolment.completed_at is None and enrolment.due_on is not None
            and enrolment.due_on < today)


def learners(course: Course) -> list[Enrolment]:
    return list(db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id)
                                   .order_by(Enrolment.id)))


def enrolments_for(course: Course, users: list[Any]) -> dict[int, Enrolment]:
    ids = [u.id for u in users]
    return {e.user_id: e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.user_id.in_(ids)))}


# Rows of My learning and of a course's report (shared by the pages and the API) ---------

@dataclass(frozen=True)
class LearnerRow:
    """One enrolment with its progress and status: a line of My learning or of a report."""

    enrolment: Enrolment
    progress: Progress
    status: str

    @property
    def user(self) -> User:
        return self.enrolment.user

    @property
    def best(self) -> float | None:
        return self.progress.best_score


def learner_rows(enrolments: list[Enrolment]) -> list[LearnerRow]:
    today = date.today()
    rows = []
    for enrolment in enrolments:
        done = progress(enrolment.course, enrolment.user_id, enrolment.started_at)
        rows.append(LearnerRow(enrolment, done, status_of(enrolment, done, today)))
    return rows


def status_of(enrolment: Enrolment, done: Progress, today: date) -> str:
    if enrolment.completed_at is not None:
        return "completed"
    if is_overdue(enrolment, today):
        return "overdue"
    return "in_progress" if done.done else "not_started"
