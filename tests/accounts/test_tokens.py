"""Personal access tokens: created on the account page and shown once, stored hashed, scoped
by roles, revoked by their owner only; :func:`tokens.authenticate` for the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from portal.accounts import tokens
from portal.accounts.models import PersonalToken, User
from portal.content.audit import AuditEntry
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import NEW_TOKEN, create_token, form_key, make_user


def test_a_user_creates_a_token_and_sees_it_once(app, client, as_role) -> None:
    as_role("inspector")

    response = create_token(client)
    shown = response.get_data(as_text=True)
    second = client.get("/account/tokens").get_data(as_text=True)

    # Shown in the answer to the POST itself, kept out of caches, never again.
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = NEW_TOKEN.search(shown).group(1)
    assert "Copy it now" in shown and "Reporting script" in shown
    assert raw not in second and "Reporting script" in second
    assert client.get("/account/tokens").headers["Cache-Control"] == "no-store"
    with app.app_context():
        token = db.session.scalar(select(PersonalToken))
        assert token.prefix == raw[:11] and token.prefix in second
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in (token.token_hash, token.prefix, token.name)
        assert token.scope_set == {"learning:read"}
        assert timedelta(days=89) < token.expires_at - utcnow() <= timedelta(days=90)
        user, scopes = tokens.authenticate(raw)
        assert user.email == "inspector-session@example.uz"
        assert scopes == {"learning:read"}


def test_token_creation_and_revocation_are_audited_without_the_token(app, client,
                                                                    as_role) -> None:
    as_role("trainer")
    raw = NEW_TOKEN.search(create_token(client).get_data(as_text=True)).group(1)
    with app.app_context():
        token_id = db.session.scalar(select(PersonalToken.id))

    client.post("/account/tokens/revoke", data={"token_id": token_id})

    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        assert {"token.create", "token.revoke"} <= {e.action for e in entries}
        assert all(raw not in f"{e.comment}{e.detail}{e.object_label}" for e in entries)
        assert all(raw[12:20] not in f"{e.comment}{e.detail}{e.object_label}" for e in entries)


def test_a_double_submitted_form_creates_one_token(app, client, as_role) -> None:
    as_role("inspector")
    page = client.get("/account/tokens").get_data(as_text=True)
    key = form_key(page)
    data = {"name": "Twice", "scopes": ["learning:read"], "expires": "30", "form_key": key}

    first = client.post("/account/tokens", data=data)
    again = client.post("/account/tokens", data=data)  # a double click, or a reload
    raw = NEW_TOKEN.search(first.get_data(as_text=True)).group(1)

    assert again.status_code == 302
    followed = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already sent" in followed and raw not in followed
    with app.app_context():
        assert len(db.session.scalars(select(PersonalToken)).all()) == 1


def test_the_page_showing_a_token_offers_a_new_form_for_the_next_one(app, client,
                                                                    as_role) -> None:
    as_role("inspector")
    first = create_token(client, name="First")
    page = first.get_data(as_text=True)
    key = form_key(page)

    second = client.post("/account/tokens", data={
        "name": "Second", "scopes": ["learning:read"], "expires": "30", "form_key": key})

    assert 'value="First"' not in page  # the form is empty again
    assert second.status_code == 200 and NEW_TOKEN.search(second.get_data(as_text=True))
    with app.app_context():
        assert len(db.session.scalars(select(PersonalToken)).all()) == 2


def test_the_token_is_not_kept_in_the_session_cookie(app, client, as_role) -> None:
    """Flask's session is signed, not encrypted: a copy of the cookie taken after the token
    was made (from a shared computer, a proxy log) must not show it."""
    as_role("inspector")

    response = create_token(client)
    raw = NEW_TOKEN.search(response.get_data(as_text=True)).group(1)
    cookie = client.get_cookie("session", domain="portal.test")
    replayed = app.test_client()
    replayed.set_cookie("session", cookie.value, domain="portal.test")
    page = replayed.get("/account/tokens").get_data(as_text=True)

    serializer = app.session_interface.get_signing_serializer(app)
    assert raw not in repr(serializer.loads(cookie.value))
    assert raw not in page and "Reporting script" in page


def test_scopes_are_limited_by_roles(app, client, as_role) -> None:
    as_role("citizen")

    page = client.get("/account/tokens").get_data(as_text=True)
    refused = create_token(client, scopes=["learning:read", "exports:read"])

    assert "Download staff exports" not in page
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(PersonalToken)) is None
        citizen = db.session.scalar(select(User))
        assert tokens.allowed_scopes(citizen) == {"learning:read"}
        consultant = make_user("consultant", "c@example.uz")
        trainer = make_user("trainer", "t@example.uz")
        admin = make_user("admin", "a@example.uz")
        # The consultation queue's statistics are a consultant's export.
        assert tokens.allowed_scopes(consultant) == {"learning:read", "exports:read"}
        assert tokens.allowed_scopes(make_user("inspector", "i@example.uz")) == {
            "learning:read"}
        assert tokens.allowed_scopes(trainer) == {"learning:read", "exports:read"}
        assert tokens.allowed_scopes(admin) == {"learning:read", "exports:read"}
        try:
            tokens.create_token(citizen, "x", ["exports:read"])
        except tokens.TokenError:
            pass
        else:
            raise AssertionError("a citizen got exports:read")


def test_staff_with_an_export_permission_may_have_exports_read(app, client, as_role) -> None:
    as_role("trainer")

    assert "Download staff exports" in client.get("/account/tokens").get_data(as_text=True)
    assert create_token(client, scopes=["learning:read", "exports:read"],
                  expires="0").status_code == 200

    with app.app_context():
        token = db.session.scalar(select(PersonalToken))
        assert token.scope_set == {"learning:read", "exports:read"}
        assert token.expires_at is None


def test_authenticate_refuses_unknown_malformed_revoked_expired_and_inactive(app) -> None:
    with app.app_context():
        owner = make_user("trainer", "owner@example.uz")
        live, live_raw = tokens.create_token(owner, "live", ["learning:read"])
        _, revoked_raw = tokens.create_token(owner, "revoked", ["learning:read"])
        expired, expired_raw = tokens.create_token(owner, "expired", ["learning:read"],
                                                   utcnow() + timedelta(days=1))
        db.session.commit()
        revoked = db.session.scalar(select(PersonalToken).where(PersonalToken.name == "revoked"))
        tokens.revoke(revoked, owner)
        expired.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

        assert tokens.authenticate(live_raw) is not None
        assert tokens.authenticate(revoked_raw) is None
        assert tokens.authenticate(expired_raw) is None
        assert tokens.authenticate("hq_abcdefgh_" + "A" * 43) is None  # unknown
        assert tokens.authenticate(live_raw[:-1] + ("B" if live_raw[-1] != "B" else "C")) is None
        assert tokens.authenticate("") is None
        assert tokens.authenticate("Bearer " + live_raw) is None
        assert tokens.authenticate(live_raw + "x") is None

        owner.active = False
        db.session.commit()
        assert tokens.authenticate(live_raw) is None


def test_scopes_follow_the_owners_roles_today(app) -> None:
    with app.app_context():
        trainer = make_user("trainer", "was-trainer@example.uz")
        _, raw = tokens.create_token(trainer, "exports", ["exports:read", "learning:read"])
        trainer.set_roles({"inspector"})
        db.session.commit()

        _, scopes = tokens.authenticate(raw)

        assert scopes == {"learning:read"}


def test_last_used_is_written_at_most_once_a_minute(app) -> None:
    with app.app_context():
        owner = make_user("inspector", "used@example.uz")
        token, raw = tokens.create_token(owner, "t", ["learning:read"])
        db.session.commit()
        token_id = token.id

        tokens.authenticate(raw)
        db.session.rollback()  # the caller's transaction does not matter: the time is kept
        first = db.session.get(PersonalToken, token_id).last_used_at
        tokens.authenticate(raw)
        db.session.rollback()
        again = db.session.get(PersonalToken, token_id).last_used_at
        db.session.get(PersonalToken, token_id).last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
        tokens.authenticate(raw)
        db.session.rollback()
        later = db.session.get(PersonalToken, token_id).last_used_at

    assert first is not None and again == first
    assert later > first - timedelta(seconds=1) and utcnow() - later < timedelta(seconds=5)


def test_another_user_cannot_see_or_revoke_a_token(app, client, as_role) -> None:
    with app.app_context():
        owner = make_user("trainer", "owner@example.uz")
        token, raw = tokens.create_token(owner, "Owner's script", ["learning:read"])
        db.session.commit()
        token_id = token.id
    as_role("admin")  # even an admin: the account page is the owner's

    assert "Owner's script" not in client.get("/account/tokens").get_data(as_text=True)
    assert client.get(f"/account/tokens/revoke?token={token_id}").status_code == 404
    assert client.post("/account/tokens/revoke",
                       data={"token_id": token_id}).status_code == 404

    with app.app_context():
        assert db.session.get(PersonalToken, token_id).revoked_at is None
        assert tokens.authenticate(raw) is not None


def test_the_owner_revokes_after_confirming(app, client, as_role) -> None:
    as_role("inspector")
    raw = NEW_TOKEN.search(create_token(client, name="Old laptop").get_data(as_text=True)).group(1)
    with app.app_context():
        token_id = db.session.scalar(select(PersonalToken.id))

    confirm = client.get(f"/account/tokens/revoke?token={token_id}")
    revoked = client.post("/account/tokens/revoke", data={"token_id": token_id})

    assert confirm.status_code == 200 and "Old laptop" in confirm.get_data(as_text=True)
    assert revoked.status_code == 302
    after = client.get("/account/tokens").get_data(as_text=True)
    assert "is revoked" in after and "<td>Old laptop</td>" not in after
    assert client.get(f"/account/tokens/revoke?token={token_id}").status_code == 404
    with app.app_context():
        assert tokens.authenticate(raw) is None


def test_the_form_needs_a_name_and_a_scope_shown_next_to_the_fields(client, as_role) -> None:
    as_role("inspector")

    response = create_token(client, name="", scopes=[])

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="name-hint name-error"' in page
    assert 'id="scopes-error"' in page


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    assert client.get("/account/tokens").status_code == 302


def test_an_absurd_token_id_is_a_bad_request_not_an_error(app, client, as_role) -> None:
    as_role("inspector")

    for value in ("100000000000000000000", "-1", "x"):
        shown = client.get(f"/account/tokens/revoke?token={value}")
        sent = client.post("/account/tokens/revoke", data={"token_id": value})
        assert shown.status_code in (400, 404) and sent.status_code in (400, 404), value
