"""Demo content: loaded once, accurate structure, random passwords written to the instance."""

from __future__ import annotations

from collections import Counter
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
