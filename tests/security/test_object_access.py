"""Object-level access: two users of the same role, and one tries the other's ids.

Each check is what an attacker would do with a URL from their own account: put in the other
user's attempt id, certificate code, request reference or registration token, and read the
answer. The answer must be a refusal (403/404/401) that shows nothing of the owner's data, and a
refused write must change nothing. Personal access tokens too: another user cannot revoke one,
a token reads its owner's record only, and the raw token is never shown twice.
"""

from __future__ import annotations

import base64
import sqlite3

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts import tokens
from portal.accounts.models import PersonalToken
from portal.content.audit import AuditEntry
from portal.extensions import db
from tests.conftest import NEW_TOKEN, create_token
from tests.security.conftest import (
    Owned,
    Seed,
    data_version,
    email_of,
    login,
    make_token,
)

#: 409 is the staff pages' "another consultant has taken this request": it says the reference
#: exists and is taken, nothing of its content.
REFUSED = {401, 403, 404, 409}


@pytest.fixture(scope="module")
def pair(sweep_app: Flask) -> dict[str, FlaskClient]:
    """Logged-in clients of the owners and of their same-role rivals."""
    return {key: login(sweep_app, email_of(key.rstrip("2"), 2 if key.endswith("2") else 1))
            for key in ("citizen", "citizen2", "inspector", "inspector2", "consultant",
                        "consultant2")}


def assert_refused_without_leak(client: FlaskClient, method: str, path: str, owner: Owned,
                                database_version: sqlite3.Connection, *,
                                status: int | None = None, secrets: tuple[str, ...] = (),
                                **kwargs: object) -> None:
    """The intruder's request is refused (with *status*, when given), shows none of the
    owner's data (nor *secrets*), writes nothing."""
    before = data_version(database_version)
    response = client.open(path, method=method, **kwargs)  # type: ignore[arg-type]
    page = response.get_data(as_text=True)
    response.close()
    assert response.status_code in REFUSED, (method, path, response.status_code)
    assert status is None or response.status_code == status, (method, path)
    # Not the reference or code: the intruder typed those, and the page's language switch
    # echoes the address.
    for secret in (owner.name, owner.email, owner.consultation_question, *secrets):
        if secret:
            assert secret not in page, f"{method} {path} leaks {secret!r}"
    if method != "GET":
        assert data_version(database_version) == before, f"{method} {path} changed the database"


