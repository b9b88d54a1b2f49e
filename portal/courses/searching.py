"""Courses in the search index: the catalogue text, and each lesson as a document of its own."""

from __future__ import annotations

from portal.content.attachments import Attachment
from portal.courses.models import Course, CourseAudience, Lesson, Module
from portal.courses.services import LESSON_FILES
from portal.extensions import db
from portal.search.extract import files_text, path_for, plain
from portal.search.sources import Document, Source, live_ids_of, register


def documents(course_id: int) -> list[Document]:
    course = db.session.get(Course, course_id)
    if course is None or not course.is_live:
        return []
    owner = f"course:{course.id}"
    audience = "public" if course.audience == CourseAudience.everyone else "inspectors"
    date = course.published_at or course.created_at
    topics = [t.slug for t in course.topics]
    found = [Document(
        key=owner, owner=owner, type="course", title=course.title, language=course.language,
        body="\n".join([course.summary, plain(course.description),
                        *(module.title for module in course.modules)]),
        url=path_for("courses.detail", slug=course.slug), date=date, summary=course.summary,
        topics=topics, expires=course.expires_at, audience=audience)]
    for module in course.modules:
        for lesson in module.lessons:
            found.append(Document(
                key=f"lesson:{lesson.id}", owner=owner, type="lesson", title=lesson.title,
                language=course.language,
                body="\n".join([plain(lesson.body), files_text(LESSON_FILES, lesson.id)]),
                url=path_for("courses.lesson", slug=course.slug, lesson_id=lesson.id),
                date=date, summary=course.title, topics=topics, expires=course.expires_at,
                audience=audience))
    return found



def _lesson_course(lesson: Lesson) -> list[int]:
    module = lesson.module or db.session.get(Module, lesson.module_id)
    return [module.course_id] if module is not None else []


def _file_course(attachment: Attachment) -> list[int]:
    if attachment.item_type != LESSON_FILES:
        return []
    lesson = db.session.get(Lesson, attachment.item_id)
    return _lesson_course(lesson) if lesson is not None else []


register(Source("course", documents, live_ids_of(Course), watches={
    Course: lambda course: [course.id],
    Module: lambda module: [module.course_id],
    Lesson: _lesson_course,
    Attachment: _file_course,
}))
