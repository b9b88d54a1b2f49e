"""Demo content: users for every role, units, topics and the legal guides under guides/.

``flask demo load`` is idempotent: a second run adds nothing and changes nothing.
"""

from __future__ import annotations

import random
import secrets
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.accounts.permissions import Role
from portal.content import formkeys, workflow
from portal.content.topics import ensure_default_topics
from portal.courses import attempts, learning, quizzes
from portal.courses import services as course_services
from portal.courses.models import Course, Quiz
from portal.demo.consultations import load_consultations
from portal.demo.cooperation import load_cooperation
from portal.demo.courses import read_courses
from portal.demo.keys import course_key, guide_key
from portal.demo.webinars import load_webinars
from portal.extensions import db
from portal.materials import services as materials
from portal.materials.models import Material

demo_cli = AppGroup("demo", help="Demo content.")


DEMO_USERS = (
    (Role.citizen, "citizen@demo.huquq.uz", "Dilnoza Karimova", "uz", None),
    (Role.inspector, "inspector@demo.huquq.uz", "Sardor Aliyev", "uz",
     ("Toshkent shahri", "Chilonzor tumani")),
    (Role.inspector, "inspector2@demo.huquq.uz", "Bekzod Nazarov", "uz",
     ("Toshkent shahri", "Chilonzor tumani")),
    (Role.inspector, "inspector3@demo.huquq.uz", "Gulnora Saidova", "ru",
     ("Toshkent shahri", "Yunusobod tumani")),
    (Role.trainer, "trainer@demo.huquq.uz", "Malika Rustamova", "ru", None),
    (Role.editor, "editor@demo.huquq.uz", "Jasur Toshmatov", "uz", None),
    (Role.consultant, "consultant@demo.huquq.uz", "Nodira Yusupova", "ru", None),
    (Role.admin, "admin@demo.huquq.uz", "Admin", "en", None),
)

UNITS = (
    ("Toshkent shahri", "Chilonzor tumani"),
    ("Toshkent shahri", "Yunusobod tumani"),
    ("Samarqand viloyati", "Samarqand shahri"),
    ("Fargʻona viloyati", "Margʻilon shahri"),
    ("Andijon viloyati", "Asaka tumani"),
)


@dataclass
class DemoGuide:
    group: str
    language: str
    meta: dict[str, object]
    body: str


def read_guides() -> dict[str, list[DemoGuide]]:
    """The guide files, by translation group: ``<group>.<lang>.md`` with TOML front matter."""
    groups: dict[str, list[DemoGuide]] = defaultdict(list)
    folder = resources.files("portal.demo").joinpath("guides")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".md"):
            continue
        group, language, _ = entry.name.rsplit(".", 2)
        text = entry.read_text("utf-8")
        _, front, body = text.split("+++", 2)
        groups[group].append(DemoGuide(group, language, tomllib.loads(front), body.strip()))
    return dict(groups)


def load_users(accounts_file: Path) -> list[str]:
    """Create missing demo users with random passwords; returns the new lines of the file."""
    lines = []
    for role, email, name, language, unit in DEMO_USERS:
        if accounts.find_by_email(email) is not None:
            continue
        password = secrets.token_urlsafe(12)
        unit_row = accounts.get_or_create_unit(*unit) if unit else None
        accounts.create_user(email, name, password, roles={role.value}, language=language,
                             unit=unit_row)
        lines.append(f"{role.value} {email} {password}")
    if lines:
        with accounts_file.open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
        accounts_file.chmod(0o600)
    return lines


def load_guides(editor: User) -> int:
    """Create and publish the demo guides that are not there yet."""
    added = 0
    for group, versions in read_guides().items():
        translation_group = None
        for guide in versions:
            # A stable form key per file: what marks a guide as loaded already.
            key = guide_key(group, guide.language)
            existing = formkeys.already_created(Material, key)
            if existing is not None:
                translation_group = existing.translation_group
                continue
            meta = guide.meta
            reviewed = meta.get("reviewed_on")
            data = materials.MaterialInput(
                title=str(meta["title"]), summary=str(meta["summary"]), body=guide.body,
                topics=list(meta.get("topics", [])),  # type: ignore[call-overload]
                audience=str(meta.get("audience", "everyone")), language=guide.language,
                legal_references="\n".join(meta.get("legal_references", [])),  # type: ignore[arg-type]
                reviewed_on=reviewed if isinstance(reviewed, date) else None)
            material = materials.create_material(data, editor.id, form_key=key,
                                                 translation_group=translation_group)
            translation_group = material.translation_group
            workflow.transition(material, "submit", editor)
            workflow.transition(material, "publish", editor, "demo content")
            added += 1
    return added


