"""The publishing workflow: who may make which move, editing locks, comments and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.content.audit import AuditEntry
from portal.database import utcnow
from portal.extensions import db
from portal.materials.models import Material
from tests.conftest import make_material

ROLES = ("citizen", "inspector", "trainer", "editor", "admin")
#: Roles holding material.edit / material.publish.
STAFF = {"editor", "admin"}

#: move, the state it starts from, the state it leads to.
MOVES = (
    ("submit", "draft", "review"),
    ("publish", "review", "published"),
    ("send_back", "review", "draft"),
    ("unpublish", "published", "draft"),
    ("archive", "published", "archived"),
    ("reopen", "archived", "draft"),
)


def state_of(app, slug: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Material.state).where(Material.slug == slug)).value


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("move", "source", "target"), MOVES)
def test_only_editors_and_admins_may_move_a_guide(app, client, as_role, role, move, source,
                                                  target) -> None:
    with app.app_context():
        slug = make_material("Inheritance", state=source).slug
    as_role(role)

    response = client.post(f"/materials/{slug}/workflow",
                           data={"move": move, "comment": "Checked against the code."})

    if role in STAFF:
        assert response.status_code == 302
        assert state_of(app, slug) == target
        assert len(audit_entries(app, f"material.{move}")) == 1
    else:
        # Only a published guide is visible to them; any other state answers like a missing page.
        assert response.status_code == (403 if source == "published" else 404)
        assert state_of(app, slug) == source
        assert audit_entries(app, f"material.{move}") == []


@pytest.mark.parametrize("role", ROLES)
def test_workflow_buttons_are_offered_only_to_who_may_use_them(app, client, as_role,
                                                               role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="published").slug
    as_role(role)

    page = client.get(f"/materials/{slug}").get_data(as_text=True)

    offered = 'name="move" value="archive"' in page
    assert offered == (role in STAFF)


def test_anonymous_visitors_cannot_move_a_guide(app, client) -> None:
    with app.app_context():
        slug = make_material("Custody", state="published").slug

    response = client.post(f"/materials/{slug}/workflow", data={"move": "archive"})

    assert response.status_code == 403
    assert state_of(app, slug) == "published"


def test_a_move_that_does_not_start_from_the_current_state_is_refused(app, client,
                                                                      as_role) -> None:
    with app.app_context():
        slug = make_material("Guardianship", state="draft").slug
    as_role("editor")

    response = client.post(f"/materials/{slug}/workflow", data={"move": "publish"})

    assert response.status_code == 403
    assert state_of(app, slug) == "draft"


def test_an_unknown_move_is_refused(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Adoption", state="review").slug
    as_role("editor")

    response = client.post(f"/materials/{slug}/workflow", data={"move": "delete"})

    assert response.status_code == 403
    assert state_of(app, slug) == "review"


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_author_cannot_edit_a_guide_in_review(app, client, auth, method) -> None:
    with app.app_context():
        guide = make_material("Marriage contracts", state="review")
        slug, body = guide.slug, guide.body
    auth.login("maker@example.uz")  # the guide's author, an editor

    response = getattr(client, method)(f"/materials/{slug}/edit", data={
        "title": "Changed in review", "summary": "s", "body": "b", "topics": ["family"],
        "audience": "everyone", "language": "en"})

    assert response.status_code == 403
    with app.app_context():
        guide = db.session.scalar(select(Material).where(Material.slug == slug))
        assert guide.title == "Marriage contracts"
        assert guide.body == body


def test_a_guide_in_review_offers_no_edit_link(app, client, auth) -> None:
    with app.app_context():
        slug = make_material("Divorce", state="review").slug
    auth.login("maker@example.uz")

    page = client.get(f"/materials/{slug}").get_data(as_text=True)

    assert f'href="/materials/{slug}/edit"' not in page
    assert 'value="publish"' in page


def test_the_author_may_edit_again_once_sent_back(app, client, auth) -> None:
    with app.app_context():
        slug = make_material("Domestic violence", state="review").slug
    auth.login("maker@example.uz")
    client.post(f"/materials/{slug}/workflow",
                data={"move": "send_back", "comment": "Add the hotline number."})

    response = client.get(f"/materials/{slug}/edit")

    assert response.status_code == 200


def test_sending_back_without_a_comment_is_refused_with_a_message(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Child labour", state="review").slug
    as_role("editor")

    response = client.post(f"/materials/{slug}/workflow",
                           data={"move": "send_back", "comment": "   "}, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "a comment is required to send it back" in page
    assert state_of(app, slug) == "review"
    assert audit_entries(app, "material.send_back") == []


def test_sending_back_with_a_comment_returns_the_guide_to_draft(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("School enrolment", state="review").slug
    as_role("editor")

    response = client.post(f"/materials/{slug}/workflow",
                           data={"move": "send_back", "comment": "Cite the 2023 amendment."})

    assert response.status_code == 302
    assert state_of(app, slug) == "draft"
    [entry] = audit_entries(app, "material.send_back")
    assert entry.comment == "Cite the 2023 amendment."


@pytest.mark.parametrize(("move", "source", "target"), MOVES)
def test_every_move_is_written_to_the_audit_log(app, client, as_role, move, source,
                                                target) -> None:
    with app.app_context():
        guide = make_material("Juvenile justice", state=source)
        guide_id = guide.id
    editor = as_role("editor")
    before = utcnow()

    client.post("/materials/juvenile-justice/workflow",
                data={"move": move, "comment": f"Reason for {move}."})

    [entry] = audit_entries(app, f"material.{move}")
    assert entry.actor_id == editor.id
    assert entry.object_type == "material" and entry.object_id == guide_id
    assert entry.object_label == "Juvenile justice"
    assert entry.comment == f"Reason for {move}."
    assert entry.detail == f"{source} -> {target}"
    assert before - timedelta(seconds=1) <= entry.created_at <= utcnow()
    assert entry.ip == "127.0.0.1"


def test_the_audit_page_shows_who_moved_a_guide_and_why(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Mahalla mediation", state="review").slug
    as_role("admin")
    client.post(f"/materials/{slug}/workflow",
                data={"move": "send_back", "comment": "Needs a worked example."})

    page = client.get("/admin/audit").get_data(as_text=True)

    assert "material.send_back" in page
    assert "Needs a worked example." in page
    assert "admin-session@example.uz" in page


def test_publishing_stamps_the_publication_date(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Labour rights", state="review").slug
    as_role("editor")
    before = utcnow()

    client.post(f"/materials/{slug}/workflow", data={"move": "publish"})

    with app.app_context():
        guide = db.session.scalar(select(Material).where(Material.slug == slug))
        assert guide.published_at is not None
        assert guide.published_at >= before - timedelta(seconds=1)
