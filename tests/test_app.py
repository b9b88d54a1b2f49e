"""Configuration, database integrity settings, health check and security headers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text

from portal import create_app
from portal.extensions import db
from tests.conftest import POSTGRES_URL


def test_secret_key_is_random_and_kept_in_the_instance_folder(tmp_path: Path) -> None:
    first = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "a"))
    again = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "a"))
    other = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "b"))

    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] != other.config["SECRET_KEY"]
    assert (tmp_path / "a" / "secret-key").stat().st_mode & 0o077 == 0


def test_environment_overrides_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_UPLOAD_MAX_BYTES", "1234")
    monkeypatch.setenv("PORTAL_MAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")

    app = create_app(instance_path=str(tmp_path / "instance"))

    assert app.config["UPLOAD_MAX_BYTES"] == 1234
    assert app.config["MAIL_TRANSPORT"] == "smtp"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({}, instance_path=str(tmp_path / "inst"))

    expected = f"sqlite:///{tmp_path / 'inst' / 'portal.sqlite'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_healthz_checks_the_database(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}}},
                     instance_path=str(tmp_path))

    response = app.test_client().get("/healthz")

    assert response.status_code == 503


@pytest.mark.parametrize("path", ["/", "/materials/", "/auth/login", "/no-such-page"])
def test_every_response_carries_security_headers(client, path: str) -> None:
    headers = client.get(path).headers

    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_pages_have_no_inline_scripts_or_external_assets(client) -> None:
    page = client.get("/").get_data(as_text=True)

    assert "<script>" not in page and " on" + "click=" not in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite settings")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app) -> None:
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite settings")
def test_sqlite_write_transactions_begin_immediate(app) -> None:
    statements: list[str] = []
    with app.app_context():
        raw = db.engine.raw_connection()
        raw.driver_connection.set_trace_callback(statements.append)
        cursor = raw.cursor()
        cursor.execute("INSERT INTO units (region, district) VALUES ('R', 'D')")
        raw.commit()
        raw.close()

    assert "BEGIN IMMEDIATE" in statements


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite locking")
def test_concurrent_writers_queue_instead_of_failing(app) -> None:
    """Eight threads, each with its own connection, write at once: with the busy timeout every
    writer waits its turn and every row arrives (a zero timeout fails here with "locked")."""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(10):
                    db.session.execute(text("SELECT count(*) FROM units")).scalar()
                    db.session.execute(text("INSERT INTO units (region, district) VALUES (:r, :d)"),
                                       {"r": f"R{n}", "d": f"D{i}"})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM units")).scalar() == 80


def test_server_error_page_shows_no_traceback(tmp_path: Path) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom", headers={"Accept-Language": "ru"})

    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in page and "Traceback" not in page
    assert '<html lang="ru">' in page


def test_statement_listener_is_clean(app) -> None:
    """Sanity check of the helper the GET-never-writes test relies on."""
    seen: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, stmt, *a: seen.append(stmt))
        db.session.execute(text("SELECT 1"))
    assert seen == ["SELECT 1"]
