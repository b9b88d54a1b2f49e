"""Records link to the portal's own courses and webinars: the record's page shows the ones the
reader may open, and the course's or webinar's page shows the published records linking to it."""

from __future__ import annotations

import re
from datetime import date

from tests.cooperation.helpers import make_course, make_partner, make_record, text
from tests.webinars.helpers import make_webinar

SECTION = '<section class="linked-records"'


def linked_records(page: str) -> list[str]:
    """The record titles of the "International cooperation" section of a course or webinar."""
    if SECTION not in page:
        return []
    section = page.split(SECTION, 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/cooperation/\d+">([^<]*)</a>', section)


def on_this_portal(page: str) -> list[str]:
    """The courses and webinars a record's page links to."""
    if 'id="page-linked-title"' not in page:
        return []
    section = page.split('id="page-linked-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/(?:courses|webinars)/[^"]+">([^<]*)</a>', section)


def test_a_course_page_shows_the_published_records_that_link_to_it(app, client) -> None:
    course_id, slug = make_course(app, "Community policing basics")
    other_id, other_slug = make_course(app, "Cybercrime for beginners")
    bpol = make_partner(app, "Bundespolizei", "DE")
    make_record(app, "Joint training with the Bundespolizei", [bpol], kind="training",
                courses=(course_id,), year=2024)
    make_record(app, "Memorandum on community policing", [bpol], courses=(course_id,),
                year=2025)
    make_record(app, "Planned exchange", [bpol], kind="exchange", courses=(course_id,),
                state="draft")

    page = text(client.get(f"/courses/{slug}"))

    assert "<h2 id=\"page-cooperation-title\">International cooperation</h2>" in page
    assert linked_records(page) == ["Memorandum on community policing",
                                    "Joint training with the Bundespolizei"]
    assert "Planned exchange" not in page
    assert linked_records(text(client.get(f"/courses/{other_slug}"))) == []
    assert SECTION not in text(client.get(f"/courses/{other_slug}"))
    assert other_id != course_id


def test_a_webinar_page_shows_the_published_records_that_link_to_it(app, client) -> None:
    webinar_id = make_webinar(app, "Cybercrime and young people")
    bpol = make_partner(app, "Bundespolizei", "DE")
    make_record(app, "Seminar series with the Bundespolizei", [bpol], kind="conference",
                webinars=(webinar_id,), year=2025)
    make_record(app, "Archived seminar", [bpol], kind="conference", webinars=(webinar_id,),
                state="archived")

    page = text(client.get(f"/webinars/{webinar_id}"))

    assert linked_records(page) == ["Seminar series with the Bundespolizei"]


def test_a_translated_record_is_linked_once_in_the_readers_language(app, client) -> None:
    course_id, slug = make_course(app, "Community policing basics")
    bpol = make_partner(app, "Bundespolizei", "DE")
    english = make_record(app, "Joint training", [bpol], kind="training",
                          courses=(course_id,), year=2024)
    make_record(app, "Совместное обучение", [bpol], kind="training", language="ru",
                courses=(course_id,), year=2024, translation_of=english)

    assert linked_records(text(client.get(f"/courses/{slug}"))) == ["Joint training"]
    assert linked_records(text(client.get(f"/courses/{slug}", headers={
        "Accept-Language": "ru"}))) == ["Совместное обучение"]


def test_a_record_page_shows_only_the_courses_and_webinars_the_reader_may_open(
        app, client, as_role) -> None:
    public_course, public_slug = make_course(app, "Community policing basics")
    staff_course, _ = make_course(app, "Inspectors only", audience="inspectors")
    draft_course, _ = make_course(app, "Course in preparation", published=False)
    webinar_id = make_webinar(app, "Cybercrime and young people")
    draft_webinar = make_webinar(app, "Webinar in preparation", published=False)
    bpol = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, "Joint training programme", [bpol], kind="training",
                            starts_on=date(2025, 3, 1),
                            courses=(public_course, staff_course, draft_course),
                            webinars=(webinar_id, draft_webinar))

    public = text(client.get(f"/cooperation/{record_id}"))
    assert on_this_portal(public) == ["Community policing basics",
                                      "Cybercrime and young people"]
    assert f'href="/courses/{public_slug}"' in public
    assert f'href="/webinars/{webinar_id}"' in public

    as_role("inspector")
    assert on_this_portal(text(client.get(f"/cooperation/{record_id}"))) == [
        "Community policing basics", "Inspectors only", "Cybercrime and young people"]


def test_an_editor_links_a_course_through_the_form(app, client, as_role) -> None:
    course_id, slug = make_course(app, "Community policing basics")
    webinar_id = make_webinar(app, "Cybercrime and young people")
    bpol = make_partner(app, "Bundespolizei", "DE")
    as_role("editor")

    response = client.post("/cooperation/new", data={
        "title": "Joint training programme", "kind": "training", "status": "planned",
        "language": "en", "partners": [str(bpol)], "summary": "Two weeks in Tashkent.",
        "starts_on": "2026-09-01", "ends_on": "2026-09-12", "remind_days": "60",
        "courses": [str(course_id)], "webinars": [str(webinar_id)], "form_key": "link-1"})
    record_id = int(response.headers["Location"].split("/")[-2])
    client.post(f"/cooperation/{record_id}/workflow", data={"move": "submit"})
    client.post(f"/cooperation/{record_id}/workflow", data={"move": "publish"})

    reader = app.test_client()
    assert on_this_portal(text(reader.get(f"/cooperation/{record_id}"))) == [
        "Community policing basics", "Cybercrime and young people"]
    assert linked_records(text(reader.get(f"/courses/{slug}"))) == ["Joint training programme"]
    assert linked_records(text(reader.get(f"/webinars/{webinar_id}"))) == [
        "Joint training programme"]