def test_owners_reach_their_own_objects(sweep_app: Flask, seed: Seed,
                                        pair: dict[str, FlaskClient]) -> None:
    """The positive control: the same URLs work for their owners (else a refusal proves
    nothing)."""
    inspector, citizen = seed.users["inspector"], seed.users["citizen"]
    assert pair["inspector"].get(
        f"/courses/{inspector.course_slug}/attempts/{inspector.attempt_id}/review"
    ).status_code == 200
    response = pair["inspector"].get(f"/certificates/{inspector.certificate_code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    page = pair["citizen"].get(f"/consultations/mine/{citizen.consultation_reference}")
    assert citizen.consultation_question in page.get_data(as_text=True)
    page = pair["consultant"].get(f"/consultations/queue/{citizen.consultation_reference}")
    assert citizen.consultation_question in page.get_data(as_text=True)
    page = pair["citizen"].get(f"/webinars/{citizen.webinar_id}/registration/"
                               f"{citizen.registration_token}")
    assert page.status_code == 200 and citizen.email in page.get_data(as_text=True)


def test_a_learner_cannot_open_another_learners_attempt(
        seed: Seed, pair: dict[str, FlaskClient], database_version: sqlite3.Connection) -> None:
    owner, intruder = seed.users["inspector"], pair["inspector2"]
    base = f"/courses/{owner.course_slug}/attempts/{owner.attempt_id}"
    for method, path in (("GET", base), ("GET", f"{base}/review"), ("POST", base),
                         ("POST", f"{base}/finish")):
        assert_refused_without_leak(intruder, method, path, owner, database_version)


def test_a_learner_cannot_download_another_learners_certificate(
        seed: Seed, pair: dict[str, FlaskClient], database_version: sqlite3.Connection) -> None:
    owner = seed.users["inspector"]
    assert_refused_without_leak(pair["inspector2"], "GET",
                                f"/certificates/{owner.certificate_code}.pdf", owner,
                                database_version)
    # The public verification page shows a certificate by design; revoking is not a learner's.
    assert_refused_without_leak(pair["inspector2"], "POST",
                                f"/certificates/{owner.certificate_code}/revoke", owner,
                                database_version, data={"reason": "taken over"})


def test_a_citizen_cannot_reach_another_citizens_consultation(
        seed: Seed, pair: dict[str, FlaskClient], database_version: sqlite3.Connection) -> None:
    owner, intruder = seed.users["citizen"], pair["citizen2"]
    base = f"/consultations/mine/{owner.consultation_reference}"
    for method, path, data in (("GET", base, None), ("GET", f"{base}/withdraw", None),
                               ("POST", f"{base}/follow-up", {"body": "Hijacked follow-up"}),
                               ("POST", f"{base}/withdraw", {"confirm": "y"})):
        assert_refused_without_leak(intruder, method, path, owner, database_version, data=data)
    # Staff pages of the request are not a citizen's either.
    assert_refused_without_leak(intruder, "GET",
                                f"/consultations/queue/{owner.consultation_reference}", owner,
                                database_version)


def test_my_data_export_holds_only_ones_own_requests(
        seed: Seed, pair: dict[str, FlaskClient]) -> None:
    owner, other = seed.users["citizen"], seed.users["citizen2"]
    mine = pair["citizen2"].get("/consultations/my-data.json").get_data(as_text=True)
    assert str(other.consultation_question) in mine
    assert str(owner.consultation_question) not in mine
    assert str(owner.consultation_reference) not in mine


def test_tracking_needs_the_requests_own_code(seed: Seed, pair: dict[str, FlaskClient],
                                              database_version: sqlite3.Connection) -> None:
    """The other citizen's reference with one's own (valid) code opens nothing."""
    owner, intruder = seed.users["citizen"], seed.users["citizen2"]
    client = pair["citizen2"]
    response = client.post("/consultations/track", data={
        "reference": owner.consultation_reference, "code": intruder.consultation_code})
    page = response.get_data(as_text=True)
    assert response.status_code in REFUSED
    assert str(owner.consultation_question) not in page
    follow = client.get("/consultations/track/request", follow_redirects=True)
    assert str(owner.consultation_question) not in follow.get_data(as_text=True)


def test_a_consultant_cannot_work_on_a_colleagues_request(
        seed: Seed, pair: dict[str, FlaskClient], database_version: sqlite3.Connection) -> None:
    """The citizen's request is taken by the first consultant; the second one may not read,
    reply to or take it (only a supervisor assigns)."""
    owner, intruder = seed.users["citizen"], pair["consultant2"]
    base = f"/consultations/queue/{owner.consultation_reference}"
    assert_refused_without_leak(intruder, "GET", base, owner, database_version)
    for action, data in (("reply", {"body": "Hijacked reply"}), ("note", {"body": "x"}),
                         ("take", {}), ("status", {"status": "closed"}),
                         ("assign", {"assignee": str(seed.users["consultant2"].user_id)})):
        assert_refused_without_leak(intruder, "POST", f"{base}/{action}", owner, database_version,
                                    data=data)


def _forge(token: str, registration_id_of: str) -> str:
    """The token's payload (the registration id) replaced, the signature kept."""
    payload, _, signature = token.partition(".")
    new_payload = base64.urlsafe_b64encode(
        registration_id_of.encode()).decode().rstrip("=")
    return f"{new_payload}.{signature}"


def test_registration_tokens_cannot_be_swapped_or_forged(
        seed: Seed, pair: dict[str, FlaskClient], database_version: sqlite3.Connection) -> None:
    owner, intruder = seed.users["citizen"], seed.users["citizen2"]
    client = pair["citizen2"]
    assert owner.registration_token and intruder.registration_token
    # The owner's registration id under the intruder's signature.
    owner_id = base64.urlsafe_b64decode(owner.registration_token.split(".")[0] + "==").decode()
    forged = _forge(str(intruder.registration_token), owner_id)
    base = f"/webinars/{owner.webinar_id}/registration/{forged}"
    for method, path in (("GET", base), ("GET", f"{base}/calendar.ics"),
                         ("POST", f"{base}/cancel"), ("POST", f"{base}/feedback"),
                         ("POST", f"{base}/claim")):
        assert_refused_without_leak(client, method, path, owner, database_version)
    # A genuine token under another webinar's id names nothing there.
    other_webinar = int(str(owner.webinar_id)) + 1
    assert_refused_without_leak(
        client, "GET", f"/webinars/{other_webinar}/registration/{owner.registration_token}",
        owner, database_version)
    # Knowing the owner's link lets one see it (it is the mailed capability), but not claim
    # it into one's own account: the email does not match.
    assert_refused_without_leak(
        client, "POST",
        f"/webinars/{owner.webinar_id}/registration/{owner.registration_token}/claim",
        owner, database_version)


def test_another_users_calendar_feed_needs_its_secret(
        seed: Seed, pair: dict[str, FlaskClient], database_version: sqlite3.Connection) -> None:
    """The personal feed is addressed by a random token only: a guess or an id gets 404."""
    owner = seed.users["citizen"]
    token = seed.values["feed_token"]
    near_miss = token[:-1] + ("B" if token.endswith("A") else "A")
    for guess in (str(owner.user_id), "1", near_miss):
        response = pair["citizen2"].get(f"/webinars/my-calendar/{guess}.ics")
        assert response.status_code == 404


def _token_id(app: Flask, raw: str) -> int:
    with app.app_context():
        token = db.session.scalar(select(PersonalToken).where(PersonalToken.prefix == raw[:11]))
        assert token is not None
        return token.id


def test_a_user_cannot_revoke_another_users_token(
        sweep_app: Flask, seed: Seed, pair: dict[str, FlaskClient],
        database_version: sqlite3.Connection) -> None:
    owner = seed.users["citizen"]
    raw = make_token(sweep_app, owner, name="Owner's own script")
    token_id = _token_id(sweep_app, raw)
    intruder = pair["citizen2"]

    for method, path, data in (("GET", f"/account/tokens/revoke?token={token_id}", None),
                               ("POST", "/account/tokens/revoke", {"token_id": str(token_id)})):
        assert_refused_without_leak(intruder, method, path, owner, database_version,
                                    status=404, secrets=("Owner's own script",), data=data)
    assert "Owner's own script" not in intruder.get("/account/tokens").get_data(as_text=True)
    with sweep_app.app_context():
        assert db.session.get(PersonalToken, token_id).revoked_at is None
        assert tokens.authenticate(raw) is not None


def test_a_token_reaches_only_its_owners_learning_record(
        sweep_app: Flask, seed: Seed) -> None:
    """Both inspectors learn the same course; each token shows its owner's record only, and
    nothing in the request picks another user."""
    owner, other = seed.users["inspector"], seed.users["inspector2"]
    raw = make_token(sweep_app, other, name="learning", scopes=frozenset({"learning:read"}))
    client = sweep_app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}

    for query in ("", f"?user_id={owner.user_id}", f"?user={owner.user_id}",
                  f"?email={owner.email}"):
        response = client.get(f"/api/v1/me/learning{query}", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 400), query
        if response.status_code == 200:
            assert str(other.certificate_code) in body, query
        assert str(owner.certificate_code) not in body and owner.email not in body, query
    # A browser session of the owner next to the token changes nothing either.
    owner_browser = login(sweep_app, owner.email)
    body = owner_browser.get("/api/v1/me/learning", headers=headers).get_data(as_text=True)
    assert str(owner.certificate_code) not in body and str(other.certificate_code) in body


