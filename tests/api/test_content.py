"""Reading published content through the API: what a client of /api/v1 notices."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from tests.conftest import make_material
from tests.cooperation.helpers import make_course, make_partner, make_record
from tests.webinars.helpers import make_webinar


def test_guides_are_paginated_with_counts_and_links(app, client) -> None:
    with app.app_context():
        for n in range(5):
            make_material(f"Guide number {n}")

    first = client.get("/api/v1/guides?per_page=2").get_json()
    last = client.get(first["links"]["last"]).get_json()

    assert (first["total"], first["pages"], len(first["items"])) == (5, 3, 2)
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    assert last["page"] == 3 and len(last["items"]) == 1 and last["links"]["next"] is None
    titles = {g["title"] for g in first["items"] + last["items"]}
    assert len(titles) == 3


def test_per_page_has_a_maximum(client) -> None:
    response = client.get("/api/v1/guides?per_page=1000")

    assert response.status_code == 422
    assert "per_page" in response.get_json()["error"]["fields"]


def test_drafts_and_inspector_only_guides_stay_out_of_anonymous_answers(app, client,
                                                                       token) -> None:
    with app.app_context():
        make_material("Tenant rights")
        make_material("Unfinished", state="draft")
        make_material("Archived guide", state="archived")
        secret = make_material("Inspector checklist", audience="inspectors").slug

    anonymous = client.get("/api/v1/guides").get_json()
    inspector = client.get("/api/v1/guides", headers=token("inspector")).get_json()

    assert [g["title"] for g in anonymous["items"]] == ["Tenant rights"]
    assert {g["title"] for g in inspector["items"]} == {"Tenant rights", "Inspector checklist"}
    assert client.get(f"/api/v1/guides/{secret}").status_code == 404
    assert client.get(f"/api/v1/guides/{secret}",
                      headers=token("inspector")).status_code == 200
    assert client.get("/api/v1/guides/unfinished").status_code == 404


def test_a_citizens_token_does_not_open_inspector_only_guides(app, client, token) -> None:
    with app.app_context():
        secret = make_material("Inspector checklist", audience="inspectors").slug

    response = client.get(f"/api/v1/guides/{secret}", headers=token("citizen"))

    assert response.status_code == 404


def test_the_session_cookie_does_not_authenticate_api_calls(app, client, as_role) -> None:
    with app.app_context():
        secret = make_material("Inspector checklist", audience="inspectors").slug
    as_role("inspector")

    assert client.get(f"/materials/{secret}").status_code == 200  # the page: logged in
    assert client.get(f"/api/v1/guides/{secret}").status_code == 404  # the API: anonymous
    assert client.get("/api/v1/me/learning").status_code == 401


def test_a_guide_has_its_markdown_and_safe_html(app, client) -> None:
    with app.app_context():
        slug = make_material("Alimony", body="## Who pays\n\n<script>alert(1)</script> "
                                            "[x](javascript:alert(1))\n").slug

    guide = client.get(f"/api/v1/guides/{slug}").get_json()

    assert guide["body_markdown"].startswith("## Who pays")
    assert '<h2 id="who-pays">Who pays</h2>' in guide["body_html"]
    assert "<script>" not in guide["body_html"] and 'href="javascript' not in guide["body_html"]
    assert guide["url"] == f"http://portal.test/materials/{slug}"


def test_lang_chooses_the_translation_and_the_labels(app, client) -> None:
    with app.app_context():
        english = make_material("Family law")
        russian = make_material("Семейное право", language="ru")
        russian.translation_group = english.translation_group
        db.session.commit()

    in_russian = client.get("/api/v1/guides?lang=ru")
    by_header = client.get("/api/v1/guides", headers={"Accept-Language": "ru"})
    topics = client.get("/api/v1/topics?lang=uz").get_json()

    assert [g["title"] for g in in_russian.get_json()["items"]] == ["Семейное право"]
    assert in_russian.headers["Content-Language"] == "ru"
    assert [g["title"] for g in by_header.get_json()["items"]] == ["Семейное право"]
    assert [g["title"] for g in client.get("/api/v1/guides?lang=en").get_json()["items"]] \
        == ["Family law"]
    assert topics["items"][1] == {"slug": "family", "name": "Oila"}


def test_conditional_get_answers_304(app, client) -> None:
    with app.app_context():
        slug = make_material("Tenant rights").slug

    first = client.get(f"/api/v1/guides/{slug}")
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/guides/{slug}", headers={"If-None-Match": etag})
    listing = client.get("/api/v1/guides")
    listing_again = client.get("/api/v1/guides",
                               headers={"If-None-Match": listing.headers["ETag"]})
    since = client.get("/api/v1/guides",
                       headers={"If-Modified-Since": listing.headers["Last-Modified"]})

    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    assert again.status_code == 304 and again.data == b""
    assert since.status_code == 304
    assert listing_again.status_code == 304
    assert "Accept-Language" in first.headers["Vary"]


def test_a_change_changes_the_etag(app, client) -> None:
    with app.app_context():
        make_material("Tenant rights")
    etag = client.get("/api/v1/guides").headers["ETag"]
    with app.app_context():
        make_material("Another guide")

    response = client.get("/api/v1/guides", headers={"If-None-Match": etag})

    assert response.status_code == 200 and response.get_json()["total"] == 2


def test_guides_filter_by_topic_and_an_unknown_one_finds_nothing(app, client) -> None:
    with app.app_context():
        make_material("Tenant rights", topics=["family"])
        make_material("Mahalla help", topics=["mahalla-cooperation"])

    found = client.get("/api/v1/guides?topic=family").get_json()
    unknown = client.get("/api/v1/guides?topic=nothing-like-it")

    assert [g["title"] for g in found["items"]] == ["Tenant rights"]
    assert unknown.status_code == 200 and unknown.get_json()["items"] == []


def test_the_course_catalogue_lists_public_courses(app, client, token) -> None:
    make_course(app, "Open course", audience="everyone")
    make_course(app, "Inspectors course", audience="inspectors")
    make_course(app, "Draft course", published=False)

    anonymous = client.get("/api/v1/courses").get_json()
    inspector = client.get("/api/v1/courses", headers=token("inspector")).get_json()

    assert [c["title"] for c in anonymous["items"]] == ["Open course"]
    assert {c["title"] for c in inspector["items"]} == {"Open course", "Inspectors course"}


def test_webinars_upcoming_and_past(app, client) -> None:
    make_webinar(app, "Next week", starts_in=timedelta(days=7))
    make_webinar(app, "Tomorrow", starts_in=timedelta(days=1))
    make_webinar(app, "Last month", starts_in=timedelta(days=-30))
    make_webinar(app, "Not yet published", published=False)

    upcoming = client.get("/api/v1/webinars").get_json()
    past = client.get("/api/v1/webinars?when=past").get_json()

    assert [w["title"] for w in upcoming["items"]] == ["Tomorrow", "Next week"]
    assert [w["title"] for w in past["items"]] == ["Last month"]
    assert "join_url" not in upcoming["items"][0]
    assert upcoming["items"][0]["registration"] == "open"


def test_the_cooperation_register_and_its_partners(app, client) -> None:
    giz = make_partner(app, "GIZ", "DE")
    unodc = make_partner(app, "UNODC", None, kind="international")
    make_record(app, "Police training with GIZ", [giz], kind="training", year=2024)
    make_record(app, "Memorandum with UNODC", [unodc], year=2023)
    make_record(app, "Unpublished", [giz], state="draft")

    records = client.get("/api/v1/cooperation/records").get_json()
    german = client.get("/api/v1/cooperation/records?country=de").get_json()
    bad = client.get("/api/v1/cooperation/records?country=ZZZ")
    nowhere = client.get("/api/v1/cooperation/records?country=QQ")
    partners = client.get("/api/v1/cooperation/partners").get_json()

    assert [r["title"] for r in records["items"]] == ["Police training with GIZ",
                                                      "Memorandum with UNODC"]
    assert [r["title"] for r in german["items"]] == ["Police training with GIZ"]
    assert bad.status_code == 422 and "country" in bad.get_json()["error"]["fields"]
    assert nowhere.status_code == 200 and nowhere.get_json()["total"] == 0
    assert {(p["name"], p["records"]) for p in partners["items"]} == {("GIZ", 1),
                                                                       ("UNODC", 1)}
    assert records["items"][0]["partners"][0]["country_name"]


def test_search_has_the_pages_facets(app, client) -> None:
    app.config["SEARCH_SYNC_AFTER_REQUEST"] = True
    with app.app_context():
        make_material("Alimony for children", body="Alimony is paid monthly.\n")
        make_material("Secret alimony notes", audience="inspectors")
        from portal.search import indexer

        indexer.sync_all()

    found = client.get("/api/v1/search?q=alimony").get_json()
    empty = client.get("/api/v1/search?q=").get_json()

    assert [h["title"] for h in found["items"]] == ["Alimony for children"]
    assert found["total"] == 1
    assert found["facets"]["type"] == [{"value": "material", "count": 1, "label": "Guide"}]
    assert empty["total"] == 0 and empty["items"] == []


def test_a_registration_is_seen_by_a_conditional_get_of_webinars(app, client) -> None:
    webinar_id = make_webinar(app, "Tenants and the law")
    first = client.get("/api/v1/webinars")
    client.post(f"/webinars/{webinar_id}/register",
                data={"name": "Ana", "email": "ana@example.uz", "consent": "y"})

    # The webinar's row was not saved: a date would call the old answer fresh.
    again = client.get("/api/v1/webinars", headers={"If-None-Match": first.headers["ETag"]})

    assert "Last-Modified" not in first.headers
    assert again.status_code == 200 and again.get_json()["items"][0]["seats_taken"] == 1


def test_answers_made_of_other_rows_or_the_clock_have_no_date(app, client, token) -> None:
    with app.app_context():
        slug = make_material("Family law").slug
    giz = make_partner(app, "GIZ", "DE")
    make_record(app, "Police training with GIZ", [giz], kind="training", year=2024)
    make_webinar(app, "Tomorrow", starts_in=timedelta(days=1))
    exports = token("admin", ["exports:read"])

    for url, headers in ((f"/api/v1/guides/{slug}", {}), ("/api/v1/webinars", {}),
                         ("/api/v1/webinars?when=past", {}),
                         ("/api/v1/cooperation/records", {}),
                         ("/api/v1/cooperation/partners", {}),
                         ("/api/v1/exports/cooperation", exports)):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert "Last-Modified" not in response.headers, url
        assert response.headers["ETag"], url


def test_a_guides_translation_changes_its_etag(app, client) -> None:
    with app.app_context():
        english = make_material("Family law")
        slug, group = english.slug, english.translation_group
    first = client.get(f"/api/v1/guides/{slug}")
    with app.app_context():
        russian = make_material("Семейное право", language="ru")
        russian.translation_group = group
        db.session.commit()

    again = client.get(f"/api/v1/guides/{slug}",
                       headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert [t["language"] for t in again.get_json()["translations"]] == ["ru"]


def test_answers_that_depend_on_language_or_token_say_so(app, client) -> None:
    listing = client.get("/api/v1/guides")
    unchanged = client.get("/api/v1/guides", headers={"If-None-Match": listing.headers["ETag"]})
    refused = client.get("/api/v1/guides?per_page=0")
    missing = client.get("/api/v1/no/such/thing")

    for response in (listing, unchanged, refused, missing):
        vary = {v.strip() for v in response.headers.get("Vary", "").split(",")}
        assert {"Accept-Language", "Authorization"} <= vary, response.status_code
    assert unchanged.status_code == 304


def test_search_narrows_as_the_search_page_does(app, client) -> None:
    app.config["SEARCH_SYNC_AFTER_REQUEST"] = True
    with app.app_context():
        make_material("Alimony for children", body="Alimony is paid monthly.\n")
        make_material("Алименты", language="ru", body="Alimony in Russian.\n")
        from portal.search import indexer

        indexer.sync_all()

    narrowed = client.get("/api/v1/search?q=alimony&language=%20ru%20").get_json()
    page = client.get("/search?q=alimony&language=%20ru%20").get_data(as_text=True)

    assert [h["title"] for h in narrowed["items"]] == ["Алименты"]
    assert "Алименты" in page and "Alimony for children" not in page
    assert narrowed["facets"]["language"][0]["label"] == "Русский"
