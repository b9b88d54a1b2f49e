"""Demo training courses: ``course_files/<key>.<lang>.toml`` with its question bank ``.gift``.

The TOML holds the course, its modules, lessons and quiz settings; the GIFT file holds the
question bank whose ``$CATEGORY:`` names the quizzes draw from. This module only reads and checks
the files' shape: parsing the bank and creating database rows is the loader's job.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

#: The data folder inside ``portal.demo`` (not ``courses``: it would clash with this module).
FOLDER = "course_files"

#: How a quiz with several attempts turns them into one grade.
GRADING = ("highest", "average", "first", "last")


class DemoCourseError(ValueError):
    """A course file that does not have the expected shape; the message names file and key."""


@dataclass(frozen=True)
class DemoQuiz:
    title: str
    intro: str
    #: Percent needed to pass.
    pass_mark: int
    #: 0 means no limit.
    time_limit_minutes: int
    #: 0 means unlimited.
    max_attempts: int
    grading: str
    shuffle_questions: bool
    shuffle_choices: bool
    questions_per_page: int
    #: Every question of these bank categories, in bank order.
    fixed_categories: tuple[str, ...]
    #: (category, count): that many questions drawn at random from the category.
    random: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DemoLesson:
    title: str
    minutes: int
    #: Markdown.
    body: str


@dataclass(frozen=True)
class DemoModule:
    title: str
    lessons: tuple[DemoLesson, ...]
    #: Quizzes placed after the module's lessons.
    quizzes: tuple[DemoQuiz, ...]


@dataclass(frozen=True)
class DemoCourse:
    key: str
    language: str
    title: str
    summary: str
    #: Markdown.
    description: str
    topics: tuple[str, ...]
    audience: str
    credit_hours: Decimal
    certificate_valid_months: int | None
    modules: tuple[DemoModule, ...]
    #: The question bank as GIFT text.
    gift: str


_REQUIRED = object()


class _Table:
    """One TOML table with typed getters whose errors say which file and key is wrong."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise DemoCourseError(f"{where}: expected a table")
        self.data: dict[str, Any] = data
        self.where = where

    def get(self, key: str, default: object = _REQUIRED) -> object:
        """The raw value; DemoCourseError when a required key is missing."""
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            raise DemoCourseError(f"{self.where}: {key!r} is missing")
        return default

    def text(self, key: str, default: object = _REQUIRED) -> str:
        value = self.get(key, default)
        if not isinstance(value, str):
            raise DemoCourseError(f"{self.where}: {key!r} must be text")
        return value.strip()

    def number(self, key: str, default: object = _REQUIRED, minimum: int = 0) -> int:
        value = self.get(key, default)
        # bool is an int in Python, but `true` is never a sensible count.
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise DemoCourseError(f"{self.where}: {key!r} must be a whole number >= {minimum}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise DemoCourseError(f"{self.where}: {key!r} must be true or false")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DemoCourseError(f"{self.where}: {key!r} must be a list of texts")
        return tuple(v.strip() for v in value)

    def tables(self, key: str) -> list[_Table]:
        value = self.get(key, [])
        if not isinstance(value, list):
            raise DemoCourseError(f"{self.where}: {key!r} must be an array of tables")
        return [_Table(item, f"{self.where} {key}[{i}]") for i, item in enumerate(value)]


def _quiz(table: _Table) -> DemoQuiz:
    grading = table.text("grading", "highest")
    if grading not in GRADING:
        raise DemoCourseError(f"{table.where}: grading must be one of {', '.join(GRADING)}")
    pass_mark = table.number("pass_mark")
    if pass_mark > 100:
        raise DemoCourseError(f"{table.where}: pass_mark is a percentage (0 to 100)")
    draws = tuple((draw.text("category"), draw.number("count", minimum=1))
                  for draw in table.tables("random"))
    fixed = table.texts("fixed_categories")
    if not fixed and not draws:
        raise DemoCourseError(f"{table.where}: no questions (fixed_categories or random)")
    return DemoQuiz(
        title=table.text("title"),
        intro=table.text("intro", ""),
        pass_mark=pass_mark,
        time_limit_minutes=table.number("time_limit_minutes", 0),
        max_attempts=table.number("max_attempts", 0),
        grading=grading,
        shuffle_questions=table.flag("shuffle_questions", True),
        shuffle_choices=table.flag("shuffle_choices", True),
        questions_per_page=table.number("questions_per_page", 5, minimum=1),
        fixed_categories=fixed,
        random=draws,
    )


def _module(table: _Table) -> DemoModule:
    lessons = tuple(DemoLesson(lesson.text("title"), lesson.number("minutes", minimum=1),
                               lesson.text("body"))
                    for lesson in table.tables("lessons"))
    if not lessons:
        raise DemoCourseError(f"{table.where}: a module needs at least one lesson")
    return DemoModule(table.text("title"), lessons,
                      tuple(_quiz(quiz) for quiz in table.tables("quizzes")))


def _credit_hours(table: _Table) -> Decimal:
    value = table.get("credit_hours", _REQUIRED)
    # A string (or a whole number) keeps the decimal exact; a TOML float would not.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DemoCourseError(f"{table.where}: credit_hours must be a decimal string like \"8\"")
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise DemoCourseError(f"{table.where}: credit_hours {value!r} is not a number") from None
    if not hours.is_finite() or hours < 0:
        raise DemoCourseError(f"{table.where}: credit_hours must be zero or more")
    return hours


def _course(key: str, language: str, data: dict[str, Any], gift: str, where: str) -> DemoCourse:
    table = _Table(data, where)
    months: int | None = None
    if table.get("certificate_valid_months", None) is not None:
        months = table.number("certificate_valid_months", minimum=1)
    modules = tuple(_module(module) for module in table.tables("modules"))
    if not modules:
        raise DemoCourseError(f"{where}: a course needs at least one module")
    return DemoCourse(
        key=key,
        language=language,
        title=table.text("title"),
        summary=table.text("summary", ""),
        description=table.text("description", ""),
        topics=table.texts("topics"),
        audience=table.text("audience", "inspectors"),
        credit_hours=_credit_hours(table),
        certificate_valid_months=months,
        modules=modules,
        gift=gift,
    )


def read_courses(folder: Traversable | None = None) -> list[DemoCourse]:
    """Every ``<key>.<lang>.toml`` with its ``<key>.<lang>.gift``, sorted by (key, language)."""
    if folder is None:
        folder = resources.files("portal.demo").joinpath(FOLDER)
    courses: list[DemoCourse] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        parts = entry.name.rsplit(".", 2)
        if len(parts) != 3 or not all(parts):
            raise DemoCourseError(f"{entry.name}: name it <key>.<lang>.toml")
        key, language, _ = parts
        bank = folder.joinpath(f"{key}.{language}.gift")
        if not bank.is_file():
            raise DemoCourseError(f"{entry.name}: its question bank {bank.name} is missing")
        try:
            data = tomllib.loads(entry.read_text("utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise DemoCourseError(f"{entry.name}: {error}") from None
        courses.append(_course(key, language, data, bank.read_text("utf-8"), entry.name))
    return sorted(courses, key=lambda course: (course.key, course.language))
