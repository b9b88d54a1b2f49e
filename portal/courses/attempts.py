"""Quiz attempts, decided on the server.

Starting fixes the questions, their order, their content and the deadline; saves must carry a
growing sequence number; finishing grades once. The browser only ever sees each question's
``public()`` form: the answer key stays in ``Attempt.layout`` until a review allows it.
Services flush, never commit.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from portal.content import audit
from portal.courses import questions, stats
from portal.courses.models import (
    Attempt,
    AttemptState,
    Question,
    Quiz,
    ReviewWhen,
)
from portal.courses.questions import FormValues, Grade, InvalidResponse, QuestionData
from portal.database import utcnow
from portal.extensions import db

#: Answers arriving this long after the deadline still count (a slow network, a busy server).
DEFAULT_GRACE = timedelta(seconds=30)


class AttemptRefused(Exception):
    """The learner may not start (or continue) an attempt now; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StaleSave(Exception):
    """A save whose sequence number is not newer than the last accepted one (replayed or late)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the attempt is already at save {current}")
        self.current = current


class TooLate(Exception):
    """Answers sent after the deadline and its grace: not saved, not graded."""


def open_key(quiz: Quiz, user_id: int) -> str:
    return f"{quiz.id}:{user_id}"


def draw(quiz: Quiz, rng: random.Random) -> list[Question]:
    """The questions of a new attempt: the fixed ones, then N random ones per category slot,
    never the same question twice; shuffled when the quiz says so."""
    picked: list[Question] = []
    seen: set[int] = set()
    for slot in quiz.slots:
        if slot.question is not None:
            pool = [slot.question]
            count = 1
        else:
            pool = list(db.session.scalars(select(Question).where(
                Question.category_id == slot.category_id).order_by(Question.id)))
            count = slot.count
        pool = [q for q in pool if q.id not in seen]
        chosen = pool if slot.question is not None else rng.sample(pool, min(count, len(pool)))
        picked += chosen
        seen.update(q.id for q in chosen)
    if quiz.shuffle_questions:
        rng.shuffle(picked)
    return picked


def attempts_of(quiz: Quiz, user_id: int, *, since: datetime | None = None,
                preview: bool = False) -> list[Attempt]:
    """The learner's attempts at the quiz in the order they started."""
    query = select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id,
                                  Attempt.preview.is_(preview))
    if since is not None:
        query = query.where(Attempt.started_at >= since)
    return list(db.session.scalars(query.order_by(Attempt.number)))


def open_attempt(quiz: Quiz, user_id: int) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.open_key == open_key(quiz, user_id)))


def window_problem(quiz: Quiz, now: datetime) -> str | None:
    """Why the quiz cannot be taken at *now* ("not_open_yet", "closed"), or None."""
    if quiz.opens_at is not None and now < quiz.opens_at:
        return "not_open_yet"
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return "closed"
    return None


def attempts_left(quiz: Quiz, user_id: int, *, since: datetime | None = None) -> int | None:
    """How many more attempts the learner may start; None: no limit."""
    if quiz.max_attempts is None:
        return None
    return max(0, quiz.max_attempts - len(attempts_of(quiz, user_id, since=since)))


def start(quiz: Quiz, user_id: int, *, preview: bool = False, since: datetime | None = None,
          now: datetime | None = None, rng: random.Random | None = None) -> Attempt:
    """The learner's open attempt, or a new one with its questions fixed.

    Raises :class:`AttemptRefused`. Two starts at once: the UNIQUE ``open_key`` lets one
    through; the caller rolls back the other and continues the open attempt.
    """
    now = now or utcnow()
    current = open_attempt(quiz, user_id)
    if current is not None:
        return current
    problem = window_problem(quiz, now)
    if problem is None and not preview and attempts_left(quiz, user_id, since=since) == 0:
        problem = "no_attempts_left"
    if problem is not None:
        raise AttemptRefused(problem)
    rng = rng or random.SystemRandom()
    drawn = draw(quiz, rng)
    if not drawn:
        raise AttemptRefused("no_questions")
    choice_rng = rng if quiz.shuffle_choices else None
    layout = [{"id": q.id, "data": q.data,
               "public": questions.question_type(q.kind).public(q.content, choice_rng)}
              for q in drawn]
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at is not None:
        deadline = min(deadline or quiz.closes_at, quiz.closes_at)
    number = (db.session.scalar(select(func.max(Attempt.number)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user_id)) or 0) + 1
    attempt = Attempt(quiz_id=quiz.id, user_id=user_id, number=number, preview=preview,
                      state=AttemptState.open, open_key=open_key(quiz, user_id),
                      started_at=now, deadline=deadline, layout=layout, answers={}, seq=0)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def is_overdue(attempt: Attempt, now: datetime, grace: timedelta = DEFAULT_GRACE) -> bool:
    """Past its deadline and the grace: nothing more may be saved."""
    return attempt.deadline is not None and now > attempt.deadline + grace


