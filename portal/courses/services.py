"""Writes of the courses domain: plain arguments and an actor; they flush, the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from werkzeug.datastructures import FileStorage

from portal.content import attachments, audit, revisions
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
    Quiz,
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
    #: Months a certificate of the course stays valid; None: it does not expire.
    certificate_valid_months: int | None = None


#: Attachment item types: a course's cover image, and the files of a lesson.
COVER = "course-cover"
LESSON_FILES = "lesson"


def _apply(course: Course, data: CourseInput) -> None:
    course.title = data.title.strip()
    course.summary = data.summary.replace("\r\n", "\n").strip()
    course.description = data.description.replace("\r\n", "\n").strip()
    course.audience = CourseAudience(data.audience)
    course.language = data.language
    # The spelling the column gives back ("12.5", "0.0", never "12.50" or "0"), so revisions
    # taken before and after a reload compare equal and an unchanged form changes nothing.
    course.credit_hours = Decimal(data.credit_hours).quantize(Decimal("0.1"))
    course.certificate_valid_months = data.certificate_valid_months
    course.topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(data.topics))))


def create_course(data: CourseInput, actor_id: int | None, *, form_key: str | None = None,
                  translation_group: str | None = None) -> Course:
    """Create a draft course and its first revision (a translation joins *translation_group*)."""
    course = Course(slug=unique_slug(Course, data.title), author_id=actor_id, state=State.draft,
                    form_key=form_key, translation_group=translation_group or str(uuid.uuid4()))
    _apply(course, data)
    revisions.record_created(course, actor_id)
    return course


def update_course(course: Course, data: CourseInput, actor_id: int | None,
                  comment: str = "") -> revisions.Revision | None:
    """Save the course's new text; a save that changes nothing keeps no revision.

    The caller compares the form's version first; a write racing another one fails at flush
    (the ``version`` column), never overwrites it silently.
    """
    before = course.revision_snapshot()  # topics included (TopicsRevisioned)
    _apply(course, data)
    return revisions.record_edit(course, before, actor_id, comment)


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


def translations(course: Course, user: Any) -> list[Course]:
    """The other language versions of *course* that *user* may see."""
    others = db.session.scalars(select(Course).where(
        Course.translation_group == course.translation_group, Course.id != course.id
    ).order_by(Course.language))
    return [c for c in others if can_view(c, user)]


def translation_in(course: Course, language: str) -> Course | None:
    """The course's other version in *language*, whatever its state."""
    return db.session.scalar(select(Course).where(
        Course.translation_group == course.translation_group,
        Course.language == language, Course.id != (course.id or 0)))


# Files: the cover image and lesson attachments ---------------------------------------------------


def may_see_cover(course_id: int, user: Any) -> bool:
    """Whoever may see the course may see its cover."""
    course = db.session.get(Course, course_id)
    return course is not None and can_view(course, user)


def may_see_lesson_file(lesson_id: int, user: Any) -> bool:
    """Whoever may see the lesson's course may download the lesson's files."""
    lesson = db.session.get(Lesson, lesson_id)
    return lesson is not None and may_see_cover(lesson.module.course_id, user)


def cover_of(course: Course) -> attachments.Attachment | None:
    found = attachments.for_item(COVER, course.id)
    return found[-1] if found else None


def covers_for(course_ids: Iterable[int]) -> dict[int, attachments.Attachment]:
    """Cover images by course id, for a page of the catalogue (one query)."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(attachments.Attachment).where(
        attachments.Attachment.item_type == COVER, attachments.Attachment.item_id.in_(ids)
    ).order_by(attachments.Attachment.id))
    return {row.item_id: row for row in rows}  # the newest wins


def set_cover(course: Course, upload: FileStorage,
              actor_id: int | None) -> list[attachments.Attachment]:
    """Store *upload* (PNG or JPG) as the course's cover in place of the old one.

    Returns the replaced attachments, whose files the caller removes after its commit. Raises
    :class:`attachments.AttachmentError` for a refused file, having written nothing.
    """
    head = upload.stream.read(16)
    upload.stream.seek(0)
    kind = attachments.sniff(head)
    # An empty or too large file is left to save_upload, which says so in the shared words.
    if head and (kind is None or not kind[0].startswith("image/")):
        raise attachments.AttachmentError(_l("A cover must be a JPG or PNG image."))
    old = attachments.for_item(COVER, course.id)
    attachments.save_upload(upload, COVER, course.id, actor_id)
    for attachment in old:
        attachments.remove(attachment, actor_id)
    db.session.flush()
    return old


def remove_cover(course: Course, actor_id: int | None) -> list[attachments.Attachment]:
    """Drop the course's cover; returns the attachments whose files go after the commit."""
    old = attachments.for_item(COVER, course.id)
    for attachment in old:
        attachments.remove(attachment, actor_id)
    db.session.flush()
    return old


