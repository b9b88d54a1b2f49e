"""The demo training courses: complete, well-formed, and the same course in every language."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from portal.content.topics import DEFAULT_TOPICS
from portal.courses import gift, questions
from portal.courses.questions import QuestionData
from portal.demo.courses import GRADING, DemoCourse, DemoCourseError, DemoQuiz, read_courses

KEYS = {"preventive-conversation", "mahalla-family-upbringing"}
LANGUAGES = {"uz", "en"}
KINDS = {"single", "multiple", "truefalse", "short", "numerical", "matching"}
WORD = re.compile(r"\w[\w'ʻʼ’-]*")

COURSES = read_courses()
IDS = [f"{c.key}.{c.language}" for c in COURSES]


def bank(course: DemoCourse) -> list[QuestionData]:
    return gift.parse(course.gift)


def categories(course: DemoCourse) -> dict[str, list[QuestionData]]:
    """The bank by category, in the order the categories first appear."""
    found: dict[str, list[QuestionData]] = {}
    for q in bank(course):
        found.setdefault(q.category, []).append(q)
    return found


def quizzes(course: DemoCourse) -> list[DemoQuiz]:
    return [quiz for module in course.modules for quiz in module.quizzes]


def size(quiz: DemoQuiz, course: DemoCourse) -> int:
    """How many questions one attempt at the quiz has."""
    found = categories(course)
    return sum(len(found[name]) for name in quiz.fixed_categories) + \
        sum(count for _, count in quiz.random)


def test_both_courses_in_both_languages() -> None:
    assert {(c.key, c.language) for c in COURSES} == {(k, lang) for k in KEYS for lang in LANGUAGES}
    assert [(c.key, c.language) for c in COURSES] == sorted((c.key, c.language) for c in COURSES)


@pytest.mark.parametrize("course", COURSES, ids=IDS)
def test_course_fields(course: DemoCourse) -> None:
    assert course.title and course.summary and course.description
    assert course.description.count("\n- ") >= 3
    assert course.audience == "inspectors"
    assert course.credit_hours > 0
    assert course.certificate_valid_months == 24
    assert course.topics and set(course.topics) <= {slug for slug, *_ in DEFAULT_TOPICS}
    assert len(set(course.topics)) == len(course.topics)


@pytest.mark.parametrize("course", COURSES, ids=IDS)
def test_modules_and_lessons(course: DemoCourse) -> None:
    assert len(course.modules) >= 3
    for module in course.modules:
        assert module.title
        assert 2 <= len(module.lessons) <= 3
        for lesson in module.lessons:
            words = len(WORD.findall(lesson.body))
            assert 250 <= words <= 600, (lesson.title, words)
            assert lesson.body.count("## ") >= 3, lesson.title
            assert "\n- " in lesson.body or "\n1. " in lesson.body, lesson.title
            assert 5 <= lesson.minutes <= 60


@pytest.mark.parametrize("course", COURSES, ids=IDS)
def test_question_bank(course: DemoCourse) -> None:
    found = bank(course)
    assert {q.kind for q in found} == KINDS
    assert all(questions.problems(q) == [] for q in found)
    assert all(q.name and q.category for q in found)
    # Feedback: a general one on every question, per answer on every question that has answers.
    assert all(q.general_feedback for q in found)
    for q in found:
        if q.kind in ("single", "multiple", "short"):
            assert all(c.feedback for c in q.choices), q.name
        if q.kind == "numerical":
            assert all(a.feedback for a in q.numeric), q.name
        if q.kind == "truefalse":
            assert q.feedback_true and q.feedback_false, q.name
    multiple = [q for q in found if q.kind == "multiple"]
    assert all(any(c.fraction < 0 for c in q.choices) for q in multiple)
    assert all(sum(1 for c in q.choices if 0 < c.fraction < 1) >= 2 for q in multiple)
    short = [q for q in found if q.kind == "short"]
    assert all(sum(1 for c in q.choices if c.fraction == 1) >= 2 for q in short)
    assert all(len([p for p in q.pairs if p.prompt]) >= 3 for q in found if q.kind == "matching")


def test_bank_answers_grade_as_written() -> None:
    """A few answers graded through the portal's own grading, as a learner would type them."""
    by_name = {(c.key, c.language, q.name): q for c in COURSES for q in bank(c)}
    age = by_name[("preventive-conversation", "en", "Age of criminal responsibility")]
    assert questions.grade(age, "16").fraction == 1
    assert questions.grade(age, "18").fraction == 0
    assert questions.grade(age, "18").feedback
    leader = by_name[("mahalla-family-upbringing", "uz", "Yoshlar bilan ishlovchi xodim")]
    assert questions.grade(leader, "Yoshlar  yetakchisi").fraction == 1
    principle = by_name[("mahalla-family-upbringing", "en", "Guiding principle")]
    assert questions.grade(principle, "The child's best interests").fraction == 1


@pytest.mark.parametrize("course", COURSES, ids=IDS)
def test_quizzes_draw_from_the_bank(course: DemoCourse) -> None:
    found = categories(course)
    for quiz in quizzes(course):
        assert quiz.title and quiz.intro
        assert 0 < quiz.pass_mark <= 100
        assert quiz.grading in GRADING
        assert quiz.questions_per_page >= 1
        for name in quiz.fixed_categories:
            assert name in found, name
        for name, count in quiz.random:
            assert name in found, name
            assert 1 <= count <= len(found[name])
        assert size(quiz, course) >= 1
    used = {n for q in quizzes(course) for n in (*q.fixed_categories, *(n for n, _ in q.random))}
    assert used == set(found), "every bank category is used by a quiz"