def question_of(attempt: Attempt, question_id: int) -> QuestionData:
    for entry in attempt.layout:
        if entry["id"] == question_id:
            return questions.from_json(entry["data"])
    raise InvalidResponse("a question that is not in this attempt")


def read_answers(attempt: Attempt, values: FormValues) -> dict[int, Any]:
    """The answers posted for the questions listed in the form's ``q`` fields.

    A listed question left empty maps to None (the learner cleared it). Raises
    InvalidResponse for a question not in the attempt or a choice of another question.
    """
    found: dict[int, Any] = {}
    for raw_id in values("q"):
        if not (raw_id.isascii() and raw_id.isdecimal()) or len(raw_id) > 10:
            raise InvalidResponse("not a question id")
        question_id = int(raw_id)
        q = question_of(attempt, question_id)
        found[question_id] = questions.question_type(q.kind).read_form(
            q, values, f"a-{question_id}", str(question_id))
    return found


def save(attempt: Attempt, seq: int, answers: Mapping[int, Any], *,
         now: datetime | None = None, grace: timedelta = DEFAULT_GRACE) -> None:
    """Keep *answers* (question id -> raw response, None clears it) as save number *seq*."""
    now = now or utcnow()
    if not attempt.is_open:
        raise AttemptRefused("finished")
    if is_overdue(attempt, now, grace):
        raise TooLate()
    if seq <= attempt.seq:
        raise StaleSave(attempt.seq)
    kept = dict(attempt.answers)
    for question_id, raw in answers.items():
        q = question_of(attempt, question_id)
        if raw is None:
            kept.pop(str(question_id), None)
            continue
        questions.question_type(q.kind).accept(q, raw)
        kept[str(question_id)] = raw
    attempt.answers = kept  # a new dict: JSON columns see reassignment, not mutation
    attempt.seq = seq


def model_answers(attempt: Attempt) -> dict[int, Any]:
    """Question id -> each question's model response: every answer right (demo learners)."""
    answers = {}
    for entry in attempt.layout:
        q = questions.from_json(entry["data"])
        answers[entry["id"]] = questions.question_type(q.kind).model_response(q)
    return answers


def grades(attempt: Attempt) -> dict[int, Grade]:
    return {entry["id"]: questions.grade_saved(questions.from_json(entry["data"]),
                                               attempt.answers.get(str(entry["id"])))
            for entry in attempt.layout}


def finish(attempt: Attempt, *, late: bool = False, now: datetime | None = None) -> None:
    """Grade and close the attempt. The row's version makes a second, parallel finish fail
    at flush (StaleDataError) instead of grading twice."""
    if not attempt.is_open:
        return
    marks = {str(qid): g.fraction for qid, g in grades(attempt).items()}
    attempt.marks = marks
    attempt.score = sum(marks.values()) / len(marks) if marks else 0.0
    attempt.state = AttemptState.finished
    attempt.finished_at = now or utcnow()
    attempt.open_key = None
    attempt.late = attempt.late or late
    db.session.flush()
    audit.log("quiz.finish", "quiz", attempt.quiz_id, attempt.user_id,
              label=attempt.quiz.title, detail=f"attempt {attempt.number}")


def close_if_overdue(attempt: Attempt, *, now: datetime | None = None,
                     grace: timedelta = DEFAULT_GRACE) -> bool:
    """Finish an open attempt whose time is over, with the answers saved in time."""
    now = now or utcnow()
    if attempt.is_open and is_overdue(attempt, now, grace):
        finish(attempt, now=now)
        return True
    return False


def quiz_grade(quiz: Quiz, attempts: list[Attempt]) -> float | None:
    """The quiz's grade from the finished attempts, by its grading method (0..1)."""
    scores = [a.score for a in attempts if not a.is_open and a.score is not None]
    return stats.overall(stats.GradingMethod(quiz.grading), scores)


def passed(quiz: Quiz, grade: float | None) -> bool:
    return grade is not None and Decimal(str(round(grade * 100, 4))) >= quiz.pass_mark


def review_allows(quiz: Quiz, when: ReviewWhen, attempt: Attempt,
                  now: datetime | None = None) -> bool:
    """May the learner see this part of the review of a finished attempt now?"""
    if attempt.is_open or when == ReviewWhen.never:
        return False
    if when == ReviewWhen.after_attempt:
        return True
    now = now or utcnow()
    return quiz.closes_at is not None and now >= quiz.closes_at
