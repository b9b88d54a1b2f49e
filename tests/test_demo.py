"""Demo content: loaded once, accurate structure, random passwords written to the instance."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from portal.accounts.permissions import Role
from portal.content.workflow import State
from portal.extensions import db
from portal.materials.models import Audience, Material


def accounts_file(app) -> Path:
    return Path(app.instance_path) / "demo-accounts.txt"


def test_demo_load_creates_users_for_every_role_and_guides(app, runner) -> None:
    result = runner.invoke(args=["demo", "load"])

    assert result.exit_code == 0, result.output
    assert "demo-accounts.txt" in result.output
    lines = accounts_file(app).read_text().splitlines()
    assert {line.split()[0] for line in lines} == {r.value for r in Role}
    with app.app_context():
        guides = db.session.scalars(select(Material)).all()
        assert len({g.translation_group for g in guides}) >= 12
        assert all(g.state == State.published for g in guides)
        per_group = Counter(g.translation_group for g in guides)
        assert sum(1 for n in per_group.values() if n == 3) >= 3
        assert {g.language for g in guides} == {"uz", "ru", "en"}
        assert any(g.audience == Audience.inspectors for g in guides)
        assert all(len(g.topics) >= 1 and g.body.count("\n## ") >= 2 for g in guides)


def test_demo_load_twice_changes_nothing(app, runner) -> None:
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        before = (db.session.scalar(select(func.count(Material.id))),
                  db.session.scalar(select(func.max(Material.updated_at))))
    file_before = accounts_file(app).read_text()

    result = runner.invoke(args=["demo", "load"])

    assert "0 new users, 0 new guides" in result.output
    with app.app_context():
        after = (db.session.scalar(select(func.count(Material.id))),
                 db.session.scalar(select(func.max(Material.updated_at))))
    assert before == after
    assert accounts_file(app).read_text() == file_before


def test_demo_passwords_are_random_and_work(app, runner, client, tmp_path) -> None:
    from tests.conftest import make_app

    runner.invoke(args=["demo", "load"])
    role, email, password = accounts_file(app).read_text().splitlines()[3].split()
    other = make_app(tmp_path / "other", DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite'}")
    (tmp_path / "other").mkdir(exist_ok=True)
    with other.app_context():
        db.create_all()
    other.test_cli_runner().invoke(args=["demo", "load"])
    other_passwords = {line.split()[2] for line in accounts_file(other).read_text().splitlines()}

    assert password not in other_passwords
    assert len(password) >= 12
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302


def test_demo_guides_are_linked_as_translations(app, runner, client) -> None:
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        group = db.session.scalar(select(Material.translation_group).group_by(
            Material.translation_group).having(func.count(Material.id) == 3))
        versions = db.session.scalars(select(Material).where(
            Material.translation_group == group)).all()
        slugs = {m.language: m.slug for m in versions}

    page = client.get(f"/materials/{slugs['uz']}").get_data(as_text=True)

    assert f'/materials/{slugs["ru"]}' in page and f'/materials/{slugs["en"]}' in page
    assert client.get(f"/materials/{slugs['uz']}?lang=ru").headers["Location"].endswith(
        slugs["ru"])


def test_demo_courses_are_published_with_quizzes_progress_and_a_certificate(
        app, runner, client) -> None:
    from portal.courses import learning
    from portal.courses.models import Certificate, Course, Enrolment, Question
    from portal.courses.questions import REGISTRY

    runner.invoke(args=["demo", "load"])
    with app.app_context():
        courses = db.session.scalars(select(Course)).all()
        assert {c.language for c in courses} == {"uz", "en"}
        assert len({c.translation_group for c in courses}) == 2
        for course in courses:
            assert course.state == State.published and len(course.modules) >= 3
            final = learning.quizzes(course)[-1]
            assert sum(1 if s.question_id else s.count for s in final.slots) >= 10
            assert set(db.session.scalars(select(Question.kind).where(
                Question.course_id == course.id))) == set(REGISTRY)
        certificate = db.session.scalars(select(Certificate)).one()
        assert certificate.learner_name == "Sardor Aliyev" and certificate.status == "valid"
        enrolments = db.session.scalars(select(Enrolment)).all()
        assert len({e.user_id for e in enrolments}) == 3
        assert any(e.completed_at is None and e.due_on and e.due_on < date.today()
                   for e in enrolments)
        code = certificate.code
    assert "Valid" in client.get(f"/certificates/{code}").get_data(as_text=True)

    again = runner.invoke(args=["demo", "load"])

    assert "0 new courses" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