@pytest.mark.parametrize("course", COURSES, ids=IDS)
def test_short_quiz_early_and_final_quiz_last(course: DemoCourse) -> None:
    early = [q for m in course.modules[:2] for q in m.quizzes]
    assert any(3 <= size(q, course) <= 4 and q.random and not q.fixed_categories for q in early)
    assert course.modules[-1].quizzes
    final = course.modules[-1].quizzes[-1]
    assert size(final, course) >= 10
    fixed = [q for name in final.fixed_categories for q in categories(course)[name]]
    assert len(fixed) >= 10
    assert len({q.kind for q in fixed}) >= 5


def test_languages_have_the_same_structure() -> None:
    by_key: dict[str, dict[str, DemoCourse]] = {}
    for course in COURSES:
        by_key.setdefault(course.key, {})[course.language] = course
    for key, versions in by_key.items():
        uz, en = versions["uz"], versions["en"]
        assert uz.topics == en.topics and uz.credit_hours == en.credit_hours, key
        assert uz.certificate_valid_months == en.certificate_valid_months
        assert [len(m.lessons) for m in uz.modules] == [len(m.lessons) for m in en.modules]
        assert [[lesson.minutes for lesson in m.lessons] for m in uz.modules] == \
            [[lesson.minutes for lesson in m.lessons] for m in en.modules]
        assert [len(m.quizzes) for m in uz.modules] == [len(m.quizzes) for m in en.modules]
        uz_bank, en_bank = categories(uz), categories(en)
        assert [[q.kind for q in qs] for qs in uz_bank.values()] == \
            [[q.kind for q in qs] for qs in en_bank.values()], key
        # The same category in both languages holds the same position in its bank.
        rename = dict(zip(uz_bank, en_bank, strict=True))
        for uz_quiz, en_quiz in zip(quizzes(uz), quizzes(en), strict=True):
            assert [rename[n] for n in uz_quiz.fixed_categories] == list(en_quiz.fixed_categories)
            assert [(rename[n], c) for n, c in uz_quiz.random] == list(en_quiz.random)
            settings = ("pass_mark", "time_limit_minutes", "max_attempts", "grading",
                        "shuffle_questions", "shuffle_choices", "questions_per_page")
            assert [getattr(uz_quiz, s) for s in settings] == \
                [getattr(en_quiz, s) for s in settings]
        for uz_q, en_q in zip(bank(uz), bank(en), strict=True):
            assert len(uz_q.choices) == len(en_q.choices), uz_q.name
            assert [c.fraction for c in uz_q.choices] == [c.fraction for c in en_q.choices]
            assert [(a.value, a.tolerance, a.fraction) for a in uz_q.numeric] == \
                [(a.value, a.tolerance, a.fraction) for a in en_q.numeric]
            assert len(uz_q.pairs) == len(en_q.pairs) and uz_q.correct == en_q.correct
            # Matching answers repeat the same way (two prompts may share one answer).
            assert sorted(Counter(p.answer for p in uz_q.pairs).values()) == \
                sorted(Counter(p.answer for p in en_q.pairs).values())


def test_uzbek_uses_the_proper_apostrophes() -> None:
    """Uzbek Latin writes oʻ, gʻ and the tutuq belgisi ʼ, not a typewriter apostrophe."""
    for course in COURSES:
        if course.language != "uz":
            continue
        texts = [course.title, course.summary, course.description, course.gift]
        texts += [m.title for m in course.modules]
        texts += [part for m in course.modules for lesson in m.lessons
                  for part in (lesson.title, lesson.body)]
        assert all("'" not in text for text in texts), course.key
        assert "oʻ" in course.gift and "gʻ" in course.gift


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, "utf-8")


MINIMAL = """
title = "T"
credit_hours = "1.5"
[[modules]]
title = "M"
[[modules.lessons]]
title = "L"
minutes = 5
body = "B"
[[modules.quizzes]]
title = "Q"
pass_mark = 50
random = [{ category = "A", count = 1 }]
"""


def test_reader_defaults(tmp_path: Path) -> None:
    write(tmp_path, "k.xx.toml", MINIMAL)
    write(tmp_path, "k.xx.gift", "$CATEGORY: A\n\nQ? {T}\n")
    write(tmp_path, "notes.txt", "ignored")
    (course,) = read_courses(tmp_path)
    assert (course.key, course.language, str(course.credit_hours)) == ("k", "xx", "1.5")
    assert course.certificate_valid_months is None and course.topics == ()
    quiz = course.modules[0].quizzes[0]
    assert quiz.random == (("A", 1),) and quiz.fixed_categories == ()
    assert (quiz.grading, quiz.max_attempts, quiz.time_limit_minutes) == ("highest", 0, 0)


@pytest.mark.parametrize(("change", "message"), [
    (("", ""), "question bank"),
    (('pass_mark = 50', 'pass_mark = 150'), "pass_mark"),
    (('pass_mark = 50', 'pass_mark = 50\ngrading = "best"'), "grading"),
    (('credit_hours = "1.5"', "credit_hours = 1.5"), "credit_hours"),
    (('credit_hours = "1.5"', 'credit_hours = "many"'), "credit_hours"),
    (('minutes = 5', 'minutes = "5"'), "minutes"),
    (('random = [{ category = "A", count = 1 }]', ""), "no questions"),
    (('title = "T"', 'title = "T'), "k.xx.toml"),
])
def test_reader_names_the_problem(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    write(tmp_path, "k.xx.toml", MINIMAL.replace(old, new, 1) if old else MINIMAL)
    if message != "question bank":
        write(tmp_path, "k.xx.gift", "$CATEGORY: A\n\nQ? {T}\n")
    with pytest.raises(DemoCourseError, match=message):
        read_courses(tmp_path)
