"""Authoring quizzes: their settings and which bank questions they draw. Services flush only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from portal.content import audit
from portal.courses import services
from portal.courses.models import (
    Course,
    Module,
    Question,
    QuestionCategory,
    Quiz,
    QuizSlot,
    ReviewWhen,
)
from portal.extensions import db


@dataclass
class QuizSettings:
    """Everything a trainer sets on a quiz besides its title, intro and questions."""

    shuffle_questions: bool = False
    shuffle_choices: bool = True
    questions_per_page: int = 5
    time_limit_minutes: int | None = None
    max_attempts: int | None = None
    grading: str = "highest"
    pass_mark: Decimal = Decimal(60)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    review_score: ReviewWhen = ReviewWhen.after_attempt
    review_answers: ReviewWhen = ReviewWhen.after_close
    review_feedback: ReviewWhen = ReviewWhen.after_attempt

    @classmethod
    def of(cls, quiz: Quiz) -> QuizSettings:
        return cls(**{f.name: getattr(quiz, f.name) for f in fields(cls)})

    def apply(self, quiz: Quiz) -> None:
        for f in fields(self):
            setattr(quiz, f.name, getattr(self, f.name))


#: Settings that "apply to every quiz of the course" copies (dates stay per quiz).
SHARED_SETTINGS = ("shuffle_questions", "shuffle_choices", "questions_per_page",
                   "time_limit_minutes", "max_attempts", "grading", "pass_mark",
                   "review_score", "review_answers", "review_feedback")


def create_quiz(module: Module, title: str, intro: str, settings: QuizSettings,
                actor_id: int | None) -> Quiz:
    quiz = Quiz(module_id=module.id, title=title.strip(), intro=intro.replace("\r\n", "\n"),
                position=services.next_item_position(module))
    settings.apply(quiz)
    db.session.add(quiz)
    db.session.flush()
    audit.log("course.quiz_add", "course", module.course_id, actor_id, label=quiz.title)
    return quiz


def update_quiz(quiz: Quiz, title: str, intro: str, settings: QuizSettings,
                actor_id: int | None, *, everywhere: bool = False) -> int:
    """Save the quiz; with *everywhere*, copy the shared settings to every quiz of the course.
    Returns how many other quizzes changed."""
    quiz.title, quiz.intro = title.strip(), intro.replace("\r\n", "\n")
    settings.apply(quiz)
    others = 0
    if everywhere:
        course_id = quiz.module.course_id
        siblings = db.session.scalars(select(Quiz).join(Module).where(
            Module.course_id == course_id, Quiz.id != quiz.id))
        for other in siblings:
            for name in SHARED_SETTINGS:
                setattr(other, name, getattr(settings, name))
            others += 1
    audit.log("course.quiz_edit", "course", quiz.module.course_id, actor_id, label=quiz.title,
              detail=f"also {others} other quizzes" if others else "")
    return others


def categories(course: Course) -> list[tuple[QuestionCategory | None, list[Question]]]:
    """The course's bank by category (uncategorised last), each with its questions."""
    rows = db.session.scalars(select(Question).where(Question.course_id == course.id)
                              .order_by(Question.id))
    grouped: dict[int | None, list[Question]] = {}
    named: dict[int | None, QuestionCategory | None] = {None: None}
    for q in rows:
        grouped.setdefault(q.category_id, []).append(q)
        named[q.category_id] = q.category
    def name(key: int | None) -> str:
        found = named[key]
        return found.name if found is not None else ""

    order = sorted((k for k in grouped if k is not None), key=name)
    return [(named[k], grouped[k]) for k in [*order, *([None] if None in grouped else [])]]


def set_questions(quiz: Quiz, course: Course, fixed: list[int],
                  random_counts: Mapping[int, int]) -> None:
    """Rebuild the quiz's slots: the *fixed* questions in bank order, then N random questions
    per category. Ids of another course's bank are ignored (the form offers only this one's)."""
    bank = {q.id: q for _, qs in categories(course) for q in qs}
    cats = {c.id for c, _ in categories(course) if c is not None}
    quiz.slots.clear()
    db.session.flush()
    position = 0
    for question_id in sorted(set(fixed) & bank.keys()):
        position += 1
        quiz.slots.append(QuizSlot(position=position, question_id=question_id))
    for category_id, count in sorted(random_counts.items()):
        if category_id in cats and count > 0:
            position += 1
            quiz.slots.append(QuizSlot(position=position, category_id=category_id, count=count))
    db.session.flush()


def question_count(quiz: Quiz) -> int:
    """How many questions an attempt will have (at most: a category may hold fewer)."""
    return sum(1 if slot.question_id else slot.count for slot in quiz.slots)
