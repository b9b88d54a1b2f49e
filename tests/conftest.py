"""Fixtures: a fresh portal per test on a real database file (or PostgreSQL when asked).

Set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://... to run the suite on PostgreSQL; CI does both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from portal import create_app
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.content import workflow
from portal.content.topics import ensure_default_topics
from portal.extensions import db
from portal.materials import services as materials
from portal.materials.models import Material

PASSWORD = "Lantern-river-42"
POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


def database_url(tmp_path: Path) -> str:
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'portal.sqlite'}"


def reset_postgres(url: str) -> None:
    """Empty the test database completely (tables of the models and of migrations alike)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(tmp_path: Path, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url(tmp_path),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "portal.test",
        "MATERIALS_PER_PAGE": 5,
    }
    config.update(overrides)
    return create_app(config, instance_path=str(tmp_path / "instance"))


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose database has no tables yet."""
    if POSTGRES_URL:
        reset_postgres(POSTGRES_URL)
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(empty_app: Flask) -> Flask:
    with empty_app.app_context():
        db.create_all()
        ensure_default_topics()
        db.session.commit()
    return empty_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def make_user(role: str = "citizen", email: str | None = None, **kwargs: Any) -> User:
    """Create and commit a user; call inside an app context."""
    user = accounts.create_user(email or f"{role}@example.uz", kwargs.pop("name", role.title()),
                                kwargs.pop("password", PASSWORD), roles={role}, **kwargs)
    db.session.commit()
    return user


def make_material(title: str = "Tenant rights", *, state: str = "published",
                  author: User | None = None, **fields: Any) -> Material:
    """Create a guide and move it to *state* through the real workflow; inside an app context."""
    editor = author or db.session.scalar(db.select(User).where(User.email == "maker@example.uz"))
    if editor is None:
        editor = make_user("editor", "maker@example.uz", name="Guide Maker")
    data = materials.MaterialInput(
        title=title, summary=fields.pop("summary", f"About {title.lower()}."),
        body=fields.pop("body", f"## What the law says\n\nText about {title}.\n"),
        topics=fields.pop("topics", ["family"]), audience=fields.pop("audience", "everyone"),
        language=fields.pop("language", "en"),
        legal_references=fields.pop("legal_references", ""),
        expires_at=fields.pop("expires_at", None))
    material = materials.create_material(data, editor.id, **fields)
    if state in ("review", "published", "archived"):
        workflow.transition(material, "submit", editor)
    if state in ("published", "archived"):
        workflow.transition(material, "publish", editor)
    if state == "archived":
        workflow.transition(material, "archive", editor)
    db.session.commit()
    return material


class Auth:
    """Log in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.client.post("/auth/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def as_role(app: Flask, client: FlaskClient, auth: Auth) -> Any:
    """``as_role("editor")`` creates a user with that role and logs the client in as them."""

    def login(role: str, email: str | None = None) -> User:
        with app.app_context():
            user = make_user(role, email or f"{role}-session@example.uz")
            user_id = user.id
        response = auth.login(email or f"{role}-session@example.uz")
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():
            return db.session.get(User, user_id)

    return login


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)
