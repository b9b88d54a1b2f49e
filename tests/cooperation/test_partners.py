"""Partners of the register: kept by editors through their form, a country from ISO 3166 named in
the reader's language, no duplicates, and never deleted while a record names them."""

from __future__ import annotations

from sqlalchemy import select

from portal.content.audit import AuditEntry
from portal.cooperation.models import Partner
from portal.extensions import db
from tests.conftest import Auth, make_user
from tests.cooperation.helpers import (
    count,
    field_error,
    make_partner,
    make_record,
    partner,
    text,
)

ACADEMY = {"name": "Police Academy of Lower Saxony", "short_name": "PA NI", "kind": "academy",
           "country": "DE", "website": "https://www.pa.polizei-nds.de"}


def partners(app) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        return [(p.name, p.country, p.kind.value)
                for p in db.session.scalars(select(Partner).order_by(Partner.id))]


def test_an_editor_adds_a_partner_and_it_is_listed_with_its_country(app, client,
                                                                    as_role) -> None:
    editor = as_role("editor")

    response = client.post("/cooperation/partners/new", data=ACADEMY)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cooperation/partners/")
    assert partners(app) == [("Police Academy of Lower Saxony", "DE", "academy")]
    page = text(client.get(response.headers["Location"]))
    assert "Partner added: Police Academy of Lower Saxony." in page
    assert "Police Academy of Lower Saxony (PA NI)" in page
    assert '<a href="/cooperation/countries/DE">Germany</a>' in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partner.create"))
        assert entry is not None and entry.actor_id == editor.id


def test_a_country_code_in_lower_case_is_taken_in_upper_case(app, client, as_role) -> None:
    as_role("editor")

    client.post("/cooperation/partners/new", data={**ACADEMY, "country": " de "})

    assert partners(app) == [("Police Academy of Lower Saxony", "DE", "academy")]


BAD_PARTNERS = [
    ({"country": "XX"}, "country", "“XX” is not a country code: choose a country from the list."),
    ({"country": "Germany"}, "country", "is not a country code"),
    ({"country": ""}, "country", "Choose the country (only an international organisation has "
                                 "none)."),
    ({"name": ""}, "name", "This field is required."),
    ({"kind": "embassy"}, "kind", "Not a valid choice."),
    ({"website": "javascript:alert(1)"}, "website", "Give a web address starting with"),
]


def test_a_bad_partner_is_refused_next_to_the_field_and_nothing_is_written(app, client,
                                                                           as_role) -> None:
    as_role("editor")
    audit_before = count(app, AuditEntry)

    for change, field, message in BAD_PARTNERS:
        response = client.post("/cooperation/partners/new", data={**ACADEMY, **change})

        assert response.status_code == 422, change
        error = field_error(text(response), field)
        assert error is not None and message in error, (change, error)
        assert count(app, Partner) == 0, change
        assert count(app, AuditEntry) == audit_before, change


def test_an_international_organisation_needs_no_country(app, client, as_role) -> None:
    as_role("editor")

    response = client.post("/cooperation/partners/new", data={
        "name": "United Nations Office on Drugs and Crime", "short_name": "UNODC",
        "kind": "international", "country": "", "website": ""})

    assert response.status_code == 302
    assert partners(app) == [("United Nations Office on Drugs and Crime", None,
                              "international")]


def test_the_same_partner_twice_is_refused_but_a_namesake_abroad_is_not(app, client,
                                                                        as_role) -> None:
    make_partner(app, "Ministry of Interior", "DE")
    as_role("editor")

    twice = client.post("/cooperation/partners/new", data={
        **ACADEMY, "name": "  ministry of   INTERIOR ", "kind": "ministry"})
    abroad = client.post("/cooperation/partners/new", data={
        **ACADEMY, "name": "Ministry of Interior", "kind": "ministry", "country": "FR"})

    assert twice.status_code == 422
    assert field_error(text(twice), "name") == "This partner is in the list already."
    assert abroad.status_code == 302
    assert partners(app) == [("Ministry of Interior", "DE", "ministry"),
                             ("Ministry of Interior", "FR", "ministry")]


def test_an_editor_changes_a_partner_and_may_keep_its_own_name(app, client, as_role) -> None:
    partner_id = make_partner(app, "Bundespolizei", "DE", short_name="BPOL")
    as_role("editor")
    form = client.get(f"/cooperation/partners/{partner_id}/edit")
    assert form.status_code == 200
    assert '<option selected value="DE">Germany</option>' in text(form)

    response = client.post(f"/cooperation/partners/{partner_id}/edit", data={
        "name": "Bundespolizei", "short_name": "BPol", "kind": "ministry", "country": "DE",
        "website": "https://www.bundespolizei.de"})

    assert response.status_code == 302
    saved = partner(app, partner_id)
    assert saved is not None
    assert (saved.short_name, saved.website) == ("BPol", "https://www.bundespolizei.de")
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "partner.edit")) == "partner.edit"


