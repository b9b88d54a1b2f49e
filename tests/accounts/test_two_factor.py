"""Two-factor login (TOTP) for staff: set-up with a QR code, the second login step, throttling,
replays, recovery codes, turning it off, and the admin's requirement."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts import settings, two_factor
from portal.accounts.models import RecoveryCode, TwoFactorCredential, User
from portal.content.audit import AuditEntry
from portal.extensions import db
from tests.conftest import PASSWORD, create_token, make_user

SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')
CODE = re.compile(r"<li><code>([a-z0-9-]{19})</code></li>")


def code_for(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + offset_steps)


def enable(client) -> tuple[str, list[str]]:
    """Turn two-factor login on through the pages; returns the secret and recovery codes."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    response = client.post("/account/two-factor/confirm", data={"code": code_for(secret, -1)})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = CODE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def staff_with_two_factor(app, client, auth, email: str = "editor@example.uz"):
    with app.app_context():
        make_user("editor", email)
    auth.login(email)
    secret, codes = enable(client)
    auth.logout()
    return secret, codes


def test_a_staff_user_turns_it_on_with_a_qr_code_and_a_code(app, client, as_role) -> None:
    as_role("consultant")
    client.post("/account/two-factor/start")

    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    right = client.post("/account/two-factor/confirm", data={"code": code_for(secret)})
    shown = right.get_data(as_text=True)
    again = client.get("/account/two-factor/recovery-codes")
    reloaded = client.post("/account/two-factor/confirm", data={"code": code_for(secret)})

    assert '<svg role="img" aria-label="QR code for your authenticator app"' in page
    assert "<script" not in page.split("<main")[1]
    assert wrong.status_code == 422 and "This code is wrong" in wrong.get_data(as_text=True)
    assert 'aria-describedby="code-hint code-error"' in wrong.get_data(as_text=True)
    # Shown in the answer to the POST, kept out of caches, never again.
    assert right.status_code == 200 and right.headers["Cache-Control"] == "no-store"
    assert len(CODE.findall(shown)) == 10 and "Two-factor login is on" in shown
    assert again.status_code == 302 and not CODE.findall(again.get_data(as_text=True))
    assert reloaded.status_code == 302  # sent again: nothing to confirm, nothing shown
    with app.app_context():
        credential = db.session.scalar(select(TwoFactorCredential))
        assert credential.confirmed_at is not None
        assert secret not in credential.secret_box  # encrypted, not plain
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10
        assert not set(CODE.findall(shown)) & set(hashes)
        assert "user.two_factor_on" in {e.action for e in db.session.scalars(
            select(AuditEntry))}


def test_an_unconfirmed_setup_does_not_change_the_login(app, client, auth) -> None:
    with app.app_context():
        make_user("trainer", "trainer@example.uz")
    auth.login("trainer@example.uz")
    client.post("/account/two-factor/start")
    auth.logout()

    assert auth.login("trainer@example.uz").headers["Location"] == "/"


