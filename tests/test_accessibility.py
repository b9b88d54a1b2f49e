"""Page structure that keyboard and screen-reader users rely on, checked on every kind of page."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from portal.database import utcnow
from portal.extensions import db
from portal.search import indexer
from portal.webinars.models import Webinar
from tests.conftest import make_material, make_user
from tests.cooperation.helpers import make_partner, make_record
from tests.webinars.helpers import make_webinar
from tests.webinars.helpers import register as register_for_webinar


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.landmarks: list[str] = []
        self.h1 = 0
        self.skip_link = False
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.images_without_alt = 0
        self.ids: list[str] = []
        self._label_depth = 0
        self._fieldset_legend = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "html":
            self.lang = a.get("lang")
        if tag in {"main", "nav", "header", "footer"}:
            self.landmarks.append(tag)
        if tag == "h1":
            self.h1 += 1
        if tag == "a" and a.get("href") == "#page-main":
            self.skip_link = True
        if tag == "label":
            if a.get("for"):
                self.labels.add(str(a["for"]))
            self._label_depth += 1
        if tag == "img" and a.get("alt") is None:  # alt="" marks a decorative image
            self.images_without_alt += 1
        if tag in {"input", "select", "textarea"}:
            if tag == "input" and a.get("type") in {"hidden", "submit", "button"}:
                return
            a["_wrapped"] = "yes" if self._label_depth else None
            self.controls.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def check(page: str, url: str) -> None:
    s = Structure()
    s.feed(page)
    assert s.lang in {"uz", "ru", "en"}, url
    assert s.landmarks.count("main") == 1 and "nav" in s.landmarks, url
    assert s.h1 == 1, f"{url}: {s.h1} h1"
    assert s.skip_link, url
    assert s.images_without_alt == 0, url
    unlabelled = [c for c in s.controls if not (
        c.get("_wrapped") or c.get("aria-label") or (c.get("id") and c["id"] in s.labels))]
    assert unlabelled == [], f"{url}: controls without a label: {unlabelled}"
    duplicates = {i for i in s.ids if s.ids.count(i) > 1}
    assert not duplicates, f"{url}: duplicate ids {duplicates}"


@pytest.mark.parametrize("role", [None, "citizen", "editor", "admin"])
def test_every_page_has_landmarks_one_heading_and_labelled_fields(app, client, as_role,
                                                                    role) -> None:
    with app.app_context():
        guide = make_material("Accessible guide", body="## One\n\nText.\n\n## Two\n\nMore.\n")
        slug, user_id = guide.slug, make_user("citizen", "other@example.uz").id
    webinar_id = make_webinar(app, "Accessible webinar", capacity=1)
    past_id = make_webinar(app, "Accessible past webinar")
    _, seated = register_for_webinar(app, webinar_id, "seated@example.uz")
    _, queued = register_for_webinar(app, webinar_id, "queued@example.uz")
    register_for_webinar(app, past_id, "seated@example.uz")
    with app.app_context():
        db.session.get(Webinar, past_id).starts_at -= timedelta(days=4)
        db.session.commit()
    partner_id = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, "Accessible memorandum", [partner_id],
                            starts_on=date(2025, 1, 1), ends_on=date(2030, 1, 1))
    with app.app_context():
        indexer.sync_all()  # the search and the archive find what was published
        today = utcnow()
    if role:
        as_role(role)
    urls = ["/", "/materials/", f"/materials/{slug}", "/no-such-page",
            "/search", "/search?q=accessible", "/search?q=accessible&type=material&sort=date",
            "/search?q=nothing-of-the-sort", "/search?q=-", "/search?q=acessible",
            "/archive/", f"/archive/{today.year}", f"/archive/{today.year}/{today.month}",
            "/archive/?type=webinar",
            "/cooperation/", "/cooperation/?country=DE&sort=title&dir=asc",
            "/cooperation/countries", "/cooperation/countries/DE", "/cooperation/timeline",
            "/cooperation/partners/", f"/cooperation/partners/{partner_id}",
            f"/cooperation/{record_id}",
            "/webinars/", f"/webinars/{webinar_id}", "/webinars/calendar", "/webinars/archive",
            f"/webinars/{webinar_id}/registration/{seated}",
            f"/webinars/{webinar_id}/registration/{queued}", "/api/"]
    if role is None:
        urls += ["/auth/login", "/auth/register"]
    else:
        urls += ["/account", "/account/password", "/webinars/mine", "/account/tokens"]
    if role in {"editor", "admin"}:
        urls += ["/materials/new", f"/materials/{slug}/edit", f"/materials/{slug}/history",
                 "/materials/manage", f"/materials/{slug}/history/diff?a=1&b=1",
                 "/webinars/new", "/webinars/manage", f"/webinars/{webinar_id}/edit",
                 f"/webinars/{webinar_id}/participants", f"/webinars/{past_id}/participants",
                 f"/webinars/{webinar_id}/history",
                 "/cooperation/manage", "/cooperation/new", f"/cooperation/{record_id}/edit",
                 f"/cooperation/{record_id}/history",
                 f"/cooperation/{record_id}/history/diff?a=1&b=1",
                 f"/cooperation/new?translation_of={record_id}&lang=ru",
                 "/cooperation/partners/new", f"/cooperation/partners/{partner_id}/edit"]
    if role == "admin":
        urls += ["/admin/users", f"/admin/users/{user_id}", "/admin/audit"]

    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        check(response.get_data(as_text=True), url)
    results = client.get("/search?q=accessible").get_data(as_text=True)
    assert 'class="result-title"><a href="/materials/' in results  # a page with results
    assert 'aria-labelledby="page-facet-type"' in results


def test_the_registers_error_pages_are_accessible_too(app, client, as_role) -> None:
    partner_id = make_partner(app, "Bundespolizei", "DE")
    bad_filter = client.get("/cooperation/?country=XX&year=1800")
    as_role("editor")
    bad_record = client.post("/cooperation/new", data={
        "title": "", "kind": "interagency", "status": "in_force", "language": "en",
        "partners": [str(partner_id)], "summary": "", "starts_on": "2026-05-01",
        "ends_on": "2026-04-01", "remind_days": "60"})
    bad_partner = client.post("/cooperation/partners/new", data={
        "name": "Somewhere", "kind": "ministry", "country": "XX"})

    for name, response in (("filter", bad_filter), ("record", bad_record),
                           ("partner", bad_partner)):
        assert response.status_code in {400, 422}, name
        page = response.get_data(as_text=True)
        check(page, name)
        assert 'role="alert"' in page and 'aria-invalid="true"' in page, name


def test_form_errors_are_announced_and_tied_to_their_fields(client) -> None:
    page = client.post("/auth/register", data={"email": "not-an-email"}).get_data(as_text=True)

    assert 'role="alert"' in page
    assert 'id="email-error"' in page
    assert 'aria-describedby="email-error"' in page and 'aria-invalid="true"' in page


def test_print_view_is_a_plain_document(app, client) -> None:
    with app.app_context():
        slug = make_material("Printable").slug
        db.session.commit()

    page = client.get(f"/materials/{slug}/print").get_data(as_text=True)

    assert "print.css" in page and "<nav" not in page and "<h1>Printable</h1>" in page
