"""Registration, login, throttling, sessions that end everywhere, passwords."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.content.audit import AuditEntry
from portal.extensions import db
from tests.conftest import PASSWORD, make_user


def register(client, **overrides):
    data = {"name": "Aziza Rahimova", "email": "aziza@example.uz", "password": PASSWORD,
            "confirm": PASSWORD, "language": "ru"}
    data.update(overrides)
    return client.post("/auth/register", data=data)


def test_registration_creates_a_citizen_and_logs_in(app, client) -> None:
    response = register(client, email="Aziza@Example.UZ")

    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "aziza@example.uz"))
        assert user.roles == {"citizen"}
        assert user.language == "ru"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(("password", "message"), [
    ("short1", "at least 8 characters"),
    ("x" * 129, "at most 128 characters"),
    ("password123", "too common"),
    ("qwertyuiop", "too common"),
])
def test_weak_passwords_are_refused_next_to_the_field(app, client, password, message) -> None:
    response = register(client, password=password, confirm=password)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'aria-describedby="password-hint password-error"' in page
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_a_64_character_password_is_accepted(client) -> None:
    long_password = "Tashkent-" * 7 + "x"

    assert len(long_password) == 64
    assert register(client, password=long_password, confirm=long_password).status_code == 302


def test_registration_refuses_a_taken_email(app, client) -> None:
    with app.app_context():
        make_user("citizen", "aziza@example.uz")

    response = register(client)

    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_login_error_is_the_same_for_unknown_email_and_wrong_password(app, client, auth) -> None:
    with app.app_context():
        make_user("citizen", "known@example.uz")

    unknown = auth.login("nobody@example.uz", PASSWORD)
    wrong = auth.login("known@example.uz", "Wrong-password-1")

    assert unknown.status_code == wrong.status_code == 401
    message = "The email or the password is wrong."
    assert message in unknown.get_data(as_text=True)
    assert message in wrong.get_data(as_text=True)


def test_failed_logins_are_throttled_per_account(app, client, auth) -> None:
    with app.app_context():
        make_user("citizen", "target@example.uz")

    for _ in range(5):
        assert auth.login("target@example.uz", "Wrong-password-1").status_code == 401
    blocked = auth.login("target@example.uz", PASSWORD)  # even the right password now waits

    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    other = app.test_client()  # the counter is in the database: another client is blocked too
    assert other.post("/auth/login", data={"email": "target@example.uz",
                                           "password": PASSWORD}).status_code == 429


def test_failed_logins_are_throttled_per_address(app, client, auth) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    with app.app_context():
        make_user("citizen", "fresh@example.uz")

    for n in range(3):
        auth.login(f"guess{n}@example.uz", "Wrong-password-1")

    assert auth.login("fresh@example.uz", PASSWORD).status_code == 429
    elsewhere = app.test_client().post(
        "/auth/login", data={"email": "fresh@example.uz", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 302


def test_successful_login_is_audited_without_the_password(app, auth) -> None:
    with app.app_context():
        make_user("citizen", "audit@example.uz")

    auth.login("audit@example.uz")

    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        assert "user.login" in {e.action for e in entries}
        assert all(PASSWORD not in f"{e.comment}{e.detail}{e.object_label}" for e in entries)


def test_logout_ends_a_copied_session_cookie(app, client, auth) -> None:
    with app.app_context():
        make_user("citizen", "copy@example.uz")
    auth.login("copy@example.uz")
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session", domain="portal.test").value,
                      domain="portal.test")
    assert stolen.get("/account").status_code == 200

    auth.logout()

    assert stolen.get("/account").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, auth) -> None:
    with app.app_context():
        make_user("citizen", "change@example.uz")
    auth.login("change@example.uz")
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": "change@example.uz", "password": PASSWORD})
    new = "Another-river-77"

    response = client.post("/account/password", data={
        "current": PASSWORD, "password": new, "confirm": new})

    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    client.post("/auth/logout")
    assert auth.login("change@example.uz", new).status_code == 302


def test_password_change_needs_the_current_password(app, client, as_role) -> None:
    as_role("citizen")

    response = client.post("/account/password", data={
        "current": "not-it-at-all", "password": "Another-river-77", "confirm": "Another-river-77"})

    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)


def test_disabled_account_loses_its_sessions_and_cannot_log_in(app, client, auth) -> None:
    with app.app_context():
        make_user("admin", "root@example.uz")
        user = make_user("citizen", "victim@example.uz")
        user_id = user.id
    victim = app.test_client()
    victim.post("/auth/login", data={"email": "victim@example.uz", "password": PASSWORD})
    auth.login("root@example.uz")

    client.post(f"/admin/users/{user_id}", data={"roles": ["citizen"], "unit_id": "0"})

    assert victim.get("/account").status_code == 302
    assert victim.post("/auth/login", data={"email": "victim@example.uz",
                                            "password": PASSWORD}).status_code == 401


def test_profile_keeps_the_language(app, client, as_role) -> None:
    as_role("citizen")

    client.post("/account", data={"name": "New Name", "language": "en",
                                  "timezone": "Asia/Tashkent"})

    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'value="New Name"' in page


def test_profile_keeps_the_time_zone_and_refuses_an_unknown_one(app, client, as_role) -> None:
    as_role("citizen")

    saved = client.post("/account", data={"name": "N", "language": "en",
                                          "timezone": "Europe/Berlin"})
    refused = client.post("/account", data={"name": "N", "language": "en",
                                            "timezone": "Mars/Olympus"})

    assert saved.status_code == 302
    assert refused.status_code == 422
    assert '<option selected value="Europe/Berlin">' in client.get("/account").get_data(
        as_text=True)


def test_login_redirects_only_to_local_pages(app, client) -> None:
    with app.app_context():
        make_user("citizen", "next@example.uz")

    response = client.post("/auth/login?next=https://evil.example/steal",
                           data={"email": "next@example.uz", "password": PASSWORD})

    assert response.headers["Location"] == "/"


def test_users_create_command(app, runner) -> None:
    result = runner.invoke(args=["users", "create", "insp@example.uz", "--role", "inspector",
                                 "--role", "trainer", "--unit", "Samarqand viloyati/Urgut tumani"])

    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "insp@example.uz"))
        assert user.roles == {"inspector", "trainer"}
        assert user.unit.district == "Urgut tumani"
    assert app.test_client().post("/auth/login", data={
        "email": "insp@example.uz", "password": password}).status_code == 302


def test_users_create_refuses_a_duplicate(app, runner) -> None:
    runner.invoke(args=["users", "create", "dup@example.uz"])

    result = runner.invoke(args=["users", "create", "dup@example.uz"])

    assert result.exit_code != 0
    assert "email taken" in result.output


def test_parallel_failed_logins_cannot_outrun_the_limit(app) -> None:
    """Twelve wrong passwords at the same moment: at most five are even checked."""
    with app.app_context():
        make_user("citizen", "burst@example.uz")
    start = threading.Barrier(12)
    statuses: list[int] = []

    def attempt() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(client.post("/auth/login", data={
            "email": "burst@example.uz", "password": "Wrong-password-1"}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(statuses) == 12
    assert statuses.count(401) <= 5
    assert statuses.count(429) >= 7


def test_successful_logins_do_not_use_up_the_address_limit(app) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    with app.app_context():
        for n in range(5):
            make_user("citizen", f"colleague{n}@example.uz")

    statuses = [app.test_client().post("/auth/login", data={
        "email": f"colleague{n}@example.uz", "password": PASSWORD}).status_code
        for n in range(5)]

    assert statuses == [302] * 5


def test_what_was_typed_into_the_login_form_is_never_stored(app, auth) -> None:
    from portal.throttle import ThrottleCounter

    auth.login("My-Secret-Passw0rd!", "whatever-else")

    with app.app_context():
        keys = db.session.scalars(select(ThrottleCounter.key)).all()
        entries = db.session.scalars(select(AuditEntry)).all()
    assert keys and not any("secret" in k.lower() for k in keys)
    assert entries and all("secret" not in e.object_label.lower() for e in entries)


def test_password_change_works_in_a_session_restored_from_remember_me(app, client) -> None:
    with app.app_context():
        make_user("citizen", "remember@example.uz")
    client.post("/auth/login", data={"email": "remember@example.uz", "password": PASSWORD,
                                     "remember": "y"})
    client.delete_cookie("session", domain="portal.test")
    assert client.get("/account").status_code == 200  # back in through the remember cookie
    new = "Another-river-77"

    response = client.post("/account/password", data={
        "current": PASSWORD, "password": new, "confirm": new})

    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_registrations_from_one_address_are_limited(app, client) -> None:
    app.config["REGISTRATIONS_PER_ADDRESS_PER_HOUR"] = 2
    for n in range(2):
        assert app.test_client().post("/auth/register", data={
            "name": "N", "email": f"r{n}@example.uz", "password": PASSWORD,
            "confirm": PASSWORD, "language": "en"}).status_code == 302

    response = register(client, email="third@example.uz")

    assert response.status_code == 429
    assert "Too many new accounts" in response.get_data(as_text=True)
    with app.app_context():
        assert find(app, "third@example.uz") is None


def test_a_double_clicked_registration_creates_one_account(app) -> None:
    start = threading.Barrier(4)
    statuses: list[int] = []

    def click() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(register(client, email="double@example.uz").status_code)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(statuses) == [302, 422, 422, 422]
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def find(app, email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))
