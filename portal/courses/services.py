"""Writes of the courses domain: plain arguments and an actor; they flush, the caller commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from portal.content import audit, revisions
from portal.content.slugs import unique_slug
from portal.content.topics import Topic
from portal.content.workflow import State
from portal.courses import gift
from portal.courses.models import (
    Course,
    CourseAudience,
    Lesson,
    Module,
    Question,
    QuestionCategory,
)
from portal.courses.questions import QuestionData, to_json
from portal.extensions import db


@dataclass
class CourseInput:
    title: str
    summary: str = ""
    description: str = ""
    topics: tuple[str, ...] = ()
    audience: str = CourseAudience.inspectors.value
    language: str = "uz"
    credit_hours: Decimal = Decimal(0)


def create_course(data: CourseInput, actor_id: int | None, *,
                  form_key: str | None = None) -> Course:
    """Create a draft course and its first revision."""
    course = Course(slug=unique_slug(Course, data.title), author_id=actor_id, state=State.draft,
                    form_key=form_key, translation_group=str(uuid.uuid4()),
                    title=data.title.strip(), summary=data.summary.strip(),
                    description=data.description.strip(),
                    audience=CourseAudience(data.audience), language=data.language,
                    credit_hours=data.credit_hours)
    course.topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(data.topics))))
    db.session.add(course)
    db.session.flush()
    audit.log("course.create", "course", course.id, actor_id, label=course.title)
    revisions.record(course, actor_id, comment="created")
    return course


def may_manage(course: Course, user: Any) -> bool:
    """Trainers and editors of courses, and the course's own author while they still are."""
    if not user.is_authenticated:
        return False
    if user.can("course.edit") or user.can("course.publish"):
        return True
    return course.author_id == user.id and user.can("course.create")


def can_view(course: Course, user: Any) -> bool:
    if may_manage(course, user):
        return True
    if not course.is_live:
        return False
    return course.audience == CourseAudience.everyone or bool(
        user.is_authenticated and user.can("course.view_restricted"))


def listing(user: Any) -> Select[Course]:
    """Live courses the user may see, newest first."""
    query = select(Course).where(Course.live_clause())
    if not (user.is_authenticated and user.can("course.view_restricted")):
        query = query.where(Course.audience == CourseAudience.everyone)
    return query.order_by(Course.published_at.desc(), Course.id.desc())


def by_slug(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def category(course: Course, name: str) -> QuestionCategory | None:
    """The bank's category called *name*, created when missing; None for no category."""
    name = name.strip()[:255]
    if not name:
        return None
    found = db.session.scalar(select(QuestionCategory).where(
        QuestionCategory.course_id == course.id, QuestionCategory.name == name))
    if found is None:
        found = QuestionCategory(course_id=course.id, name=name)
        db.session.add(found)
        db.session.flush()
    return found


def add_question(course: Course, q: QuestionData, actor_id: int | None) -> Question:
    row = Question(course_id=course.id, category=category(course, q.category), kind=q.kind,
                   name=q.name[:255], data=to_json(q), created_by_id=actor_id)
    db.session.add(row)
    return row


def import_gift(course: Course, text: str, actor_id: int | None) -> list[Question]:
    """Add every question of a GIFT file to the course's bank, or none of them.

    Raises :class:`gift.GiftError` (listing every problem with its line) before writing.
    """
    parsed = gift.parse(text)
    rows = [add_question(course, q, actor_id) for q in parsed]
    db.session.flush()
    audit.log("course.import_gift", "course", course.id, actor_id, label=course.title,
              detail=f"{len(rows)} questions")
    return rows


def bank(course: Course) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.course_id == course.id)
                                   .order_by(Question.category_id, Question.id)))


def export_gift(course: Course) -> str:
    return gift.dump(q.content for q in bank(course))


def _next_position(model: Any, parent: Any, parent_id: int) -> int:
    last = db.session.scalar(select(func.max(model.position)).where(parent == parent_id))
    return (last or 0) + 1


def add_module(course: Course, title: str, actor_id: int | None) -> Module:
    module = Module(course_id=course.id, title=title.strip(),
                    position=_next_position(Module, Module.course_id, course.id))
    db.session.add(module)
    db.session.flush()
    audit.log("course.module_add", "course", course.id, actor_id, label=course.title,
              detail=module.title[:200])
    return module


def add_lesson(module: Module, title: str, body: str, minutes: int,
               actor_id: int | None) -> Lesson:
    lesson = Lesson(module_id=module.id, title=title.strip(), body=body.replace("\r\n", "\n"),
                    minutes=minutes,
                    position=_next_position(Lesson, Lesson.module_id, module.id))
    db.session.add(lesson)
    db.session.flush()
    audit.log("course.lesson_add", "course", module.course_id, actor_id, label=lesson.title)
    return lesson


def update_lesson(lesson: Lesson, title: str, body: str, minutes: int,
                  actor_id: int | None) -> None:
    lesson.title, lesson.body, lesson.minutes = title.strip(), body.replace("\r\n", "\n"), minutes
    audit.log("course.lesson_edit", "course", lesson.module.course_id, actor_id,
              label=lesson.title)


def move(item: Module | Lesson, siblings: list[Any], direction: str) -> bool:
    """Swap *item* with its neighbour up or down among *siblings*; False at either end."""
    index = siblings.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    neighbour = siblings[other]
    item.position, neighbour.position = neighbour.position, item.position
    return True


def lesson_sequence(course: Course) -> list[Lesson]:
    """Every lesson of the course in reading order, for next / previous links."""
    return [lesson for module in course.modules for lesson in module.lessons]
