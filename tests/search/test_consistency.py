"""The index follows the database, for every content type: what is published is found, an edit
is found in its new words and no longer in its old ones, what is withdrawn, expired or deleted
is gone. Through the editors' pages (the index is brought up to date at the end of the request)
and through the services with ``sync``; the outbox is written in the change's own transaction.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from portal.content.attachments import Attachment
from portal.cooperation.models import CooperationRecord, Partner
from portal.courses.models import Course, Lesson, Module
from portal.database import utcnow
from portal.extensions import db
from portal.materials import services as materials
from portal.materials.models import Material
from portal.search import indexer
from portal.search.outbox import SearchOutbox
from portal.webinars.models import Webinar
from tests.cooperation.helpers import edit_form as record_edit_form
from tests.cooperation.helpers import record_form
from tests.search.helpers import (
    change,
    course,
    delete,
    guide,
    indexed,
    make_partner,
    make_record,
    make_webinar,
    move,
    outbox,
    pdf_with,
    pending,
    sync,
    titles,
    verify,
    yesterday,
)
from tests.webinars.helpers import edit_form as webinar_edit_form
from tests.webinars.helpers import new_webinar_form


def upload(name: str, *lines: str) -> dict[str, object]:
    return {"file": (io.BytesIO(pdf_with(*lines)), name)}


def in_step(app: Flask) -> None:
    """Nothing waits in the outbox, and the index matches the database."""
    assert pending(app) == 0
    difference = verify(app)
    assert difference.clean, difference


def location_id(response) -> int:  # noqa: ANN001
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-2])


# Through the editors' pages ------------------------------------------------------------------

def test_a_guide_through_its_pages(app: Flask, client: FlaskClient, as_role) -> None:
    as_role("editor")
    reader = app.test_client()
    form = {"title": "Pomegranate leases", "summary": "What a tenant signs.",
            "body": "## Deposit\n\nThe zanzibarite clause.\n", "topics": ["family"],
            "audience": "everyone", "language": "en", "legal_references": ""}
    client.post("/materials/new", data=form)
    with app.app_context():
        slug = db.session.scalar(select(Material.slug))
    assert titles(reader, "pomegranate") == []  # a draft
    in_step(app)

    client.post(f"/materials/{slug}/workflow", data={"move": "submit"})
    assert titles(reader, "pomegranate") == []  # in review
    client.post(f"/materials/{slug}/workflow", data={"move": "publish"})
    assert titles(reader, "pomegranate") == titles(reader, "zanzibarite") == [
        "Pomegranate leases"]
    in_step(app)

    client.post(f"/materials/{slug}/edit", data={
        **form, "title": "Quince leases", "body": "## Deposit\n\nThe xerophyte clause.\n"})
    assert titles(reader, "quince") == titles(reader, "xerophyte") == ["Quince leases"]
    assert titles(reader, "pomegranate") == titles(reader, "zanzibarite") == []
    in_step(app)

    client.post(f"/materials/{slug}/attachments", data=upload("annex.pdf", "Annex: cloudberry."),
                content_type="multipart/form-data")
    assert titles(reader, "cloudberry") == ["Quince leases"]
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    client.post(f"/materials/{slug}/attachments/{attachment_id}/delete")
    assert titles(reader, "cloudberry") == []
    in_step(app)

    expired_on = (utcnow() - timedelta(days=2)).date().isoformat()
    client.post(f"/materials/{slug}/edit", data={
        **form, "title": "Quince leases", "body": "The xerophyte clause.",
        "expires_on": expired_on})
    assert titles(reader, "quince") == []
    client.post(f"/materials/{slug}/edit", data={
        **form, "title": "Quince leases", "body": "The xerophyte clause.", "expires_on": ""})
    assert titles(reader, "quince") == ["Quince leases"]
    in_step(app)

    client.post(f"/materials/{slug}/workflow", data={"move": "unpublish"})
    assert titles(reader, "quince") == []
    assert indexed(app) == {}
    in_step(app)


def test_a_course_and_its_lessons_through_their_pages(app: Flask, client: FlaskClient,
                                                      as_role) -> None:
    as_role("editor")
    reader = app.test_client()
    form = {"title": "Pomegranate mediation", "summary": "Mediating between neighbours.",
            "description": "## Aims\n\nThe zanzibarite method.\n", "topics": ["family"],
            "audience": "everyone", "language": "en", "credit_hours": "2"}
    client.post("/courses/new", data={**form, "form_key": "course-key"})
    with app.app_context():
        slug = db.session.scalar(select(Course.slug))
    client.post(f"/courses/{slug}/modules", data={"title": "Listening"})
    with app.app_context():
        module_id = db.session.scalar(select(Module.id))
    lessons = [int(client.post(f"/courses/{slug}/modules/{module_id}/lessons/new", data={
        "title": title, "body": body, "minutes": "10"}).headers["Location"].rsplit("/", 1)[1])
        for title, body in (("Open questions", "Ask about the juniperine story."),
                            ("Silence", "Let the tamarack pause work."))]
    assert titles(reader, "juniperine") == []
    in_step(app)

    client.post(f"/courses/{slug}/workflow", data={"move": "submit"})
    client.post(f"/courses/{slug}/workflow", data={"move": "publish"})
    assert titles(reader, "pomegranate") == ["Pomegranate mediation"]
    assert titles(reader, "zanzibarite") == ["Pomegranate mediation"]
    assert titles(reader, "juniperine") == ["Open questions"]
    assert titles(reader, "tamarack") == ["Silence"]
    in_step(app)

    client.post(f"/courses/{slug}/edit", data={**form, "title": "Quince mediation",
                                                "description": "The xerophyte method."})
    client.post(f"/courses/{slug}/lessons/{lessons[0]}/edit", data={
        "title": "Closed questions", "body": "Ask about the lingonberry story.",
        "minutes": "10"})
    assert titles(reader, "quince") == ["Quince mediation"]
    assert titles(reader, "pomegranate") == titles(reader, "zanzibarite") == []
    assert titles(reader, "lingonberry") == ["Closed questions"]
    assert titles(reader, "juniperine") == []
    # A lesson's page carries the course's title: its documents follow the course.
    assert titles(reader, "tamarack") == ["Silence"]
    assert indexed(app)[f"lesson:{lessons[1]}"]["summary"] == "Quince mediation"
    in_step(app)

    client.post(f"/courses/{slug}/lessons/{lessons[1]}/files",
                data=upload("handout.pdf", "Handout: cloudberry."),
                content_type="multipart/form-data")
    assert titles(reader, "cloudberry") == ["Silence"]
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    client.post(f"/courses/{slug}/lessons/{lessons[1]}/files/{attachment_id}/delete")
    assert titles(reader, "cloudberry") == []
    in_step(app)

    client.post(f"/courses/{slug}/workflow", data={"move": "unpublish"})
    assert titles(reader, "quince") == titles(reader, "lingonberry") == []
    assert indexed(app) == {}
    in_step(app)


def test_a_webinar_through_its_pages(app: Flask, client: FlaskClient, as_role) -> None:
    as_role("editor")
    reader = app.test_client()
    webinar_id = location_id(client.post("/webinars/new", data=new_webinar_form(
        title="Pomegranate evening", description="The zanzibarite question.")))
    assert titles(reader, "pomegranate") == []
    in_step(app)

    client.post(f"/webinars/{webinar_id}/workflow", data={"move": "submit"})
    client.post(f"/webinars/{webinar_id}/workflow", data={"move": "publish"})
    assert titles(reader, "pomegranate") == titles(reader, "zanzibarite") == [
        "Pomegranate evening"]
    in_step(app)

    client.post(f"/webinars/{webinar_id}/edit", data=webinar_edit_form(
        app, webinar_id, title="Quince evening", description="The xerophyte question."))
    assert titles(reader, "quince") == titles(reader, "xerophyte") == ["Quince evening"]
    assert titles(reader, "pomegranate") == titles(reader, "zanzibarite") == []
    in_step(app)

    client.post(f"/webinars/{webinar_id}/attachments",
                data=upload("slides.pdf", "Slides: cloudberry."),
                content_type="multipart/form-data")
    assert titles(reader, "cloudberry") == ["Quince evening"]
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    client.post(f"/webinars/{webinar_id}/attachments/{attachment_id}/delete")
    assert titles(reader, "cloudberry") == []
    in_step(app)

    client.post(f"/webinars/{webinar_id}/workflow", data={"move": "unpublish"})
    assert titles(reader, "quince") == []
    assert indexed(app) == {}
    in_step(app)


def test_a_cooperation_record_and_its_partners_through_their_pages(
        app: Flask, client: FlaskClient, as_role) -> None:
    as_role("editor")
    reader = app.test_client()
    academy = make_partner(app, "Pomegranate Police Academy", "DE")
    ministry = make_partner(app, "Juniperine Ministry", "FR")
    record_id = location_id(client.post("/cooperation/new", data=record_form(
        [academy, ministry], title="Pomegranate memorandum",
        summary="The zanzibarite exchange.")))
    assert titles(reader, "pomegranate") == []
    in_step(app)

    client.post(f"/cooperation/{record_id}/workflow", data={"move": "submit"})
    client.post(f"/cooperation/{record_id}/workflow", data={"move": "publish"})
    # A partner's entry names the records that name it; a record names its partners.
    assert sorted(titles(reader, "pomegranate")) == [
        "Juniperine Ministry", "Pomegranate Police Academy", "Pomegranate memorandum"]
    assert titles(reader, "zanzibarite") == ["Pomegranate memorandum"]
    assert sorted(titles(reader, "juniperine")) == ["Juniperine Ministry",
                                                    "Pomegranate memorandum"]
    in_step(app)

    # The record no longer names the ministry: nothing published names it now.
    client.post(f"/cooperation/{record_id}/edit", data=record_edit_form(
        app, record_id, title="Quince memorandum", summary="The xerophyte exchange.",
        partners=[str(academy)]))
    assert titles(reader, "xerophyte") == ["Quince memorandum"]
    assert sorted(titles(reader, "quince")) == ["Pomegranate Police Academy",
                                                "Quince memorandum"]
    assert titles(reader, "zanzibarite") == []
    assert titles(reader, "juniperine") == []
    in_step(app)

    # A partner renamed: its own entry and the record that names it.
    client.post(f"/cooperation/partners/{academy}/edit", data={
        "name": "Lingonberry Police Academy", "short_name": "", "country": "DE",
        "kind": "academy", "website": ""})
    assert sorted(titles(reader, "lingonberry")) == ["Lingonberry Police Academy",
                                                     "Quince memorandum"]
    assert titles(reader, "pomegranate") == []
    in_step(app)

    client.post(f"/cooperation/{record_id}/attachments",
                data=upload("memorandum.pdf", "Signed: cloudberry."),
                content_type="multipart/form-data")
    assert titles(reader, "cloudberry") == ["Quince memorandum"]
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    client.post(f"/cooperation/{record_id}/attachments/{attachment_id}/delete")
    assert titles(reader, "cloudberry") == []
    in_step(app)

    client.post(f"/cooperation/{record_id}/workflow", data={"move": "unpublish"})
    assert titles(reader, "quince") == titles(reader, "lingonberry") == []
    assert indexed(app) == {}
    in_step(app)
    client.post(f"/cooperation/partners/{ministry}/delete")
    with app.app_context():
        assert db.session.get(Partner, ministry) is None
    in_step(app)


# Through the services, then sync --------------------------------------------------------------

def test_every_type_through_the_services_then_sync(app: Flask, client: FlaskClient) -> None:
    """Publish, edit, withdraw, publish again, delete: each change waits in the outbox until
    sync applies it."""
    guide_id = guide(app, "Pomegranate leases", "The zanzibarite clause.")
    made = course(app, "Pomegranate mediation", [("Open questions", "The zanzibarite story."),
                                                 ("Silence", "The tamarack pause.")])
    webinar_id = make_webinar(app, "Pomegranate evening", summary="The zanzibarite question.")
    partner_id = make_partner(app, "Pomegranate Police Academy", "DE")
    record_id = make_record(app, "Pomegranate memorandum", [partner_id],
                            summary="The zanzibarite exchange.")
    everything = ["Pomegranate Police Academy", "Pomegranate evening",
                  "Pomegranate leases", "Pomegranate mediation", "Pomegranate memorandum"]
    assert titles(client, "pomegranate") == []
    assert pending(app) > 0
    sync(app)
    assert sorted(titles(client, "pomegranate")) == everything
    assert sorted(titles(client, "zanzibarite")) == [
        "Open questions", "Pomegranate evening", "Pomegranate leases",
        "Pomegranate memorandum"]
    in_step(app)

    change(app, Material, guide_id, title="Quince leases", body="The xerophyte clause.")
    change(app, Course, made.id, title="Quince mediation")
    change(app, Lesson, made.lessons[0], title="Closed questions", body="The xerophyte story.")
    change(app, Webinar, webinar_id, title="Quince evening", summary="The xerophyte question.")
    change(app, CooperationRecord, record_id, title="Quince memorandum",
           summary="The xerophyte exchange.")
    change(app, Partner, partner_id, name="Quince Police Academy")
    assert sorted(set(outbox(app))) == sorted({
        ("material", guide_id), ("course", made.id), ("webinar", webinar_id),
        ("cooperation", record_id), ("partner", partner_id)})
    assert sorted(titles(client, "pomegranate")) == everything  # not applied yet
    sync(app)
    assert titles(client, "zanzibarite") == []
    # (Summaries made from the first titles still say "pomegranate": not the titles.)
    assert [t for t in titles(client, "pomegranate") if "Pomegranate" in t] == []
    assert sorted(titles(client, "quince")) == [
        "Quince Police Academy", "Quince evening", "Quince leases", "Quince mediation",
        "Quince memorandum"]
    assert sorted(titles(client, "xerophyte")) == [
        "Closed questions", "Quince evening", "Quince leases", "Quince memorandum"]
    in_step(app)

    for model, item_id in ((Material, guide_id), (Course, made.id), (Webinar, webinar_id),
                           (CooperationRecord, record_id)):
        move(app, model, item_id, "unpublish")
    sync(app)
    assert titles(client, "quince") == titles(client, "tamarack") == []
    assert indexed(app) == {}
    in_step(app)

    for model, item_id in ((Material, guide_id), (Course, made.id), (Webinar, webinar_id),
                           (CooperationRecord, record_id)):
        move(app, model, item_id, "submit")
        move(app, model, item_id, "publish")
    sync(app)
    assert len(titles(client, "quince")) == 5
    in_step(app)

    delete(app, Lesson, made.lessons[1])
    sync(app)
    assert titles(client, "tamarack") == []
    assert titles(client, "quince mediation") == ["Quince mediation"]
    in_step(app)

    for model, item_id in ((Material, guide_id), (Course, made.id), (Webinar, webinar_id),
                           (CooperationRecord, record_id), (Partner, partner_id)):
        delete(app, model, item_id)
    sync(app)
    assert titles(client, "quince") == titles(client, "xerophyte") == []
    assert indexed(app) == {}
    in_step(app)


def test_what_expires_is_not_found_at_once_and_leaves_the_index_at_the_next_sync(
        app: Flask, client: FlaskClient) -> None:
    """Expiry is time passing, no change in the database: nothing is in the outbox, yet the
    search hides what has expired, and the next sync removes it."""
    guide_id = guide(app, "Juniperine leases")
    made = course(app, "Juniperine mediation", [("Juniperine lesson", "Text.")])
    webinar_id = make_webinar(app, "Juniperine evening")
    partner_id = make_partner(app, "Juniperine Ministry", "FR")
    record_id = make_record(app, "Juniperine memorandum", [partner_id])
    lasting = guide(app, "Juniperine forever")
    sync(app)
    assert len(titles(client, "juniperine")) == 7

    soon = utcnow() + timedelta(seconds=2.5)
    for model, item_id in ((Material, guide_id), (Course, made.id), (Webinar, webinar_id),
                           (CooperationRecord, record_id)):
        change(app, model, item_id, expires_at=soon)
    sync(app)
    assert len(titles(client, "juniperine")) == 7  # not expired yet
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.1)

    assert pending(app) == 0
    assert titles(client, "juniperine") == ["Juniperine forever"]
    assert len(indexed(app)) == 7  # still in the index, not found
    assert sorted(verify(app).extra) == sorted([
        f"material:{guide_id}", f"course:{made.id}", f"lesson:{made.lessons[0]}",
        f"webinar:{webinar_id}", f"cooperation:{record_id}", f"partner:{partner_id}"])
    sync(app)
    assert set(indexed(app)) == {f"material:{lasting}"}
    in_step(app)


def test_an_expiry_date_set_in_the_past_takes_the_item_out_at_the_sync(
        app: Flask, client: FlaskClient) -> None:
    guide_id = guide(app, "Juniperine leases")
    made = course(app, "Juniperine mediation", [("Juniperine lesson", "Text.")])
    webinar_id = make_webinar(app, "Juniperine evening")
    record_id = make_record(app, "Juniperine memorandum", [make_partner(app, "Agency", "FR")])
    sync(app)
    for model, item_id in ((Material, guide_id), (Course, made.id), (Webinar, webinar_id),
                           (CooperationRecord, record_id)):
        change(app, model, item_id, expires_at=yesterday())

    sync(app)

    assert titles(client, "juniperine") == []
    assert indexed(app) == {}
    in_step(app)


# The outbox -----------------------------------------------------------------------------------

def test_the_outbox_row_is_written_in_the_changes_own_transaction(app: Flask) -> None:
    guide_id = guide(app, "Pomegranate leases")
    sync(app)
    with app.app_context():
        material = db.session.get(Material, guide_id)
        assert material is not None
        material.title = "Quince leases"
        db.session.flush()
        # Written with the change, in its transaction: others do not see it yet.
        assert db.session.scalar(select(SearchOutbox.item_id)) == guide_id
        with db.engine.connect() as other:
            assert other.execute(text("SELECT count(*) FROM search_outbox")).scalar() == 0
        db.session.rollback()
    assert outbox(app) == []
    assert titles(app.test_client(), "pomegranate") == ["Pomegranate leases"]

    change(app, Material, guide_id, title="Quince leases")
    assert outbox(app) == [("material", guide_id)]
    assert outbox(app) == [("material", guide_id)]  # it stays until a sync applies it
    with app.app_context():
        assert indexer.sync() == 1
    assert outbox(app) == []
    assert titles(app.test_client(), "quince") == ["Quince leases"]


def test_a_request_that_fails_after_writing_leaves_no_outbox_row(
        app: Flask, client: FlaskClient, as_role, monkeypatch) -> None:
    as_role("editor")
    guide_id = guide(app, "Pomegranate leases")
    sync(app)
    with app.app_context():
        slug = db.session.get(Material, guide_id).slug
    saved = materials.update_material

    def save_then_fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        saved(*args, **kwargs)
        db.session.flush()
        assert db.session.scalar(select(SearchOutbox.item_id)) == guide_id
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(materials, "update_material", save_then_fail)
    with pytest.raises(RuntimeError):
        client.post(f"/materials/{slug}/edit", data={
            "title": "Quince leases", "summary": "S.", "body": "B.", "topics": ["family"],
            "audience": "everyone", "language": "en"})

    assert outbox(app) == []
    assert titles(app.test_client(), "pomegranate") == ["Pomegranate leases"]
    in_step(app)


def test_a_change_nobody_can_search_for_writes_no_outbox_row(app: Flask,
                                                            client: FlaskClient) -> None:
    guide_id = guide(app, "Pomegranate leases")
    sync(app)
    with app.app_context():
        slug = db.session.get(Material, guide_id).slug
    client.post(f"/materials/{slug}/useful", data={"useful": "yes"})
    assert outbox(app) == []


def test_a_partner_taken_off_its_only_published_record_is_no_longer_found(
        app: Flask, client: FlaskClient) -> None:
    academy = make_partner(app, "Police Academy", "DE")
    ministry = make_partner(app, "Juniperine Ministry", "FR")
    record_id = make_record(app, "Memorandum", [academy, ministry])
    sync(app)
    assert titles(client, "juniperine", type="partner") == ["Juniperine Ministry"]

    with app.app_context():
        record = db.session.get(CooperationRecord, record_id)
        assert record is not None
        record.partners = [p for p in record.partners if p.id == academy]  # nothing else
        db.session.commit()
    sync(app)

    assert titles(client, "juniperine") == []
    assert titles(client, "academy", type="partner") == ["Police Academy"]
    in_step(app)