def load_courses(trainer: User, editor: User) -> list[Course]:
    """Create and publish the demo courses that are not there yet; returns the new ones."""
    created = []
    groups: dict[str, str] = {}
    for demo in read_courses():
        key = course_key(demo.key, demo.language)
        existing = formkeys.already_created(Course, key)
        if existing is not None:
            groups[demo.key] = existing.translation_group
            continue
        course = course_services.create_course(course_services.CourseInput(
            title=demo.title, summary=demo.summary, description=demo.description,
            topics=demo.topics, audience=demo.audience, language=demo.language,
            credit_hours=demo.credit_hours), trainer.id, form_key=key)
        course.translation_group = groups.setdefault(demo.key, course.translation_group)
        course.certificate_valid_months = demo.certificate_valid_months
        course_services.import_gift(course, demo.gift, trainer.id)
        bank = {c.name: (c, qs) for c, qs in quizzes.categories(course) if c is not None}
        for demo_module in demo.modules:
            module = course_services.add_module(course, demo_module.title, trainer.id)
            for lesson in demo_module.lessons:
                course_services.add_lesson(module, lesson.title, lesson.body, lesson.minutes,
                                           trainer.id)
            for q in demo_module.quizzes:
                quiz = quizzes.create_quiz(module, q.title, q.intro, quizzes.QuizSettings(
                    shuffle_questions=q.shuffle_questions, shuffle_choices=q.shuffle_choices,
                    questions_per_page=q.questions_per_page,
                    time_limit_minutes=q.time_limit_minutes or None,
                    max_attempts=q.max_attempts or None, grading=q.grading,
                    pass_mark=Decimal(q.pass_mark)), trainer.id)
                fixed = [question.id for name in q.fixed_categories for question in bank[name][1]]
                quizzes.set_questions(quiz, course, fixed,
                                      {bank[name][0].id: count for name, count in q.random})
        workflow.transition(course, "submit", trainer)
        workflow.transition(course, "publish", editor, "demo content")
        created.append(course)
    return created


def _pass_quiz(quiz: Quiz, user: User, seed: int, *, right: bool = True) -> None:
    """An attempt answered with the model answers (or all wrong), finished."""
    attempt = attempts.start(quiz, user.id, rng=random.Random(seed))  # noqa: S311 - demo data
    attempts.save(attempt, 1, attempts.model_answers(attempt) if right else {})
    attempts.finish(attempt)


def load_progress(new_courses: list[Course], trainer: User) -> None:
    """Demo inspectors' learning in the new Uzbek courses: one completed with a certificate, one
    half-way, one overdue; only for courses created by this run (so a second run adds nothing)."""
    uz = [c for c in new_courses if c.language == "uz"]
    if not uz:
        return
    first, second, third = (accounts.find_by_email(email) for email in (
        "inspector@demo.huquq.uz", "inspector2@demo.huquq.uz", "inspector3@demo.huquq.uz"))
    assert first is not None and second is not None and third is not None
    today = date.today()
    for n, course in enumerate(uz):
        learning.assign(course, [first.id, second.id], today + timedelta(days=30 + 15 * n),
                        trainer.id)
        if n == 0:
            for lesson in learning.lessons(course):
                learning.mark_done(lesson, first.id)
            for seed, quiz in enumerate(learning.quizzes(course)):
                _pass_quiz(quiz, first, seed)
            enrolment = learning.enrolment_of(course, first.id)
            assert enrolment is not None
            learning.check_completion(enrolment)
        for lesson in course.modules[0].lessons:
            learning.mark_done(lesson, second.id)
        if course.modules[0].quizzes:
            _pass_quiz(course.modules[0].quizzes[0], second, 99 + n, right=False)
        learning.assign(course, [third.id], today + timedelta(days=14), trainer.id)
        enrolment = learning.enrolment_of(course, third.id)
        assert enrolment is not None
        enrolment.due_on = today - timedelta(days=3)  # overdue: the report shows it


@demo_cli.command("load")
def load() -> None:
    """Load demo users, units, topics and guides (running it again changes nothing)."""
    ensure_default_topics()
    for region, district in UNITS:
        accounts.get_or_create_unit(region, district)
    accounts_file = Path(current_app.instance_path) / "demo-accounts.txt"
    new_users = load_users(accounts_file)
    db.session.flush()
    editor = accounts.find_by_email("editor@demo.huquq.uz")
    assert editor is not None
    added = load_guides(editor)
    trainer = accounts.find_by_email("trainer@demo.huquq.uz")
    assert trainer is not None
    new_courses = load_courses(trainer, editor)
    load_progress(new_courses, trainer)
    inspectors = [user for user in (accounts.find_by_email(f"inspector{n}@demo.huquq.uz")
                                    for n in ("", "2")) if user is not None]
    new_webinars = load_webinars(trainer, inspectors)
    new_records = load_cooperation(editor)
    new_requests = load_consultations(accounts.find_by_email("citizen@demo.huquq.uz"),
                                      accounts.find_by_email("consultant@demo.huquq.uz"))
    db.session.commit()
    click.echo(f"demo: {len(new_users)} new users, {added} new guides, "
               f"{len(new_courses)} new courses, {new_webinars} new webinars, "
               f"{new_records} new cooperation records, {new_requests} new consultation requests")
    click.echo(f"demo accounts (role email password): {accounts_file}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
