"""Token-authenticated endpoints: one's learning record and the staff exports."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.courses import learning
from portal.courses.models import Course
from portal.extensions import db
from tests.cooperation.helpers import make_course, make_partner, make_record
from tests.webinars.helpers import ORGANISER, make_webinar


def test_no_token_is_401_with_a_bearer_challenge(client) -> None:
    response = client.get("/api/v1/me/learning")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_an_unknown_token_is_401_everywhere(client) -> None:
    bad = {"Authorization": "Bearer hq_aaaaaaaa_" + "x" * 43}

    for url in ("/api/v1/me/learning", "/api/v1/guides"):
        response = client.get(url, headers=bad)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_without_the_scope_is_403(app, client, token) -> None:
    headers = token("trainer", ["exports:read"])

    response = client.get("/api/v1/me/learning", headers=headers)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"


def test_my_learning_lists_the_owners_enrolments_only(app, client, token) -> None:
    _course_id, slug = make_course(app, "Prevention basics", audience="inspectors")
    headers = token("inspector", ["learning:read"])
    with app.app_context():
        course = db.session.scalar(db.select(Course).where(Course.slug == slug))
        me = db.session.scalar(db.select(User).where(User.email == "inspector-api@example.uz"))
        other = User.query.filter(User.email != me.email).first()
        learning.enrol_self(course, me.id)
        learning.enrol_self(course, other.id)
        db.session.commit()

    answer = client.get("/api/v1/me/learning", headers=headers)

    record = answer.get_json()
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert [e["course"]["slug"] for e in record["enrolments"]] == [slug]
    assert record["enrolments"][0]["status"] == "not_started"
    assert record["certificates"] == []


def test_the_cooperation_export_needs_the_exports_scope(app, client, token) -> None:
    giz = make_partner(app, "GIZ", "DE")
    make_record(app, "Police training with GIZ", [giz], kind="training", year=2024)

    learner = client.get("/api/v1/exports/cooperation",
                         headers=token("inspector", ["learning:read"]))
    editor = client.get("/api/v1/exports/cooperation",
                        headers=token("admin", ["exports:read"]))

    assert learner.status_code == 403
    assert editor.status_code == 200
    assert [r["title"] for r in editor.get_json()["items"]] == ["Police training with GIZ"]


def test_participants_go_to_the_webinars_organisers_only(app, client, token) -> None:
    webinar_id = make_webinar(app, "Tenants and the law")
    client.post(f"/webinars/{webinar_id}/register",
                data={"name": "Ana", "email": "ana@example.uz", "consent": "y"})
    organiser = token("trainer", ["exports:read"], email=ORGANISER)
    admin = token("admin", ["exports:read"])

    own = client.get(f"/api/v1/exports/webinars/{webinar_id}/participants", headers=organiser)
    as_admin = client.get(f"/api/v1/exports/webinars/{webinar_id}/participants",
                          headers=admin)
    missing = client.get("/api/v1/exports/webinars/999999/participants", headers=organiser)

    assert own.status_code == 200
    assert [p["email"] for p in own.get_json()["items"]] == ["ana@example.uz"]
    assert as_admin.status_code == 200
    assert missing.status_code == 404


def test_queue_statistics_are_counts_for_consultation_staff(app, client, token) -> None:
    trainer = client.get("/api/v1/exports/consultations/statistics",
                         headers=token("trainer", ["exports:read"]))
    admin = client.get("/api/v1/exports/consultations/statistics",
                       headers=token("admin", ["exports:read"]))

    assert trainer.status_code == 403
    assert admin.status_code == 200
    assert admin.get_json() == {"by_status": {"new": 0, "assigned": 0, "waiting": 0,
                                              "answered": 0, "closed": 0},
                                "overdue": 0, "total": 0}


def test_a_non_organiser_gets_no_participants(app, client, token) -> None:
    webinar_id = make_webinar(app, "Tenants and the law")
    draft_id = make_webinar(app, "Not yet published", published=False)
    # A consultant may hold exports:read (for the queue's figures) but runs no webinar.
    consultant = token("consultant", ["exports:read"])

    seen = client.get(f"/api/v1/exports/webinars/{webinar_id}/participants",
                      headers=consultant)
    hidden = client.get(f"/api/v1/exports/webinars/{draft_id}/participants",
                        headers=consultant)

    assert seen.status_code == 403 and seen.get_json()["error"]["code"] == "forbidden"
    assert hidden.status_code == 404  # a webinar they may not see looks missing


def test_the_participants_export_has_the_csvs_rows(app, client, token) -> None:
    webinar_id = make_webinar(app, "Tenants and the law")
    client.post(f"/webinars/{webinar_id}/register",
                data={"name": "Ana", "email": "ana@example.uz", "consent": "y"})

    exported = client.get(f"/api/v1/exports/webinars/{webinar_id}/participants",
                          headers=token("trainer", ["exports:read"], email=ORGANISER))

    row = exported.get_json()["items"][0]
    assert (row["name"], row["email"], row["status"], row["waiting_position"],
            row["attended"]) == ("Ana", "ana@example.uz", "confirmed", None, False)


def test_staff_tokens_follow_the_two_factor_requirement(app, client, token) -> None:
    from portal.accounts import settings

    trainer = token("trainer", ["exports:read"])
    inspector = token("inspector", ["learning:read"])
    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.email == "trainer-api@example.uz"))
        settings.set_bool("two_factor_required", True, actor)
        db.session.commit()

    refused = client.get("/api/v1/exports/cooperation", headers=trainer)
    public = client.get("/api/v1/guides", headers=trainer)
    citizen_side = client.get("/api/v1/me/learning", headers=inspector)

    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "two_factor_required"
    assert public.status_code == 403  # a token is refused everywhere, not only for exports
    assert citizen_side.status_code == 200  # inspectors are not staff: nothing is required


#: Query arguments named like url_for's own arguments or like a path value.
TRAPS = ["endpoint=x", "_external=0", "_method=POST", "_anchor=x", "webinar_id=", "webinar_id=7",
         "_scheme=ftp"]


@pytest.mark.parametrize("trap", TRAPS)
def test_query_arguments_never_reach_the_page_links(app, client, token, trap) -> None:
    webinar_id = make_webinar(app, "Tenants and the law")
    organiser = token("trainer", ["exports:read"], email=ORGANISER)
    urls = ["/api/v1/guides", "/api/v1/topics", "/api/v1/search?q=law&",
            f"/api/v1/exports/webinars/{webinar_id}/participants"]

    for url in urls:
        separator = "" if url.endswith("&") else "?"
        response = client.get(f"{url}{separator}{trap}", headers=organiser)
        assert response.status_code in (200, 422), (url, trap, response.status_code)
        if response.status_code == 200:
            links = response.get_json()["links"]
            path = url.split("?")[0]
            for link in filter(None, links.values()):
                assert link.startswith(f"http://portal.test{path}?"), (url, trap, link)
                assert "#" not in link and "_" not in link.split("?")[1].replace(
                    "per_page", ""), (url, trap, link)
