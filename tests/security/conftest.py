"""One seeded portal for the security sweeps: the demo content plus, for every role, a user with
a known password and things that user owns (attempts, registrations, consultation requests).

Seeding costs seconds (the demo loader), so it runs once per session into a template folder;
each test module copies that folder and gets its own app, so what one module writes (the
injection payloads) never changes what another sees. Always a SQLite file: copying a seeded
database is what keeps the sweeps fast, and access rules do not depend on the database engine.
"""

from __future__ import annotations

import io
import random
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts import passwords
from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, POSTGRES_URL, make_app, make_material, make_user

#: The sweeps run on their own SQLite copy whatever the suite's database: on PostgreSQL
#: (CI's second pass) they would repeat the first pass's run exactly, minutes of CI for nothing.
collect_ignore_glob = ["test_*.py"] if POSTGRES_URL else []

#: The roles of the matrix; "anonymous" is a client that never logs in.
ROLES = ("anonymous", "citizen", "inspector", "trainer", "editor", "consultant", "admin")

#: A tiny valid PNG: attachments are checked by magic bytes.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")

OVERRIDES: dict[str, Any] = {
    # The sweeps send hundreds of requests from one address; the limits have their own tests.
    "WEBINAR_REGISTRATIONS_PER_HOUR": 10_000,
    "REGISTRATIONS_PER_ADDRESS_PER_HOUR": 10_000,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 10_000,
}


def email_of(role: str, n: int = 1) -> str:
    return f"{role}{'' if n == 1 else n}@sec.test"


@dataclass
class Owned:
    """What one user owns, by the values their URLs carry."""

    user_id: int
    email: str
    name: str
    attempt_id: int | None = None
    course_slug: str | None = None
    quiz_id: int | None = None
    certificate_code: str | None = None
    consultation_reference: str | None = None
    consultation_code: str | None = None
    consultation_question: str | None = None
    webinar_id: int | None = None
    registration_token: str | None = None


@dataclass
class Seed:
    """Ids, slugs and tokens of the seeded rows, read once and handed to every test."""

    users: dict[str, Owned] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def _cheap_hashing() -> PasswordHasher:
    """Swap in cheap argon2 parameters for the seeding (tests/conftest does it per test only)."""
    previous = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return previous


def _upload(name: str = "scan.png") -> FileStorage:
    return FileStorage(io.BytesIO(PNG), filename=name, content_type="image/png")


def _learner(owned: Owned, course: Any, quiz: Any, seed: int) -> None:
    """Enrol *owned* in *course* and give them a finished attempt and a certificate."""
    from portal.courses import attempts, learning

    def passed(one: Any) -> Any:
        attempt = attempts.start(one, owned.user_id, rng=random.Random(seed))  # noqa: S311
        attempts.save(attempt, 1, attempts.model_answers(attempt))
        attempts.finish(attempt)
        return attempt

    learning.enrol_self(course, owned.user_id)
    attempt = passed(quiz)
    for lesson in learning.lessons(course):
        learning.mark_done(lesson, owned.user_id)
    for other in learning.quizzes(course):
        if other.id != quiz.id:
            passed(other)
    enrolment = learning.enrolment_of(course, owned.user_id)
    assert enrolment is not None
    certificate = learning.check_completion(enrolment)
    owned.attempt_id, owned.course_slug, owned.quiz_id = attempt.id, course.slug, quiz.id
    owned.certificate_code = certificate.code if certificate is not None else None


