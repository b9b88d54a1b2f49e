"""Fixtures: a fresh portal per test on a real database file (or PostgreSQL when asked).

Set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://... to run the suite on PostgreSQL; CI does both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import inspect, text
from werkzeug.routing import Rule

from portal import create_app
from portal.accounts import passwords
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.content import workflow
from portal.content.topics import ensure_default_topics
from portal.extensions import db
from portal.materials import services as materials
from portal.materials.models import Material

PASSWORD = "Lantern-river-42"
POSTGRES_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
#: What the sweeps (schemathesis, the access matrix, stored XSS) checked, by name: printed at
#: the end of the run, so `make test` reports their figures whether they pass or fail.
SWEEPS: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, figures in SWEEPS.items():
        terminalreporter.write_sep("-", f"{name}: {figures}")


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the .po catalogues, so a bare ``pytest`` sees the same pages as ``make run``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "portal" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


@pytest.fixture(scope="session", autouse=True)
def shared_url_builders() -> Iterator[None]:
    """Werkzeug compiles two Python functions for each URL rule of each app it builds: for
    the portal's ~180 rules that is most of the time create_app takes, and every test builds
    a fresh app from the same rules. Each builder is compiled once for the run here. A
    builder depends only on the rule's parsed parts, its defaults and its converters' kinds,
    and is bound to its own rule afterwards, as werkzeug does."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple[Any, ...], Any] = {}

    def shared(rule: Rule, append_unknown: bool = True) -> Any:
        key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               tuple(sorted((name, type(converter)) for name, converter
                            in rule._converters.items())), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", shared)
        yield


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


def empty_tables() -> bool:
    """In an app context on PostgreSQL: empty the tables and restart their ids if the schema
    holds exactly the models' tables; False if it holds anything else. Deleting the few rows
    a test leaves takes a sixth of the time of TRUNCATE (which makes every table's files
    anew), and a tenth of dropping and creating the tables."""
    tables = db.metadata.sorted_tables
    if set(inspect(db.engine).get_table_names()) != {table.name for table in tables}:
        return False
    quote = db.engine.dialect.identifier_preparer.quote
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '20s'"))  # a leaked connection: fail
        for table in reversed(tables):
            conn.execute(table.delete())
        for name in conn.execute(text("SELECT sequencename FROM pg_sequences "
                                      "WHERE schemaname = current_schema()")).scalars().all():
            conn.exec_driver_sql(f"ALTER SEQUENCE {quote(name)} RESTART")
    return True


#: A new personal access token, as the tokens page shows it (once).
NEW_TOKEN = re.compile(r'id="new-token"[^>]*value="(hq_[^"]+)"')


def form_key(page: str) -> str:
    """The one-time key of the form on *page*."""
    found = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page)
    assert found is not None, "the page has no form key"
    return found.group(1)


def create_token(client: FlaskClient, **fields: Any) -> Any:
    """Create a personal access token on the tokens page, as its owner does."""
    data = {"name": "Reporting script", "scopes": ["learning:read"], "expires": "90",
            "form_key": form_key(client.get("/account/tokens").get_data(as_text=True))}
    data.update(fields)
    return client.post("/account/tokens", data=data)


class EnglishClient(FlaskClient):
    """A browser that prefers English, so assertions can read the English UI strings.

    Tests about languages pass their own Accept-Language header, which wins.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def make_app(tmp_path: Path, *, tables: bool = False, **overrides: Any) -> Flask:
    """A portal on the test's database: empty, or with the models' tables (and no rows)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url(tmp_path),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "portal.test",
        "MATERIALS_PER_PAGE": 5,
        # Requests leave the search outbox to the tests about search (tests/search).
        "SEARCH_SYNC_AFTER_REQUEST": False,
    }
    config.update(overrides)
    on_postgres = bool(POSTGRES_URL) and config["DATABASE_URL"] == POSTGRES_URL
    if on_postgres and not tables:
        reset_postgres(config["DATABASE_URL"])
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    app.test_client_class = EnglishClient
    app.jinja_env.bytecode_cache = SharedTemplates()
    _apps.append(app)
    if tables:
        with app.app_context():
            if on_postgres:
                if not empty_tables():
                    db.engine.dispose()
                    reset_postgres(config["DATABASE_URL"])
                    db.create_all()
            else:
                create_sqlite_tables(config["DATABASE_URL"])
    return app


#: The bytes of a SQLite file with the models' tables and no rows, taken from the run's first
#: test app and written for every later one (creating the tables again took ~35 ms a test).
_EMPTY_SQLITE: list[bytes] = []


def _sqlite_file(url: str) -> Path | None:
    path = url.removeprefix("sqlite:///")
    return Path(path) if path != url and path else None


def create_sqlite_tables(url: str) -> None:
    """In an app context: the models' tables. A file that does not exist yet gets them as a
    copy of the run's first new file, kept right after its tables were created."""
    path = _sqlite_file(url)
    if path is None or path.exists():
        db.create_all()
    elif _EMPTY_SQLITE:
        path.write_bytes(_EMPTY_SQLITE[0])
    else:
        db.create_all()
        with db.engine.connect() as conn:  # everything into the main file, nothing in the WAL
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        _EMPTY_SQLITE.append(path.read_bytes())


_apps: list[Flask] = []


class SharedTemplates(BytecodeCache):
    """Compiled templates kept in memory for the whole run: every test builds a fresh app, and
    compiling the same templates again for each was a large share of the suite's time. Jinja
    checks each template's source before reusing its code, so a changed template recompiles."""

    compiled: ClassVar[dict[str, bytes]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request: pytest.FixtureRequest,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test users' passwords with cheap argon2 parameters (the real ones cost about half
    a second a hash here); tests/accounts keep the real ones, which they are about."""
    if "accounts" in request.node.path.parts:
        return
    monkeypatch.setattr(passwords, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    """Close every connection the test's apps opened (PostgreSQL warns about leaked ones)."""
    yield
    while _apps:
        app = _apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """The test app's settings beyond make_app's; a test package may override it."""
    return {}


@pytest.fixture
def empty_app(tmp_path: Path, app_settings: dict[str, Any]) -> Iterator[Flask]:
    """An app whose database has no tables yet."""
    yield make_app(tmp_path, **app_settings)


@pytest.fixture
def app(tmp_path: Path, app_settings: dict[str, Any]) -> Flask:
    app = make_app(tmp_path, tables=True, **app_settings)
    with app.app_context():
        ensure_default_topics()
        db.session.commit()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def make_user(role: str = "citizen", email: str | None = None, **kwargs: Any) -> User:
    """Create and commit a user (preferring English, like the test client); in an app context."""
    kwargs.setdefault("language", "en")
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