def test_the_raw_token_is_shown_once_and_never_again(
        sweep_app: Flask, seed: Seed, pair: dict[str, FlaskClient]) -> None:
    """Made on the page, the token appears in that one answer: not in any page after it, the
    admin's audit log included, nor in the session cookie or the audit rows."""
    owner = pair["consultant"]
    made = create_token(owner, name="Queue figures", scopes=["exports:read"], expires="30")
    raw = NEW_TOKEN.search(made.get_data(as_text=True)).group(1)
    secret_part = raw[12:]
    token_id = _token_id(sweep_app, raw)
    assert made.headers["Cache-Control"] == "no-store"

    admin = login(sweep_app, email_of("admin"))
    pages = [owner.get(url) for url in ("/account/tokens", "/account",
                                        f"/account/tokens/revoke?token={token_id}")]
    consultant_id = seed.users["consultant"].user_id
    pages += [admin.get(url) for url in ("/admin/audit", "/admin/audit?object_type="
                                         "personal_token", f"/admin/users/{consultant_id}")]
    for response in pages:
        assert response.status_code == 200, response.request.path
        assert secret_part not in response.get_data(as_text=True), response.request.path
    cookie = owner.get_cookie("session", domain="portal.test")
    assert cookie is not None
    serializer = sweep_app.session_interface.get_signing_serializer(sweep_app)
    assert secret_part not in repr(serializer.loads(cookie.value))
    with sweep_app.app_context():
        rows = db.session.scalars(select(AuditEntry)).all()
        assert any(r.action == "token.create" and r.object_id == token_id for r in rows)
        assert not [r for r in rows
                    if secret_part in f"{r.object_label} {r.detail} {r.comment}"]