def lesson_files(lesson: Lesson) -> list[attachments.Attachment]:
    return attachments.for_item(LESSON_FILES, lesson.id)


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


class OneQuestionError(ValueError):
    """GIFT text for one question that holds none or several; the message is for the user."""


def parse_one(text: str) -> QuestionData:
    """The one question GIFT *text* holds.

    Raises :class:`gift.GiftError` (problems with their lines) or :class:`OneQuestionError`.
    """
    parsed = gift.parse(text)
    if not parsed:
        raise OneQuestionError(_l("Write one question: the text holds none."))
    if len(parsed) > 1:
        raise OneQuestionError(_l("Write one question: the text holds %(n)s. Add the others "
                                  "one by one or import them as a file.", n=len(parsed)))
    return parsed[0]


def _question_label(q: QuestionData) -> str:
    return (q.name or q.text)[:200]


def create_question(course: Course, q: QuestionData, actor_id: int | None) -> Question:
    """Add one question written on the bank page."""
    row = add_question(course, q, actor_id)
    db.session.flush()
    audit.log("course.question_add", "course", course.id, actor_id, label=course.title,
              detail=_question_label(q))
    return row


def update_question(course: Course, row: Question, q: QuestionData,
                    actor_id: int | None) -> bool:
    """Replace the question with *q* (its category included); False when nothing changed."""
    if to_json(q) == row.data and (row.category.name if row.category else "") == q.category:
        return False
    row.category = category(course, q.category)
    row.kind, row.name, row.data = q.kind, q.name[:255], to_json(q)
    db.session.flush()
    audit.log("course.question_edit", "course", course.id, actor_id, label=course.title,
              detail=_question_label(q))
    return True


def delete_question(row: Question, actor_id: int | None) -> None:
    """Delete the question from the bank.

    Attempts keep their own copy of it; a quiz slot that named it goes with it (ON DELETE
    CASCADE), so the quiz has one question fewer.
    """
    audit.log("course.question_delete", "course", row.course_id, actor_id,
              detail=_question_label(row.content))
    db.session.delete(row)
    db.session.flush()


def question_of(course: Course, question_id: int) -> Question | None:
    """The bank's question *question_id*; None for another course's question."""
    return db.session.scalar(select(Question).where(Question.id == question_id,
                                                    Question.course_id == course.id))


def categories(course: Course) -> list[QuestionCategory]:
    return list(db.session.scalars(select(QuestionCategory).where(
        QuestionCategory.course_id == course.id).order_by(QuestionCategory.name)))


@dataclass
class BankGroup:
    """The questions of one category of a bank; *category* None for those without one."""

    category: QuestionCategory | None
    questions: list[Question] = field(default_factory=list)


def bank_groups(course: Course) -> list[BankGroup]:
    """Every category of the bank by name (empty ones too), then questions without one."""
    groups = {c.id: BankGroup(c) for c in categories(course)}
    loose = BankGroup(None)
    for q in bank(course):
        groups.get(q.category_id or 0, loose).questions.append(q)
    return [*groups.values(), *([loose] if loose.questions else [])]


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


def next_item_position(module: Module) -> int:
    """After the module's last lesson or quiz (both share one position scale)."""
    return max(_next_position(Lesson, Lesson.module_id, module.id),
               _next_position(Quiz, Quiz.module_id, module.id))


def add_lesson(module: Module, title: str, body: str, minutes: int,
               actor_id: int | None) -> Lesson:
    lesson = Lesson(module_id=module.id, title=title.strip(), body=body.replace("\r\n", "\n"),
                    minutes=minutes, position=next_item_position(module))
    db.session.add(lesson)
    db.session.flush()
    audit.log("course.lesson_add", "course", module.course_id, actor_id, label=lesson.title)
    return lesson


def update_lesson(lesson: Lesson, title: str, body: str, minutes: int,
                  actor_id: int | None) -> None:
    lesson.title, lesson.body, lesson.minutes = title.strip(), body.replace("\r\n", "\n"), minutes
    audit.log("course.lesson_edit", "course", lesson.module.course_id, actor_id,
              label=lesson.title)


def move(item: Module | Lesson | Quiz, siblings: list[Any], direction: str) -> bool:
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
