"""Admin pages: users (search, roles, unit, enable/disable) and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import User
from portal.content.audit import AuditEntry
from portal.extensions import db
from tests.conftest import make_user


@pytest.mark.parametrize(("role", "status"), [
    ("citizen", 403), ("inspector", 403), ("trainer", 403), ("editor", 403),
    ("consultant", 403), ("admin", 200),
])
def test_only_admins_reach_the_admin_pages(client, as_role, role, status) -> None:
    as_role(role)

    assert client.get("/admin/users").status_code == status
    assert client.get("/admin/audit").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    response = client.get("/admin/users")

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_user_search_by_name_email_and_role(app, client, as_role) -> None:
    with app.app_context():
        make_user("inspector", "sardor@example.uz", name="Sardor Aliyev")
        make_user("citizen", "nodira@example.uz", name="Nodira Yusupova")
    as_role("admin")

    by_name = client.get("/admin/users?q=sardor").get_data(as_text=True)
    by_role = client.get("/admin/users?role=citizen").get_data(as_text=True)

    assert "sardor@example.uz" in by_name and "nodira@example.uz" not in by_name
    assert "nodira@example.uz" in by_role and "sardor@example.uz" not in by_role


def test_user_list_paginates(app, client, as_role) -> None:
    app.config["ADMIN_PER_PAGE"] = 3
    with app.app_context():
        for n in range(5):
            make_user("citizen", f"user{n}@example.uz")
    as_role("admin", "zz-admin@example.uz")

    first = client.get("/admin/users").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)

    assert "user0@example.uz" in first and "user4@example.uz" not in first
    assert "user4@example.uz" in second
    assert 'rel="next"' in first


def test_admin_grants_roles_and_a_unit(app, client, as_role) -> None:
    with app.app_context():
        unit = services.get_or_create_unit("Toshkent shahri", "Yunusobod tumani")
        user_id = make_user("citizen", "new-inspector@example.uz").id
        unit_id = unit.id
        db.session.commit()
    as_role("admin")

    response = client.post(f"/admin/users/{user_id}", data={
        "roles": ["inspector", "trainer"], "unit_id": str(unit_id), "active": "y"})

    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.roles == {"inspector", "trainer"}
        assert user.unit.district == "Yunusobod tumani"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
        assert entry.object_id == user_id and "inspector" in entry.detail


def test_admin_cannot_lock_themselves_out(app, client, as_role) -> None:
    admin = as_role("admin")

    response = client.post(f"/admin/users/{admin.id}", data={"roles": ["citizen"], "unit_id": "0",
                                                             "active": "y"})

    assert response.status_code == 422
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)
    with app.app_context():
        assert "admin" in db.session.get(User, admin.id).roles


def test_unknown_role_from_the_form_is_refused(app, client, as_role) -> None:
    with app.app_context():
        user_id = make_user("citizen", "plain@example.uz").id
    as_role("admin")

    response = client.post(f"/admin/users/{user_id}", data={"roles": ["superuser"],
                                                            "unit_id": "0", "active": "y"})

    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, user_id).roles == {"citizen"}


def test_audit_log_filters(app, client, as_role, auth) -> None:
    with app.app_context():
        make_user("citizen", "someone@example.uz")
    auth.login("someone@example.uz", "wrong-password-xx")
    as_role("admin", "boss@example.uz")

    failed = client.get("/admin/audit?action=user.login_failed").get_data(as_text=True)
    by_actor = client.get("/admin/audit?actor=boss").get_data(as_text=True)
    bad_date = client.get("/admin/audit?since=yesterday")
    today = client.get("/admin/audit?since=2020-01-01&until=2099-01-01&object_type=user")

    assert "user.login_failed" in failed and "<code>user.login</code>" not in failed
    assert "<code>user.login</code>" in by_actor and "user.login_failed" not in by_actor
    assert bad_date.status_code == 400
    assert "user.create" in today.get_data(as_text=True)
