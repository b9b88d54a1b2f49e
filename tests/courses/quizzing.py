"""Building blocks for quiz tests: a published course with lessons, a GIFT bank and a quiz."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from portal.accounts.models import User
from portal.content import workflow
from portal.courses import quizzes, services
from portal.courses.models import Course, CourseAudience, Quiz
from portal.extensions import db
from tests.conftest import make_user

GIFT = """\
$CATEGORY: Basics

::age::At what age does a person become an adult in Uzbekistan? {#18:0}

::listen::Which of these are active listening? {
  ~%50%Asking open questions#Yes: they invite a story.
  ~%50%Summarising what you heard#Yes.
  ~%-100%Interrupting with advice#No: it closes the talk.
}

::first::The first step of a preventive conversation is {
  =learning the person's situation#Right: start from the person.
  ~reading the law aloud#Too formal for a start.
  ~a warning#Threats close the conversation.
}

::tf::A mahalla chairman may be invited to a follow-up meeting. {T#It is a partner.#It can help.}

::word::Name the assembly of a neighbourhood in one word. {=mahalla =mahalla citizens' assembly}

::pairs::Match the role with its work. {
  =Inspector -> prevention
  =Youth leader -> young people
  =Women's activist -> families
}

$CATEGORY: Extra

::extra1::Is silence a tool of listening? {T}
"""


def make_course(*, time_limit: int | None = None, max_attempts: int | None = None,
                per_page: int = 5, publish: bool = True, **settings: Any) -> dict[str, Any]:
    """A course (one module: a lesson and a quiz of every Basics question); in an app context."""
    trainer = db.session.scalar(db.select(User).where(User.email == "author@example.uz")) \
        or make_user("trainer", "author@example.uz", name="Course Author")
    course = services.create_course(services.CourseInput(
        title="Preventive talks", summary="How to talk.", topics=("crime-prevention",),
        audience=CourseAudience.inspectors.value, language="en",
        credit_hours=Decimal("6")), trainer.id)
    module = services.add_module(course, "Listening", trainer.id)
    lesson = services.add_lesson(module, "Open questions", "## Why\n\nText.", 10, trainer.id)
    services.import_gift(course, GIFT, trainer.id)
    quiz = quizzes.create_quiz(module, "Check yourself", "Seven questions.", quizzes.QuizSettings(
        time_limit_minutes=time_limit, max_attempts=max_attempts, questions_per_page=per_page,
        shuffle_choices=settings.pop("shuffle_choices", False), **settings), trainer.id)
    basics = next(c for c, _ in quizzes.categories(course) if c and c.name == "Basics")
    fixed = [q.id for c, qs in quizzes.categories(course) for q in qs if c == basics]
    quizzes.set_questions(quiz, course, fixed, {})
    if publish:
        editor = make_user("editor", "publisher@example.uz")
        workflow.transition(course, "submit", trainer)
        workflow.transition(course, "publish", editor)
    db.session.commit()
    return {"slug": course.slug, "course_id": course.id, "quiz_id": quiz.id,
            "lesson_id": lesson.id, "module_id": module.id}


def question_ids(app: Any, quiz_id: int) -> dict[str, int]:
    """Bank question ids of the quiz by GIFT name."""
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        return {slot.question.name: slot.question.id for slot in quiz.slots if slot.question}


def course_of(quiz_id: int) -> Course:
    quiz = db.session.get(Quiz, quiz_id)
    return db.session.get(Course, quiz.module.course_id)


def start(client: Any, made: dict[str, Any]) -> int:
    response = client.post(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/attempts/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def right_answers(ids: dict[str, int]) -> dict[str, Any]:
    """Form fields answering every Basics question right (unshuffled choices)."""
    return {
        f"a-{ids['age']}": "18",
        f"a-{ids['listen']}": [f"{ids['listen']}:0", f"{ids['listen']}:1"],
        f"a-{ids['first']}": f"{ids['first']}:0",
        f"a-{ids['tf']}": "true",
        f"a-{ids['word']}": "  Mahalla ",
        # the answers list is sorted: families, prevention, young people
        f"a-{ids['pairs']}-0": f"{ids['pairs']}:1",
        f"a-{ids['pairs']}-1": f"{ids['pairs']}:2",
        f"a-{ids['pairs']}-2": f"{ids['pairs']}:0",
    }


def post_answers(client: Any, made: dict[str, Any], attempt_id: int, seq: int,
                 answers: dict[str, Any], *, go: str | None = None,
                 json: bool = False) -> Any:
    data: dict[str, Any] = {"seq": str(seq), "q": sorted({
        re.match(r"a-(\d+)", k).group(1) for k in answers})}  # type: ignore[union-attr]
    data.update(answers)
    if go:
        data["go"] = go
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/courses/{made['slug']}/attempts/{attempt_id}", data=data,
                       headers=headers)