def _seed(app: Flask) -> Seed:
    """Everything the sweeps address, through the domain services (like ``make_material``)."""
    from portal.consultations import configuration
    from portal.consultations import services as consultations
    from portal.content import attachments, workflow
    from portal.content.topics import ensure_default_topics
    from portal.cooperation.models import CooperationRecord, Partner
    from portal.courses import learning
    from portal.courses import services as courses
    from portal.courses.models import Course
    from portal.webinars import registration
    from portal.webinars.models import CalendarToken, Webinar

    seed = Seed()
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for role in ROLES[1:]:
            user = make_user(role, email_of(role), name=f"Sec {role.title()}")
            seed.users[role] = Owned(user.id, user.email, user.name)
        # Second users of the same role, for swapping ids between owners.
        for role in ("citizen", "inspector", "consultant"):
            user = make_user(role, email_of(role, 2), name=f"Other {role.title()}")
            seed.users[f"{role}2"] = Owned(user.id, user.email, user.name)
        editor = db.session.get(User, seed.users["editor"].user_id)
        trainer = db.session.get(User, seed.users["trainer"].user_id)
        assert editor is not None and trainer is not None

        guide = make_material("Sweep guide", author=editor)
        draft = make_material("Sweep draft", state="draft", author=editor)
        attachment = attachments.save_upload(_upload(), "material", guide.id, editor.id)

        course = db.session.scalars(select(Course).where(
            Course.state == "published").order_by(Course.id)).first()
        assert course is not None
        module = course.modules[0]
        lesson = module.lessons[0]
        quiz = next(q for m in course.modules for q in m.quizzes)
        question = courses.bank(course)[0]
        draft_course = courses.create_course(courses.CourseInput(
            title="Sweep draft course", summary="Draft.", description="Draft.",
            topics=["family"], audience="inspectors", language="en", credit_hours=1),
            trainer.id)
        db.session.flush()
        _learner(seed.users["inspector"], course, quiz, 1)
        _learner(seed.users["inspector2"], course, quiz, 2)
        learning.assign(course, [seed.users["inspector"].user_id], None, trainer.id)

        webinar = db.session.scalars(select(Webinar).where(
            Webinar.state == "published", Webinar.audience == "everyone").order_by(
            Webinar.starts_at.desc())).first()
        assert webinar is not None
        for key in ("citizen", "citizen2"):
            owned = seed.users[key]
            outcome = registration.register(webinar, name=owned.name, email=owned.email,
                                            language="en", user_id=owned.user_id,
                                            consent=True)
            owned.webinar_id = webinar.id
            owned.registration_token = registration.token_for(outcome.registration)
        webinar_attachment = attachments.save_upload(_upload(), "webinar", webinar.id,
                                                     trainer.id)

        topic = configuration.topic_by_slug("family")
        assert topic is not None
        for key in ("citizen", "citizen2"):
            owned = seed.users[key]
            question_text = f"Private question of {owned.name} about alimony"
            request, code = consultations.submit(consultations.RequestInput(
                topic_id=topic.id, name=owned.name, phone="+998 90 123-45-67",
                question=question_text, language="en",
                consent_version=configuration.current_consent_version(), email=owned.email,
                extra_answers={"children": "2"}), user_id=owned.user_id)
            owned.consultation_reference, owned.consultation_code = request.reference, code
            owned.consultation_question = question_text
        consultant = db.session.get(User, seed.users["consultant"].user_id)
        mine = consultations.find_for_tracking(seed.users["citizen"].consultation_reference
                                               or "", seed.users["citizen"].consultation_code
                                               or "")
        assert mine is not None and consultant is not None
        consultations.take(mine, consultant)
        consultations.reply(mine, "Answer for the first citizen only.", consultant)

        record = db.session.scalars(select(CooperationRecord).where(
            CooperationRecord.state == "published").order_by(CooperationRecord.id)).first()
        partner = db.session.scalars(select(Partner).order_by(Partner.id)).first()
        assert record is not None and partner is not None
        workflow.transition(draft_course, "submit", trainer)
        # A topic's extra field, for the configuration pages' URLs.
        extra = configuration.save_field(topic, configuration.FieldInput(
            name="children_ages", label_uz="Bolalar yoshi", label_ru="Возраст детей",
            label_en="Ages of the children"), seed.users["admin"].user_id)
        # The citizen's personal calendar feed: its address is the secret.
        feed = CalendarToken(user_id=seed.users["citizen"].user_id,
                             token=secrets.token_urlsafe(32))
        db.session.add(feed)
        db.session.commit()
        seed.values.update({
            "guide_slug": guide.slug, "draft_slug": draft.slug, "attachment_id": attachment.id,
            "attachment_name": attachment.original_name,
            "webinar_attachment_id": webinar_attachment.id,
            "course_slug": course.slug, "draft_course_slug": draft_course.slug,
            "module_id": module.id, "lesson_id": lesson.id, "quiz_id": quiz.id,
            "question_id": question.id, "webinar_id": webinar.id, "record_id": record.id,
            "partner_id": partner.id, "country": record.countries[0] if getattr(
                record, "countries", None) else "DE",
            "topic_slug": topic.slug, "topic_id": extra.topic_id, "field_id": extra.id,
            "feed_token": feed.token,
            "year": (guide.published_at or guide.created_at).year,
            "month": (guide.published_at or guide.created_at).month,
        })
    return seed


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Seed]]:
    """The seeded template folder (database file and instance) and what was seeded."""
    folder = tmp_path_factory.mktemp("security-seed")
    previous = _cheap_hashing()
    try:
        app = make_app(folder, DATABASE_URL=f"sqlite:///{folder / 'portal.sqlite'}",
                       **OVERRIDES)
        seed = _seed(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # checkpoints the WAL into the file we copy
    finally:
        passwords._hasher = previous
    yield folder, seed


@pytest.fixture(scope="module")
def sweep_app(seeded: tuple[Path, Seed],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A module's own copy of the seeded portal."""
    template, _ = seeded
    folder = tmp_path_factory.mktemp("security")
    shutil.copytree(template, folder, dirs_exist_ok=True)
    app = make_app(folder, DATABASE_URL=f"sqlite:///{folder / 'portal.sqlite'}", **OVERRIDES)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def seed(seeded: tuple[Path, Seed]) -> Seed:
    return seeded[1]


def login(app: Flask, email: str) -> FlaskClient:
    """A client logged in through the real form."""
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"login of {email} failed"
    assert "/auth/login" not in response.headers.get("Location", "")
    return client


@pytest.fixture(scope="module")
def clients(sweep_app: Flask) -> dict[str, FlaskClient]:
    """One client per role of the matrix, each logged in (except anonymous) once."""
    return {role: sweep_app.test_client() if role == "anonymous"
            else login(sweep_app, email_of(role)) for role in ROLES}


def make_token(app: Flask, owner: Owned, name: str = "sweep",
               scopes: frozenset[str] | None = None) -> str:
    """A personal access token of *owner* with *scopes* (default: every scope their roles
    allow); returns the raw token."""
    from portal.accounts import tokens

    with app.app_context():
        user = db.session.get(User, owner.user_id)
        assert user is not None
        _, raw = tokens.create_token(user, name, scopes or tokens.allowed_scopes(user))
        db.session.commit()
    return raw


@pytest.fixture(scope="module")
def bearers(sweep_app: Flask, seed: Seed) -> dict[str, dict[str, str]]:
    """Request headers per role of the matrix: each role user's token with every scope the
    role may hold, as ``Authorization: Bearer``; none for "anonymous"."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        raw = make_token(sweep_app, seed.users[role], name=f"{role} sweep")
        headers[role] = {"Authorization": f"Bearer {raw}"}
    return headers


@pytest.fixture(scope="module")
def database_version(sweep_app: Flask) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the sweep's SQLite file, for :func:`data_version`."""
    connection = sqlite3.connect(sweep_app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    yield connection
    connection.close()


def data_version(connection: sqlite3.Connection) -> int:
    """SQLite's count of commits by other connections: unchanged means nothing was written."""
    return int(connection.execute("PRAGMA data_version").fetchone()[0])