def test_login_needs_the_code_after_the_password(app, client, auth) -> None:
    secret, _ = staff_with_two_factor(app, client, auth)

    first = auth.login("editor@example.uz")

    assert first.status_code == 302 and first.headers["Location"] == "/auth/login/code"
    assert client.get("/account").status_code == 302  # not logged in yet
    assert client.get("/auth/login/code").status_code == 200
    done = client.post("/auth/login/code", data={"code": code_for(secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/account").status_code == 200
    with app.app_context():
        actions = [e.action for e in db.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-2:] == ["user.login_password", "user.login"]


def test_a_wrong_code_is_refused_and_wrong_codes_are_throttled(app, client, auth) -> None:
    secret, _ = staff_with_two_factor(app, client, auth)
    auth.login("editor@example.uz")

    wrong = client.post("/auth/login/code", data={"code": "123456"})
    for _ in range(4):
        client.post("/auth/login/code", data={"code": "654321"})
    blocked = client.post("/auth/login/code", data={"code": code_for(secret)})

    assert wrong.status_code == 401
    assert "This code is wrong" in wrong.get_data(as_text=True)
    assert 'aria-describedby="code-hint code-error"' in wrong.get_data(as_text=True)
    assert blocked.status_code == 429  # even the right code waits now
    assert "Too many wrong codes" in blocked.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    # Starting over with the password does not reset the count for the account.
    auth.login("editor@example.uz")
    assert client.post("/auth/login/code", data={"code": code_for(secret)}).status_code == 429


def test_a_code_cannot_be_used_twice(app, client, auth) -> None:
    secret, _ = staff_with_two_factor(app, client, auth)
    code = code_for(secret)
    auth.login("editor@example.uz")
    assert client.post("/auth/login/code", data={"code": code}).status_code == 302
    auth.logout()

    auth.login("editor@example.uz")
    replay = client.post("/auth/login/code", data={"code": code})
    earlier = client.post("/auth/login/code", data={"code": code_for(secret, -1)})

    assert replay.status_code == 401
    assert earlier.status_code == 401  # an older step than the last one used
    assert client.get("/account").status_code == 302


def test_a_recovery_code_works_once(app, client, auth) -> None:
    _, codes = staff_with_two_factor(app, client, auth)

    auth.login("editor@example.uz")
    used = client.post("/auth/login/code", data={"code": codes[0].upper()})
    assert used.status_code == 302
    assert "9 are left" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("editor@example.uz")
    again = client.post("/auth/login/code", data={"code": codes[0]})

    assert again.status_code == 401
    assert client.post("/auth/login/code", data={"code": codes[1]}).status_code == 302


def test_the_pending_step_expires(app, client, auth, monkeypatch) -> None:
    secret, _ = staff_with_two_factor(app, client, auth)
    auth.login("editor@example.uz")
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + 301)

    response = client.post("/auth/login/code", data={"code": "123456"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/account").status_code == 302


def test_the_second_step_needs_a_right_password_first(client) -> None:
    response = client.get("/auth/login/code")

    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_turning_it_off_needs_a_code_or_the_password(app, client, auth) -> None:
    secret, _ = staff_with_two_factor(app, client, auth)
    auth.login("editor@example.uz")
    client.post("/auth/login/code", data={"code": code_for(secret)})

    refused = client.post("/account/two-factor/disable", data={"off-secret": "Not-my-pass-1"})
    done = client.post("/account/two-factor/disable", data={"off-secret": PASSWORD})

    assert refused.status_code == 422
    assert "neither a current code nor your password" in refused.get_data(as_text=True)
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(TwoFactorCredential)) is None
        assert db.session.scalar(select(RecoveryCode)) is None
    auth.logout()
    assert auth.login("editor@example.uz").headers["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(app, client, auth) -> None:
    secret, old = staff_with_two_factor(app, client, auth)
    auth.login("editor@example.uz")
    client.post("/auth/login/code", data={"code": code_for(secret)})

    response = client.post("/account/two-factor/recovery-codes",
                           data={"codes-secret": code_for(secret, 1)})
    new = CODE.findall(response.get_data(as_text=True))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert client.get("/account").status_code == 200  # this device stays logged in
    auth.logout()
    auth.login("editor@example.uz")

    assert len(new) == 10 and not set(new) & set(old)
    assert client.post("/auth/login/code", data={"code": old[0]}).status_code == 401
    assert client.post("/auth/login/code", data={"code": new[0]}).status_code == 302


@pytest.mark.parametrize("role", ["citizen", "inspector"])
def test_non_staff_do_not_see_the_option(client, as_role, role) -> None:
    as_role(role)

    assert "Two-factor" not in client.get("/account").get_data(as_text=True)
    assert client.get("/account/two-factor").status_code == 404
    assert client.post("/account/two-factor/start").status_code == 404


@pytest.mark.parametrize("role", ["admin", "editor", "trainer", "consultant"])
def test_staff_see_the_option(client, as_role, role) -> None:
    as_role(role)

    assert "Manage two-factor login" in client.get("/account").get_data(as_text=True)
    assert client.get("/account/two-factor").status_code == 200


def test_an_admin_requirement_sends_staff_to_set_it_up(app, client, auth) -> None:
    with app.app_context():
        make_user("admin", "root@example.uz")
        make_user("trainer", "trainer@example.uz")
        make_user("inspector", "learner@example.uz")
    admin = app.test_client()
    admin.post("/auth/login", data={"email": "root@example.uz", "password": PASSWORD})
    first = admin.post("/admin/settings", data={"two_factor_required": "y"})
    assert first.status_code == 422
    assert "for your own account first" in first.get_data(as_text=True)
    enable(admin)
    saved = admin.post("/admin/settings", data={"two_factor_required": "y"})
    assert saved.status_code == 302
    assert "trainer@example.uz" in admin.get("/admin/settings").get_data(as_text=True)

    login = auth.login("trainer@example.uz")
    blocked = [client.get(url) for url in ("/", "/account", "/courses/", "/account/tokens")]

    assert login.headers["Location"] == "/account/two-factor"
    assert all(r.status_code == 302 for r in blocked)
    assert {r.headers["Location"] for r in blocked} == {"/account/two-factor"}
    assert client.get("/account/two-factor").status_code == 200
    secret, _ = enable(client)
    assert client.get("/courses/").status_code == 200
    refused = client.post("/account/two-factor/disable", data={"off-secret": PASSWORD})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(TwoFactorCredential)).confirmed_at is not None
    # Not staff: not asked.
    learner = app.test_client()
    learner.post("/auth/login", data={"email": "learner@example.uz", "password": PASSWORD})
    assert learner.get("/courses/").status_code == 200
    # Staff with two-factor on go about their work.
    assert admin.get("/admin/users").status_code == 200
    with app.app_context():
        assert settings.get_bool("two_factor_required")
        assert "settings.change" in {e.action for e in db.session.scalars(select(AuditEntry))}


@pytest.mark.parametrize("role", ["editor", "consultant", "inspector"])
def test_only_admins_change_the_settings(client, as_role, role) -> None:
    as_role(role)

    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data={"two_factor_required": "y"}).status_code == 403


def test_the_secret_is_not_stored_in_plain_and_needs_the_secret_key(app) -> None:
    with app.app_context(), app.test_request_context():
        user = make_user("editor", "e@example.uz")
        credential = two_factor.begin_setup(user)
        db.session.commit()
        secret = two_factor.pending_secret(user)
        assert secret and secret not in credential.secret_box
        app.config["SECRET_KEY"] = "another-key"
        assert two_factor.pending_secret(user) is None
        app.config["SECRET_KEY_FALLBACKS"] = ["test-secret"]  # a rotated key still opens it
        assert two_factor.pending_secret(user) == secret


def test_logging_in_does_not_leak_the_codes_into_the_audit_log(app, client, auth) -> None:
    secret, codes = staff_with_two_factor(app, client, auth)
    auth.login("editor@example.uz")
    client.post("/auth/login/code", data={"code": "111111"})
    client.post("/auth/login/code", data={"code": codes[2]})

    with app.app_context():
        text = " ".join(f"{e.comment} {e.detail} {e.object_label}"
                        for e in db.session.scalars(select(AuditEntry)))
        user = db.session.scalar(select(User).where(User.email == "editor@example.uz"))
        assert user.last_login_at is not None
    assert "111111" not in text and codes[2] not in text and secret not in text


def test_the_new_pages_do_not_write_on_get(app, client, auth) -> None:
    """As tests/test_routes.py asks of every GET, for these pages in each of their states."""
    from sqlalchemy import event

    from portal.accounts import tokens

    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.I)
    with app.app_context():
        make_user("admin", "root@example.uz")
        owner = db.session.scalar(select(User))
        token, _ = tokens.create_token(owner, "t", ["learning:read"])
        db.session.commit()
        token_id = token.id
    auth.login("root@example.uz")
    client.post("/account/two-factor/start")  # a set-up waiting: the page shows the QR code
    create_token(client, name="n", expires="30")
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    urls = ["/account", "/account/tokens", f"/account/tokens/revoke?token={token_id}",
            "/account/tokens/revoke", "/account/tokens/revoke?token=x", "/account/two-factor",
            "/account/two-factor/recovery-codes", "/admin/settings", "/auth/login/code"]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for url in urls:
                response = client.get(url)
                assert response.status_code < 500, url
                assert [s for s in statements if writes.match(s)] == [], url
        finally:
            event.remove(db.engine, "before_cursor_execute", record)


def test_the_new_forms_refuse_a_post_without_csrf_token(tmp_path) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        make_user("admin", "root@example.uz")
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": "root@example.uz", "password": PASSWORD,
                                     "csrf_token": token})

    for url in ("/account/tokens", "/account/tokens/revoke", "/account/two-factor/start",
                "/account/two-factor/confirm", "/account/two-factor/recovery-codes",
                "/account/two-factor/disable", "/admin/settings", "/auth/login/code"):
        assert client.post(url, data={"code": "123456"}).status_code == 400, url
    with app.app_context():
        assert db.session.scalar(select(TwoFactorCredential)) is None


