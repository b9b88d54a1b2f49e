"""Writing guides: the form, one-time keys, validation, workflow to publication, revisions,
history, diff, restore, access and translations."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from portal.content.audit import AuditEntry
from portal.content.revisions import Revision
from portal.database import utcnow
from portal.extensions import db
from portal.materials.models import Material
from tests.conftest import make_material

GUIDE = {
    "title": "Rights of tenants",
    "summary": "What a landlord may and may not do.",
    "body": "## Deposit\n\nThe deposit is returned within a month.\n",
    "topics": ["family", "legal-aid"],
    "audience": "everyone",
    "language": "en",
    "legal_references": "Civil Code, art. 535",
}


class FormReader(HTMLParser):
    """What a browser would send for the form posting to *action*, as the page shows it."""

    def __init__(self, page: str, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (
                    kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.fields.setdefault(a["name"], []).append(a.get("value", "on"))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [self._options[0][0]]
            self.fields[self._select] = chosen[:1]
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # A browser drops the one line break that follows <textarea>.
            self.fields[self._textarea] = [text.removeprefix("\r\n").removeprefix("\n")]
            self._textarea = None


def form_on(page: str, action: str) -> dict[str, list[str]]:
    fields = FormReader(page, action).fields
    assert fields, f"no form posting to {action} on the page"
    return fields


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def guide(app, slug: str) -> Material:
    with app.app_context():
        material = db.session.scalar(select(Material).where(Material.slug == slug))
        assert material is not None
        db.session.expunge(material)
        return material


def revision_numbers(app, slug: str) -> list[int]:
    with app.app_context():
        material_id = db.session.scalar(select(Material.id).where(Material.slug == slug))
        return list(db.session.scalars(select(Revision.number).where(
            Revision.item_type == "material", Revision.item_id == material_id
        ).order_by(Revision.number)))


def edit(client, slug: str, **changes):
    data = {**GUIDE, **changes}
    return client.post(f"/materials/{slug}/edit", data=data)


# Creating


def test_an_editor_writes_a_guide_and_it_becomes_a_draft_with_revision_1(app, client,
                                                                         as_role) -> None:
    editor = as_role("editor")
    fields = form_on(client.get("/materials/new").get_data(as_text=True), "/materials/new")
    fields.update({k: v if isinstance(v, list) else [v] for k, v in GUIDE.items()})

    response = client.post("/materials/new", data=fields)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/materials/rights-of-tenants/edit")
    material = guide(app, "rights-of-tenants")
    assert material.state == "draft"
    assert material.author_id == editor.id
    assert material.summary == GUIDE["summary"]
    assert material.legal_references == "Civil Code, art. 535"
    assert revision_numbers(app, "rights-of-tenants") == [1]
    with app.app_context():
        assert sorted(t.slug for t in db.session.get(Material, material.id).topics) == [
            "family", "legal-aid"]
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "material.create")).actor_id == editor.id
    edit_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft saved." in edit_page


def test_a_new_draft_is_not_public(app, client, as_role, auth) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    auth.logout()

    assert client.get("/materials/rights-of-tenants").status_code == 404
    assert "Rights of tenants" not in client.get("/materials/").get_data(as_text=True)


def test_the_same_form_sent_twice_creates_one_guide(app, client, as_role) -> None:
    as_role("editor")
    fields = form_on(client.get("/materials/new").get_data(as_text=True), "/materials/new")
    fields.update({k: v if isinstance(v, list) else [v] for k, v in GUIDE.items()})
    assert fields["form_key"][0]

    first = client.post("/materials/new", data=fields)
    second = client.post("/materials/new", data=fields)

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app, Material) == 1
    assert revision_numbers(app, "rights-of-tenants") == [1]


def test_each_new_form_carries_its_own_key(app, client, as_role) -> None:
    as_role("editor")

    first = form_on(client.get("/materials/new").get_data(as_text=True), "/materials/new")
    second = form_on(client.get("/materials/new").get_data(as_text=True), "/materials/new")
    client.post("/materials/new", data={**GUIDE, "form_key": first["form_key"][0]})
    client.post("/materials/new", data={**GUIDE, "form_key": second["form_key"][0]})

    assert first["form_key"] != second["form_key"]
    assert count(app, Material) == 2


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title": ""}, "title", "This field is required."),
    ({"title": "   "}, "title", "This field is required."),
    ({"summary": ""}, "summary", "This field is required."),
    ({"body": ""}, "body", "This field is required."),
    ({"topics": []}, "topics", "Choose at least one topic."),
    ({"topics": ["no-such-topic"]}, "topics", "is not a valid choice"),
    ({"language": "xx"}, "language", "Not a valid choice."),
    ({"audience": "admins"}, "audience", "Not a valid choice."),
    ({"title": "x" * 301}, "title", "Field cannot be longer than 300 characters."),
    ({"reviewed_on": "2999-01-01"}, "reviewed_on", "The review date cannot be in the future."),
    ({"expires_on": "31.12.2026"}, "expires_on", "Not a valid date value."),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
        app, client, as_role, change, field, message) -> None:
    as_role("editor")
    audit_before = count(app, AuditEntry)

    response = client.post("/materials/new", data={**GUIDE, **change})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert count(app, Material) == 0
    assert count(app, Revision) == 0
    assert count(app, AuditEntry) == audit_before


def test_a_refused_form_keeps_what_was_typed(app, client, as_role) -> None:
    as_role("editor")

    page = client.post("/materials/new", data={**GUIDE, "title": ""}).get_data(as_text=True)

    fields = form_on(page, "/materials/new")
    assert fields["body"] == [GUIDE["body"]]
    assert fields["topics"] == ["family", "legal-aid"]


# Access


@pytest.mark.parametrize("role", ["citizen", "inspector", "trainer"])
def test_who_may_not_write_guides_gets_403(app, client, as_role, role) -> None:
    as_role(role)

    get = client.get("/materials/new")
    post = client.post("/materials/new", data=GUIDE)

    assert get.status_code == post.status_code == 403
    assert count(app, Material) == 0


def test_an_anonymous_visitor_is_sent_to_log_in(app, client) -> None:
    get = client.get("/materials/new")
    post = client.post("/materials/new", data=GUIDE)

    assert get.status_code == post.status_code == 302
    assert "/auth/login" in get.headers["Location"]
    assert "next=%2Fmaterials%2Fnew" in get.headers["Location"]
    assert count(app, Material) == 0


@pytest.mark.parametrize("role", ["citizen", "inspector", "trainer"])
def test_who_may_not_write_guides_cannot_edit_a_published_one(app, client, as_role,
                                                              role) -> None:
    with app.app_context():
        slug = make_material("Alimony").slug
    as_role(role)

    get = client.get(f"/materials/{slug}/edit")
    post = edit(client, slug, title="Hijacked")

    assert get.status_code == post.status_code == 403
    assert guide(app, slug).title == "Alimony"


def test_an_anonymous_visitor_cannot_edit(app, client) -> None:
    with app.app_context():
        slug = make_material("Alimony").slug

    response = edit(client, slug, title="Hijacked")

    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert guide(app, slug).title == "Alimony"


# From draft to the public


def test_a_guide_submitted_and_published_appears_in_the_list_and_feed(app, client,
                                                                      as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    reader = app.test_client()
    assert "Rights of tenants" not in reader.get("/materials/").get_data(as_text=True)

    submitted = client.post("/materials/rights-of-tenants/workflow", data={"move": "submit"})
    published = client.post("/materials/rights-of-tenants/workflow", data={"move": "publish"})

    assert submitted.status_code == published.status_code == 302
    assert guide(app, "rights-of-tenants").state == "published"
    assert "Rights of tenants" in reader.get("/materials/").get_data(as_text=True)
    assert "<title>Rights of tenants</title>" in reader.get("/materials/feed.atom").get_data(
        as_text=True)
    assert reader.get("/materials/rights-of-tenants").status_code == 200


# Revisions


def test_an_edit_keeps_a_new_revision(app, client, as_role) -> None:
    editor = as_role("editor")
    client.post("/materials/new", data=GUIDE)

    response = edit(client, "rights-of-tenants", body="## Deposit\n\nReturned in two weeks.\n",
                    comment="Shorter deadline")

    assert response.status_code == 302
    assert "Saved." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert guide(app, "rights-of-tenants").body == "## Deposit\n\nReturned in two weeks.\n"
    assert revision_numbers(app, "rights-of-tenants") == [1, 2]
    with app.app_context():
        latest = db.session.scalar(select(Revision).where(Revision.number == 2))
        assert latest.comment == "Shorter deadline"
        assert latest.actor_id == editor.id
        assert latest.data["body"] == "## Deposit\n\nReturned in two weeks.\n"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.edit"))
        assert entry.comment == "Shorter deadline"


def test_saving_without_changes_keeps_no_revision(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)

    response = edit(client, "rights-of-tenants")

    assert "Nothing changed." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert revision_numbers(app, "rights-of-tenants") == [1]


def test_saving_the_edit_form_as_shown_changes_nothing(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data={**GUIDE, "reviewed_on": "2025-03-01",
                                         "expires_on": "2030-01-01"})
    page = client.get("/materials/rights-of-tenants/edit").get_data(as_text=True)

    client.post("/materials/rights-of-tenants/edit",
                data=form_on(page, "/materials/rights-of-tenants/edit"))

    assert revision_numbers(app, "rights-of-tenants") == [1]
    material = guide(app, "rights-of-tenants")
    assert material.reviewed_on == date(2025, 3, 1)
    assert material.expires_at is not None


def test_setting_an_expiry_date_is_saved_and_reported(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    expiry = (utcnow() + timedelta(days=30)).date()

    response = edit(client, "rights-of-tenants", expires_on=expiry.isoformat())

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved." in page and "Nothing changed." not in page
    assert f'value="{expiry.isoformat()}"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "material.edit")) == 1


def test_the_history_lists_every_revision_newest_first(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    edit(client, "rights-of-tenants", title="Tenants' rights", comment="Better title")
    edit(client, "rights-of-tenants", summary="Short.", comment="Shorter summary")

    response = client.get("/materials/rights-of-tenants/history")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*"
                      r"<td>([^<]*)</td>", page)
    assert [(n, who, note) for n, who, note in rows] == [
        ("3", "Editor", "Shorter summary"), ("2", "Editor", "Better title"),
        ("1", "Editor", "created")]
    assert "Restore revision 1" in page and "Restore revision 3" not in page


@pytest.mark.parametrize("role", [None, "citizen", "inspector"])
def test_only_staff_see_the_history(app, client, as_role, role) -> None:
    with app.app_context():
        slug = make_material("Alimony").slug
    if role:
        as_role(role)

    assert client.get(f"/materials/{slug}/history").status_code == 403
    assert client.get(f"/materials/{slug}/history/diff?a=1&b=1").status_code == 403


def test_the_diff_shows_removed_and_added_lines_between_any_two_revisions(app, client,
                                                                          as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data={
        **GUIDE, "body": "Line one.\nDeposit within a month.\nLine three.\n"})
    edit(client, "rights-of-tenants", body="Line one.\nDeposit within two weeks.\nLine three.\n")
    edit(client, "rights-of-tenants", body="Line one.\nDeposit within two weeks.\nLine three.\n"
                                          "Line four <added>.\n", topics=["family"])

    response = client.get("/materials/rights-of-tenants/history/diff?a=1&b=3")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Changes from revision 1 to 3" in page
    assert re.search(r"<del>.*?- Deposit within a month\.</del>", page)
    assert re.search(r"<ins>.*?\+ Deposit within two weeks\.</ins>", page)
    assert re.search(r"<ins>.*?\+ Line four &lt;added&gt;\.</ins>", page)
    assert "<added>" not in page
    assert "<del><span class=\"visually-hidden\">removed: </span>- Line one." not in page
    assert re.search(r"<del>.*?- legal-aid</del>", page)  # topics are compared too
    assert "<h2>Summary</h2>" not in page  # unchanged fields are left out


def test_the_diff_of_a_revision_with_itself_says_they_are_the_same(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)

    page = client.get("/materials/rights-of-tenants/history/diff?a=1&b=1").get_data(as_text=True)

    assert "The two revisions are the same." in page


@pytest.mark.parametrize(("query", "status"), [("a=1&b=9", 404), ("a=x&b=1", 400), ("", 400)])
def test_a_diff_of_unknown_revisions_is_refused(app, client, as_role, query, status) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)

    assert client.get(f"/materials/rights-of-tenants/history/diff?{query}").status_code == status


def test_restoring_an_old_revision_brings_its_text_back_as_a_new_revision(app, client,
                                                                          as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    edit(client, "rights-of-tenants", title="Changed title", body="Changed text.\n",
         topics=["crime-prevention"], reviewed_on="2025-01-15")

    response = client.post("/materials/rights-of-tenants/history/1/restore")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/materials/rights-of-tenants/history")
    material = guide(app, "rights-of-tenants")
    assert (material.title, material.body) == (GUIDE["title"], GUIDE["body"])
    assert material.reviewed_on is None
    with app.app_context():
        topics = db.session.get(Material, material.id).topics
        assert sorted(t.slug for t in topics) == ["family", "legal-aid"]
        latest = db.session.scalar(select(Revision).where(Revision.number == 3))
        assert latest.comment == "restored revision 1"
        assert latest.data["body"] == GUIDE["body"]
    assert revision_numbers(app, "rights-of-tenants") == [1, 2, 3]
    history = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Revision 1 is restored." in history
    assert "restored revision 1" in history
    public_text = client.get("/materials/rights-of-tenants").get_data(as_text=True)
    assert "The deposit is returned within a month." in public_text


def test_a_restored_date_comes_back_as_a_date(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data={**GUIDE, "reviewed_on": "2025-01-15"})
    edit(client, "rights-of-tenants", reviewed_on="")

    client.post("/materials/rights-of-tenants/history/1/restore")

    assert guide(app, "rights-of-tenants").reviewed_on == date(2025, 1, 15)
    page = client.get("/materials/rights-of-tenants/edit")
    assert page.status_code == 200
    assert 'value="2025-01-15"' in page.get_data(as_text=True)


def test_restoring_is_refused_while_the_guide_is_in_review(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    edit(client, "rights-of-tenants", title="Changed title")
    client.post("/materials/rights-of-tenants/workflow", data={"move": "submit"})

    response = client.post("/materials/rights-of-tenants/history/1/restore")

    assert response.status_code == 403
    assert guide(app, "rights-of-tenants").title == "Changed title"
    assert revision_numbers(app, "rights-of-tenants") == [1, 2]


def test_restoring_an_unknown_revision_is_not_found(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)

    assert client.post("/materials/rights-of-tenants/history/7/restore").status_code == 404
    assert revision_numbers(app, "rights-of-tenants") == [1]


# Translations


def test_translating_a_guide_links_the_two_as_translations(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data={
        **GUIDE, "form_key": form_on(client.get("/materials/new").get_data(as_text=True),
                                     "/materials/new")["form_key"][0]})
    original = guide(app, "rights-of-tenants")
    detail = client.get("/materials/rights-of-tenants").get_data(as_text=True)
    link = re.search(r'href="(/materials/new\?translation_of=rights-of-tenants&amp;lang=ru)"',
                     detail)
    assert link, "no 'Translate into Russian' link"

    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    action = "/materials/new?translation_of=rights-of-tenants"
    fields = form_on(page, action)
    assert "Translation of: Rights of tenants" in page
    assert fields["language"] == ["ru"]
    assert fields["topics"] == ["family", "legal-aid"]
    assert fields["body"] == [GUIDE["body"]]
    assert fields["form_key"][0] not in ("", original.form_key)
    fields.update(title=["Права арендаторов"], summary=["Что может арендодатель."],
                  body=["## Залог\n\nЗалог возвращается в течение месяца.\n"])
    response = client.post(action, data=fields)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/materials/prava-arendatorov/edit")
    translation = guide(app, "prava-arendatorov")
    assert translation.language == "ru"
    assert translation.translation_group == original.translation_group
    assert translation.state == "draft"
    assert count(app, Material) == 2
    detail = client.get("/materials/rights-of-tenants").get_data(as_text=True)
    assert 'href="/materials/prava-arendatorov" hreflang="ru"' in detail
    assert "Translate into Русский" not in detail
    assert "Translate into Oʻzbekcha" in detail


def test_a_guide_written_without_translation_of_starts_its_own_group(app, client,
                                                                     as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    client.post("/materials/new", data={**GUIDE, "title": "Права арендаторов",
                                        "language": "ru"})

    first, second = guide(app, "rights-of-tenants"), guide(app, "prava-arendatorov")
    assert first.translation_group != second.translation_group


def test_restoring_a_revision_brings_its_expiry_date_back(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    expiry = (utcnow() + timedelta(days=30)).date()
    edit(client, "rights-of-tenants", expires_on=expiry.isoformat())
    assert revision_numbers(app, "rights-of-tenants") == [1, 2]

    client.post("/materials/rights-of-tenants/history/1/restore")

    assert guide(app, "rights-of-tenants").expires_at is None
    client.post("/materials/rights-of-tenants/history/2/restore")
    restored = guide(app, "rights-of-tenants").expires_at
    assert restored is not None and restored > utcnow() + timedelta(days=28)


def test_a_translation_starts_without_the_originals_legal_review_date(app, client,
                                                                      as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data={**GUIDE, "reviewed_on": "2026-03-01"})

    page = client.get("/materials/new?translation_of=rights-of-tenants&lang=uz").get_data(
        as_text=True)

    fields = form_on(page, "/materials/new?translation_of=rights-of-tenants")
    assert fields["reviewed_on"] == [""]
    assert fields["title"] == [GUIDE["title"]]


def test_a_second_version_in_the_same_language_is_refused(app, client, as_role) -> None:
    as_role("editor")
    client.post("/materials/new", data=GUIDE)
    action = "/materials/new?translation_of=rights-of-tenants"
    client.post(action, data={**GUIDE, "title": "Ijarachilar huquqlari", "language": "uz",
                              "form_key": "first-uz"})

    response = client.post(action, data={**GUIDE, "title": "Ijarachilar huquqlari 2",
                                         "language": "uz", "form_key": "second-uz"})

    assert response.status_code == 422
    assert "already has a version in this language" in response.get_data(as_text=True)
    assert count(app, Material) == 2