def test_a_partner_no_record_names_is_deleted(app, client, as_role) -> None:
    partner_id = make_partner(app, "Bundespolizei", "DE")
    as_role("editor")
    page = text(client.get(f"/cooperation/partners/{partner_id}/edit"))
    assert f'action="/cooperation/partners/{partner_id}/delete"' in page

    response = client.post(f"/cooperation/partners/{partner_id}/delete")

    assert response.status_code == 303
    assert partner(app, partner_id) is None
    assert "Partner removed: Bundespolizei." in text(client.get(response.headers["Location"]))


def test_a_partner_named_by_a_record_even_a_draft_cannot_be_deleted(app, client,
                                                                    as_role) -> None:
    partner_id = make_partner(app, "Bundespolizei", "DE")
    make_record(app, "Unfinished memorandum", [partner_id], state="draft")
    as_role("editor")
    page = text(client.get(f"/cooperation/partners/{partner_id}/edit"))
    assert "1 record names this partner: it cannot be removed." in page
    assert f'action="/cooperation/partners/{partner_id}/delete"' not in page

    response = client.post(f"/cooperation/partners/{partner_id}/delete")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cooperation/partners/{partner_id}/edit")
    assert partner(app, partner_id) is not None
    assert "Bundespolizei is named by records: remove it from them first." in text(
        client.get(response.headers["Location"]))


def test_who_does_not_keep_the_register_cannot_touch_partners(app) -> None:
    partner_id = make_partner(app, "Bundespolizei", "DE")

    for role in ("citizen", "inspector", "trainer"):
        client = app.test_client()
        with app.app_context():
            make_user(role, f"{role}@example.uz")
        Auth(client).login(f"{role}@example.uz")

        assert client.get("/cooperation/partners/new").status_code == 403, role
        assert client.post("/cooperation/partners/new", data=ACADEMY).status_code == 403
        assert client.post(f"/cooperation/partners/{partner_id}/edit",
                           data={**ACADEMY, "name": "Hijacked"}).status_code == 403
        assert client.post(f"/cooperation/partners/{partner_id}/delete").status_code == 403
        assert partners(app) == [("Bundespolizei", "DE", "ministry")], role


def test_an_anonymous_visitor_is_sent_to_log_in(app, client) -> None:
    response = client.post("/cooperation/partners/new", data=ACADEMY)

    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert count(app, Partner) == 0


COUNTRY_NAMES = [("uz", "Germaniya", "Fransiya"), ("ru", "Германия", "Франция"),
                 ("en", "Germany", "France")]


def test_country_names_are_in_the_readers_language(app, client, as_role) -> None:
    de = make_partner(app, "Bundespolizei", "DE")
    fr = make_partner(app, "Gendarmerie nationale", "FR")
    make_record(app, "Exchange of trainers", [de, fr], kind="exchange")

    for language, germany, france in COUNTRY_NAMES:
        as_lang = {"Accept-Language": language}
        countries = text(client.get("/cooperation/countries", headers=as_lang))
        country = text(client.get("/cooperation/countries/DE", headers=as_lang))
        listed = text(client.get("/cooperation/partners/", headers=as_lang))

        assert f'<a href="/cooperation/countries/DE">{germany}</a>' in countries, language
        assert f'<a href="/cooperation/countries/FR">{france}</a>' in countries, language
        assert f"<h1>{germany}</h1>" in country, language
        assert f'<a href="/cooperation/countries/DE">{germany}</a>' in listed, language
    as_role("editor")
    for language, germany, _france in COUNTRY_NAMES:
        client.post("/language", data={"lang": language})  # a signed-in editor's own choice
        form = text(client.get("/cooperation/partners/new"))
        assert f'<option value="DE">{germany}</option>' in form, language


def test_the_public_sees_only_partners_with_published_records(app, client, as_role) -> None:
    shown = make_partner(app, "Bundespolizei", "DE")
    hidden = make_partner(app, "Gendarmerie nationale", "FR")
    unused = make_partner(app, "Carabinieri", "IT")
    make_record(app, "Published memorandum", [shown])
    make_record(app, "Draft memorandum", [hidden], state="draft")

    page = text(client.get("/cooperation/partners/"))

    assert "Bundespolizei" in page
    assert "Gendarmerie" not in page and "Carabinieri" not in page
    assert client.get(f"/cooperation/partners/{shown}").status_code == 200
    assert client.get(f"/cooperation/partners/{hidden}").status_code == 404
    assert client.get(f"/cooperation/partners/{unused}").status_code == 404
    assert "Draft memorandum" not in text(client.get(f"/cooperation/partners/{shown}"))
    as_role("editor")
    staff = text(client.get("/cooperation/partners/"))
    assert "Gendarmerie nationale" in staff and "Carabinieri" in staff
    assert client.get(f"/cooperation/partners/{unused}").status_code == 200