def test_the_console_resets_a_lost_two_factor(app, client, auth, runner) -> None:
    staff_with_two_factor(app, client, auth)

    result = runner.invoke(args=["users", "reset-two-factor", "editor@example.uz"])

    assert result.exit_code == 0, result.output
    assert auth.login("editor@example.uz").headers["Location"] == "/"


def test_the_new_pages_are_accessible(app, client, auth) -> None:
    from portal.accounts import tokens
    from tests.test_accessibility import check

    with app.app_context():
        make_user("admin", "root@example.uz")
        token, _ = tokens.create_token(db.session.scalar(select(User)), "t", ["learning:read"])
        db.session.commit()
        token_id = token.id
    auth.login("root@example.uz")
    pages = {"/account/two-factor (off)": client.get("/account/two-factor")}
    client.post("/account/two-factor/start")
    pages["/account/two-factor (set-up)"] = client.get("/account/two-factor")
    pages["wrong confirm"] = client.post("/account/two-factor/confirm", data={"code": "1"})
    client.post("/account/two-factor/start")
    secret = SECRET.search(client.get("/account/two-factor").get_data(as_text=True)).group(1)
    pages["recovery codes"] = client.post("/account/two-factor/confirm",
                                          data={"code": code_for(secret.replace(" ", ""))})
    assert len(CODE.findall(pages["recovery codes"].get_data(as_text=True))) == 10
    pages["/account/two-factor (on)"] = client.get("/account/two-factor")
    pages["wrong off"] = client.post("/account/two-factor/disable", data={"off-secret": "x"})
    client.post("/account/tokens", data={"name": "", "expires": "9"})
    pages["token errors"] = client.post("/account/tokens", data={"name": "", "expires": "9"})
    pages["new token"] = create_token(client, name="n", expires="30")
    assert 'id="new-token"' in pages["new token"].get_data(as_text=True)
    pages["/account/tokens"] = client.get("/account/tokens")
    pages["revoke"] = client.get(f"/account/tokens/revoke?token={token_id}")
    pages["/admin/settings"] = client.get("/admin/settings")
    pages["/account"] = client.get("/account")
    auth.logout()
    auth.login("root@example.uz")
    pages["/auth/login/code"] = client.get("/auth/login/code")
    pages["wrong code"] = client.post("/auth/login/code", data={"code": "x"})

    for name, response in pages.items():
        assert response.status_code < 500, name
        check(response.get_data(as_text=True), name)


def _remembered(app, email: str):
    """A client logged in with "keep me logged in", and its remember cookie's value."""
    device = app.test_client()
    device.post("/auth/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    return device, device.get_cookie("remember_token", domain="portal.test").value


def _only_the_remember_cookie(app, value: str):
    """A browser that was closed: its session cookie is gone, the remember cookie is not."""
    browser = app.test_client()
    browser.set_cookie("remember_token", value, domain="portal.test")
    return browser


def test_turning_it_on_ends_older_sessions_and_remember_cookies(app, client, auth) -> None:
    with app.app_context():
        make_user("editor", "editor@example.uz")
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": "editor@example.uz", "password": PASSWORD})
    _, before_setup = _remembered(app, "editor@example.uz")
    auth.login("editor@example.uz")

    enable(client)

    # This device gave a code and goes on; the others had only the password.
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    assert _only_the_remember_cookie(app, before_setup).get("/account").status_code == 302


def test_a_remember_cookie_needs_the_code_first(app, client, auth) -> None:
    """"Keep me logged in" after a complete two-factor login keeps this device logged in (for
    the cookie's 30 days, not for ever); the password step alone gives no cookie at all."""
    secret, _ = staff_with_two_factor(app, client, auth)
    device = app.test_client()

    device.post("/auth/login", data={"email": "editor@example.uz", "password": PASSWORD,
                                     "remember": "y"})
    after_password = device.get_cookie("remember_token", domain="portal.test")
    device.post("/auth/login/code", data={"code": code_for(secret)})
    cookie = device.get_cookie("remember_token", domain="portal.test")

    assert after_password is None
    assert cookie is not None
    assert cookie.expires is not None and cookie.expires.timestamp() - time.time() <= (
        app.config["REMEMBER_COOKIE_DURATION"] + 60)
    assert _only_the_remember_cookie(app, cookie.value).get("/account").status_code == 200


@pytest.mark.parametrize("change", ["new recovery codes", "turn off"])
def test_other_two_factor_changes_end_other_sessions_too(app, client, auth, change) -> None:
    """New codes are made when the old ones may have been seen, and it is turned off when the
    phone is lost: a session opened with a seen code, or on the lost phone, must end."""
    secret, _ = staff_with_two_factor(app, client, auth)
    other = app.test_client()
    other.post("/auth/login", data={"email": "editor@example.uz", "password": PASSWORD,
                                    "remember": "y"})
    other.post("/auth/login/code", data={"code": code_for(secret)})
    remember = other.get_cookie("remember_token", domain="portal.test").value
    assert other.get("/account").status_code == 200
    auth.login("editor@example.uz")
    client.post("/auth/login/code", data={"code": code_for(secret, 1)})

    if change == "turn off":
        response = client.post("/account/two-factor/disable", data={"off-secret": PASSWORD})
    else:
        response = client.post("/account/two-factor/recovery-codes",
                               data={"codes-secret": PASSWORD})

    assert response.status_code in (200, 302)
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert _only_the_remember_cookie(app, remember).get("/account").status_code == 302


def test_the_recovery_codes_are_not_kept_in_the_session_cookie(app, client, as_role) -> None:
    as_role("trainer")

    _, codes = enable(client)
    cookie = client.get_cookie("session", domain="portal.test").value
    replayed = app.test_client()
    replayed.set_cookie("session", cookie, domain="portal.test")
    again = replayed.get("/account/two-factor/recovery-codes", follow_redirects=True)

    content = repr(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert not [c for c in codes if c in content or c.replace("-", "") in content]
    assert not CODE.findall(again.get_data(as_text=True))


def test_the_requirement_leaves_the_api_to_its_tokens(app, client, auth) -> None:
    """A staff browser session without two-factor, while it is required: the API answers in
    JSON as for anyone (it ignores the session), and does not vary on the cookie."""
    with app.app_context():
        make_user("trainer", "trainer@example.uz")
        admin = make_user("admin", "root@example.uz")
        settings.set_bool("two_factor_required", True, actor=admin)
        db.session.commit()
    auth.login("trainer@example.uz")
    assert client.get("/courses/").headers["Location"] == "/account/two-factor"

    public = client.get("/api/v1/")
    private = client.get("/api/v1/me/learning")

    assert public.status_code == 200 and public.mimetype == "application/json"
    assert private.status_code == 401 and private.mimetype == "application/json"
    for response in (public, private):
        assert "cookie" not in response.headers.get("Vary", "").lower()
        assert "Set-Cookie" not in response.headers
