"""The staff's pages through real HTTP: the queue with its filters and counts, a request's page
with its actions, who may see what, the audit of every opening, and the administrators'
topics, extra fields and consent texts."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.consultations import configuration, services
from portal.consultations.configuration import ensure_defaults
from portal.consultations.files import Upload
from portal.consultations.models import MAX_TEXT, ConsultationMessage, MessageKind, Status
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, make_app
from tests.consultations.helpers import (
    EMAIL,
    NAME,
    PHONE,
    QUESTION,
    act,
    audit_rows,
    get,
    outbox,
    row_text,
    send,
    staff,
)

PDF = b"%PDF-1.4\n% a tiny test file\n%%EOF\n"


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    return {"ana": staff(app, "consultant", "ana@example.uz", "Ana Consultant"),
            "bek": staff(app, "consultant", "bek@example.uz", "Bek Consultant"),
            "boss": staff(app, "admin", "boss@example.uz", "Boss Supervisor"),
            "inspector": staff(app, "inspector", "insp@example.uz", "Inspector"),
            "editor": staff(app, "editor", "ed@example.uz", "Editor"),
            "citizen": staff(app, "citizen", "citizen@example.uz", "Citizen")}


EMAILS = {"ana": "ana@example.uz", "bek": "bek@example.uz", "boss": "boss@example.uz",
          "inspector": "insp@example.uz", "editor": "ed@example.uz",
          "citizen": "citizen@example.uz"}


def logged_in(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/auth/login", data={"email": EMAILS[who], "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def page_of(reference: str) -> str:
    return f"/consultations/queue/{reference}"


# The queue ------------------------------------------------------------------------------------

def test_a_consultant_sees_the_unassigned_and_their_own_but_not_anothers(app, people) -> None:
    mine, theirs, free = send(app), send(app), send(app)
    act(app, services.take, mine.id, actor=people["ana"])
    act(app, services.take, theirs.id, actor=people["bek"])
    ana = logged_in(app, "ana")

    queue = text(ana.get("/consultations/queue"))

    assert mine.reference in queue and free.reference in queue
    assert theirs.reference not in queue
    assert ana.get(page_of(mine.reference)).status_code == 200
    assert ana.get(page_of(free.reference)).status_code == 200
    # Another's request answers like one that does not exist, for reading and for acting;
    # a reply, a note (like taking) say it is taken, so that the text written is not lost,
    # and show nothing of the request.
    assert ana.get(page_of(theirs.reference)).status_code == 404
    assert ana.get(page_of("HQ-2020-999999")).status_code == 404
    assert ana.get(page_of("not-a-reference")).status_code == 404
    for action in ("reply", "note", "status", "reopen", "assign"):
        response = ana.post(f"{page_of(theirs.reference)}/{action}",
                            data={"reply-body": "x", "note-body": "x", "status-status": "closed"})
        assert response.status_code == (409 if action in ("reply", "note") else 404), action
        assert QUESTION not in text(response) and NAME not in text(response)
    with app.app_context():
        assert [m.body for m in get(theirs.id).messages] == []


def test_the_queue_shows_no_personal_data_and_sorts_by_due_date(app, people) -> None:
    later = send(app, "housing", region="Samarqand viloyati")  # 10 working days
    sooner = send(app, "juvenile")  # 3 working days
    boss = logged_in(app, "boss")

    response = boss.get("/consultations/queue")
    page = text(response)

    assert response.status_code == 200
    for personal in (NAME, PHONE, EMAIL, QUESTION, "Chilonzor", "Navbahor"):
        assert personal not in page
    assert "Samarqand viloyati" in page and "Housing" in page
    assert page.index(sooner.reference) < page.index(later.reference)
    assert 'scope="col"' in page and response.headers["Cache-Control"] == "no-store"


def test_an_overdue_request_stands_out_in_text_not_colour_alone(app, people) -> None:
    late = send(app, now=utcnow() - timedelta(days=40))
    on_time = send(app)
    boss = logged_in(app, "boss")

    page = text(boss.get("/consultations/queue"))
    row = re.search(rf'<tr class="overdue">.*?{late.reference}.*?</tr>', page, re.S)

    assert row is not None and "Overdue" in row.group(0)
    assert not re.search(rf'<tr class="overdue">\s*<th scope="row"><a [^>]*>{on_time.reference}',
                         page)
    assert "Overdue: <strong>1</strong>" in page
    only_late = text(boss.get("/consultations/queue?overdue=1"))
    assert late.reference in only_late and on_time.reference not in only_late
    assert "Overdue" in text(boss.get(page_of(late.reference)))


def test_the_queue_filters_and_counts(app, people) -> None:
    family = send(app, "family", region="Samarqand viloyati")
    housing = send(app, "housing", region="Toshkent shahri")
    mine = send(app, "labour", region="Toshkent shahri")
    act(app, services.take, housing.id, actor=people["bek"])
    act(app, services.take, mine.id, actor=people["ana"])
    boss, ana = logged_in(app, "boss"), logged_in(app, "ana")

    def listed(client: FlaskClient, query: str) -> set[str]:
        response = client.get(f"/consultations/queue?{query}")
        assert response.status_code == 200, query
        page = text(response)
        return {ref for ref in (family.reference, housing.reference, mine.reference)
                if ref in page}

    assert listed(boss, "status=assigned") == {housing.reference, mine.reference}
    assert listed(boss, "status=new") == {family.reference}
    assert listed(boss, "topic=housing") == {housing.reference}
    assert listed(boss, "region=Samarqand+viloyati") == {family.reference}
    assert listed(boss, "assignee=unassigned") == {family.reference}
    assert listed(boss, f"assignee={people['bek']}") == {housing.reference}
    assert listed(ana, "assignee=mine") == {mine.reference}
    assert listed(ana, "") == {family.reference, mine.reference}
    counts = text(boss.get("/consultations/queue"))
    assert "New: <strong>1</strong>" in counts and "Assigned: <strong>2</strong>" in counts
    assert 'href="/consultations/queue?status=assigned"' in counts
    # A consultant's counts are over what they may see.
    assert "Assigned: <strong>1</strong>" in text(ana.get("/consultations/queue"))


@pytest.mark.parametrize("query, name", [
    ("status=lost", "status"), ("topic=astrology", "topic"), ("region=Atlantis", "region"),
    ("assignee=someone", "assignee"), ("overdue=maybe", "overdue")])
def test_a_bad_filter_is_refused_next_to_it(app, people, query, name) -> None:
    send(app)
    boss = logged_in(app, "boss")

    response = boss.get(f"/consultations/queue?{query}")
    page = text(response)

    assert response.status_code == 400
    assert f'id="page-filter-{name}-error"' in page
    assert f'aria-describedby="page-filter-{name}-error"' in page and 'role="alert"' in page


def test_a_consultant_cannot_filter_by_another_consultant(app, people) -> None:
    ana = logged_in(app, "ana")

    assert ana.get(f"/consultations/queue?assignee={people['bek']}").status_code == 400


# A request's page -----------------------------------------------------------------------------

def test_the_request_page_shows_everything_and_every_opening_is_audited(app, people) -> None:
    sent = send(app, attachment=Upload("rahimova-court-letter.pdf", PDF))
    ana = logged_in(app, "ana")

    first = ana.get(page_of(sent.reference))
    ana.get(page_of(sent.reference))
    page = text(first)

    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    for shown in (NAME, PHONE, EMAIL, QUESTION, "Chilonzor tumani", "Navbahor"):
        assert html.escape(shown) in page, shown
    assert "version 1" in page and "rahimova-court-letter.pdf" in page
    opened = [e for e in audit_rows(app, "consultation.opened")]
    assert [(e.actor_id, e.object_label) for e in opened] == [(people["ana"], sent.reference)] * 2
    audit_text = row_text(app, "audit_entries")
    for personal in (NAME, PHONE, EMAIL, QUESTION, "rahimova"):
        assert personal not in audit_text


def test_the_attachment_is_downloaded_through_a_checked_route(app, people) -> None:
    sent = send(app, attachment=Upload("letter.pdf", PDF))
    other = send(app, attachment=Upload("other.pdf", PDF))
    act(app, services.take, other.id, actor=people["bek"])
    ana = logged_in(app, "ana")

    response = ana.get(f"{page_of(sent.reference)}/attachment")

    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()
    assert ana.get(f"{page_of(other.reference)}/attachment").status_code == 404
    assert ana.get(f"{page_of(send(app).reference)}/attachment").status_code == 404
    assert [e.object_label for e in audit_rows(app, "consultation.attachment")] == [
        sent.reference]


def test_taking_a_request_assigns_it(app, people) -> None:
    sent = send(app)
    ana = logged_in(app, "ana")

    response = ana.post(f"{page_of(sent.reference)}/take")

    assert response.status_code == 303
    with app.app_context():
        request = get(sent.id)
        assert request.assignee_id == people["ana"] and request.status == Status.assigned
    assert "Ana Consultant (you)" in text(ana.get(page_of(sent.reference)))


def test_the_second_of_two_consultants_taking_at_once_is_told(app, people) -> None:
    sent = send(app)
    ana, bek = logged_in(app, "ana"), logged_in(app, "bek")
    assert "Take this request" in text(bek.get(page_of(sent.reference)))  # both see it free

    assert ana.post(f"{page_of(sent.reference)}/take").status_code == 303
    response = bek.post(f"{page_of(sent.reference)}/take")

    assert response.status_code == 409
    assert "Another consultant has taken this request." in text(response)
    assert QUESTION not in text(response) and NAME not in text(response)
    with app.app_context():
        assert get(sent.id).assignee_id == people["ana"]


def test_a_supervisor_sees_every_request_and_assigns_it(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["bek"])
    boss = logged_in(app, "boss")
    page = text(boss.get(page_of(sent.reference)))
    assert 'id="assign-assignee"' in page and "Ana Consultant" in page

    response = boss.post(f"{page_of(sent.reference)}/assign",
                         data={"assign-assignee": str(people["ana"])})

    assert response.status_code == 303
    with app.app_context():
        assert get(sent.id).assignee_id == people["ana"]
    assert [m.subject for m in outbox(app, "ana@example.uz")] == [
        f"Consultation request {sent.reference} is assigned to you"]
    back = boss.post(f"{page_of(sent.reference)}/assign", data={"assign-assignee": ""})
    assert back.status_code == 303
    with app.app_context():
        assert get(sent.id).assignee_id is None and get(sent.id).status == Status.new


def test_a_consultant_cannot_assign(app, people) -> None:
    sent = send(app)
    ana = logged_in(app, "ana")

    assert 'id="assign-assignee"' not in text(ana.get(page_of(sent.reference)))
    response = ana.post(f"{page_of(sent.reference)}/assign",
                        data={"assign-assignee": str(people["ana"])})

    assert response.status_code == 403
    with app.app_context():
        assert get(sent.id).assignee_id is None


def test_assigning_to_someone_who_does_not_answer_is_refused(app, people) -> None:
    sent = send(app)
    boss = logged_in(app, "boss")

    response = boss.post(f"{page_of(sent.reference)}/assign",
                         data={"assign-assignee": str(people["editor"])})

    assert response.status_code == 422 and 'id="assign-assignee-error"' in text(response)


def test_a_reply_reaches_the_citizen_without_its_text_in_the_mail(app, people) -> None:
    sent = send(app)
    ana = logged_in(app, "ana")
    reply = "You can apply to the court for alimony; bring the birth certificates."

    response = ana.post(f"{page_of(sent.reference)}/reply", data={"reply-body": reply})

    assert response.status_code == 303
    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.answered and request.assignee_id == people["ana"]
        assert [m.body for m in services.public_messages(request)] == [reply]
    mails = [m for m in outbox(app, EMAIL) if "Reply" in m.subject]
    assert len(mails) == 1
    assert reply not in mails[0].body and QUESTION not in mails[0].body
    assert sent.reference in mails[0].subject


def test_an_internal_note_stays_with_the_staff(app, people) -> None:
    sent = send(app)
    ana = logged_in(app, "ana")
    note = "Check whether the court order from 2024 exists."

    response = ana.post(f"{page_of(sent.reference)}/note", data={"note-body": note})

    assert response.status_code == 303
    with app.app_context():
        request = get(sent.id)
        assert services.public_messages(request) == []
        assert [m.kind for m in request.messages] == [MessageKind.internal_note]
    page = text(ana.get(page_of(sent.reference)))
    assert "Internal note (staff only)" in page and html.escape(note) in page
    assert 'class="message message-internal_note"' in page
    assert [m for m in outbox(app, EMAIL) if "Reply" in m.subject] == []


@pytest.mark.parametrize("action, field", [("reply", "reply-body"), ("note", "note-body")])
def test_an_empty_or_overlong_message_is_refused_and_kept(app, people, action, field) -> None:
    sent = send(app)
    ana = logged_in(app, "ana")
    too_long = "Long words " * (MAX_TEXT // 10 + 1)

    empty = ana.post(f"{page_of(sent.reference)}/{action}", data={field: "   "})
    long = ana.post(f"{page_of(sent.reference)}/{action}", data={field: too_long})

    assert empty.status_code == 422
    assert f'id="{field}-error"' in text(empty)
    assert f'aria-describedby="{field}-hint {field}-error"' in text(empty)
    assert long.status_code == 422 and too_long.strip() in text(long)
    assert long.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session.scalars(select(ConsultationMessage)).all() == []


def test_statuses_move_along_and_an_impossible_move_is_refused(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["ana"])
    ana = logged_in(app, "ana")
    url = f"{page_of(sent.reference)}/status"

    def status() -> Status:
        with app.app_context():
            return get(sent.id).status

    assert ana.post(url, data={"status-status": "waiting"}).status_code == 303
    assert status() == Status.waiting
    assert ana.post(url, data={"status-status": "closed"}).status_code == 303
    assert status() == Status.closed
    refused = ana.post(url, data={"status-status": "answered"})
    assert refused.status_code == 409
    assert 'id="status-status-error"' in text(refused) and "cannot move" in text(refused)
    assert status() == Status.closed
    assert ana.post(url, data={"status-status": "lost"}).status_code == 422
    assert ana.post(f"{page_of(sent.reference)}/reopen").status_code == 303
    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.assigned and request.closed_at is None
    again = ana.post(f"{page_of(sent.reference)}/reopen")
    assert again.status_code == 409


def test_a_consultant_cannot_change_the_status_of_an_unassigned_request(app, people) -> None:
    sent = send(app)
    ana = logged_in(app, "ana")

    page = text(ana.get(page_of(sent.reference)))
    response = ana.post(f"{page_of(sent.reference)}/status", data={"status-status": "closed"})

    assert 'id="status-status"' not in page
    assert response.status_code == 403
    with app.app_context():
        assert get(sent.id).status == Status.new


# Who gets in ----------------------------------------------------------------------------------

def staff_urls(reference: str) -> tuple[list[str], list[str]]:
    gets = ["/consultations/queue", page_of(reference), f"{page_of(reference)}/attachment",
            "/consultations/admin/topics", "/consultations/admin/topics/new",
            "/consultations/admin/topics/1", "/consultations/admin/topics/1/fields/new",
            "/consultations/admin/consent"]
    posts = [f"{page_of(reference)}/{action}"
             for action in ("take", "assign", "reply", "note", "status", "reopen")]
    posts += ["/consultations/admin/topics/new", "/consultations/admin/topics/1",
              "/consultations/admin/consent", "/consultations/admin/topics/1/fields/new"]
    return gets, posts


def test_anonymous_visitors_are_sent_to_log_in(app, people) -> None:
    sent = send(app, attachment=Upload("letter.pdf", PDF))
    client = app.test_client()
    gets, posts = staff_urls(sent.reference)

    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location, url
    for url in posts:
        response = client.post(url, data={"reply-body": "x", "note-body": "x"})
        assert response.status_code == 302 and "/auth/login" in response.location, url
    with app.app_context():
        assert get(sent.id).status == Status.new and get(sent.id).messages == []


@pytest.mark.parametrize("who", ["citizen", "inspector", "editor"])
def test_people_without_the_permissions_are_refused(app, people, who) -> None:
    sent = send(app, attachment=Upload("letter.pdf", PDF))
    client = logged_in(app, who)
    gets, posts = staff_urls(sent.reference)

    for url in gets:
        assert client.get(url).status_code in {403, 404}, url
    for url in posts:
        response = client.post(url, data={"reply-body": "x", "note-body": "x",
                                          "text_uz": "x", "text_ru": "x", "text_en": "x"})
        assert response.status_code in {403, 404}, url
    with app.app_context():
        assert get(sent.id).status == Status.new and get(sent.id).messages == []
        assert configuration.current_consent_version() == 1
    assert audit_rows(app, "consultation.opened") == []


def test_consultants_do_not_configure(app, people) -> None:
    ana = logged_in(app, "ana")

    assert ana.get("/consultations/admin/topics").status_code == 403
    assert ana.post("/consultations/admin/consent", data={
        "text_uz": "a", "text_ru": "b", "text_en": "c"}).status_code == 403


# Administration -------------------------------------------------------------------------------

def family_id(app: Flask) -> int:
    with app.app_context():
        topic = configuration.topic_by_slug("family")
        assert topic is not None
        return topic.id


def test_an_admin_adds_edits_and_removes_an_extra_field(app, people) -> None:
    boss = logged_in(app, "boss")
    topic_id = family_id(app)
    assert boss.get("/consultations/admin/topics").status_code == 200
    assert boss.get(f"/consultations/admin/topics/{topic_id}/fields/new").status_code == 200

    response = boss.post(f"/consultations/admin/topics/{topic_id}/fields/new", data={
        "name": "custody", "label_uz": "Vasiylik", "label_ru": "Опека", "label_en": "Custody",
        "kind": "choice", "required": "y", "choices": "Mother\nFather\n\nGrandparents\n",
        "position": "1"})

    assert response.status_code == 303
    with app.app_context():
        topic = configuration.topic_by_slug("family")
        [extra] = [f for f in topic.fields if f.name == "custody"]
        assert extra.required and extra.choices == ["Mother", "Father", "Grandparents"]
        field_id = extra.id
    assert "Custody" in text(boss.get(f"/consultations/admin/topics/{topic_id}"))
    edited = boss.post(f"/consultations/admin/topics/{topic_id}/fields/{field_id}", data={
        "name": "custody", "label_uz": "Vasiylik", "label_ru": "Опека",
        "label_en": "Who has custody", "kind": "text", "choices": "", "position": "1"})
    assert edited.status_code == 303
    with app.app_context():
        extra = configuration.topic_by_slug("family").fields[0]
        assert extra.label_en == "Who has custody" and not extra.required and extra.choices == []
    removed = boss.post(f"/consultations/admin/topics/{topic_id}/fields/{field_id}/delete")
    assert removed.status_code == 303
    with app.app_context():
        assert configuration.topic_by_slug("family").fields == []


@pytest.mark.parametrize("changes, field", [
    ({"name": "Bad Name"}, "name"),
    ({"label_en": ""}, "label_en"),
    ({"kind": "choice", "choices": " \n "}, "choices"),
    ({"kind": "colour"}, "kind"),
])
def test_a_bad_extra_field_is_refused_next_to_it(app, people, changes, field) -> None:
    boss = logged_in(app, "boss")
    topic_id = family_id(app)
    data = {"name": "ages", "label_uz": "Yosh", "label_ru": "Возраст", "label_en": "Ages",
            "kind": "text", "choices": "", "position": "0", **changes}

    response = boss.post(f"/consultations/admin/topics/{topic_id}/fields/new", data=data)

    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert configuration.topic_by_slug("family").fields == []


def test_a_field_name_is_unique_within_its_topic(app, people) -> None:
    boss = logged_in(app, "boss")
    topic_id = family_id(app)
    data = {"name": "ages", "label_uz": "Yosh", "label_ru": "Возраст", "label_en": "Ages",
            "kind": "number", "position": "0"}
    assert boss.post(f"/consultations/admin/topics/{topic_id}/fields/new",
                     data=data).status_code == 303

    again = boss.post(f"/consultations/admin/topics/{topic_id}/fields/new", data=data)

    assert again.status_code == 422 and 'id="name-error"' in text(again)


def test_an_admin_edits_a_topic_and_adds_one(app, people) -> None:
    boss = logged_in(app, "boss")
    topic_id = family_id(app)
    form = {"slug": "family", "name_uz": "Oila", "name_ru": "Семья", "name_en": "Family",
            "response_days": "7", "guide_topic": "family", "active": "y", "position": "0"}

    assert boss.post(f"/consultations/admin/topics/{topic_id}", data=form).status_code == 303
    too_slow = boss.post(f"/consultations/admin/topics/{topic_id}",
                         data={**form, "response_days": "90"})
    clash = boss.post("/consultations/admin/topics/new", data={**form, "name_en": "Again"})
    added = boss.post("/consultations/admin/topics/new", data={
        **form, "slug": "inheritance", "name_en": "Inheritance", "active": ""})

    assert too_slow.status_code == 422 and 'id="response_days-error"' in text(too_slow)
    assert clash.status_code == 422 and 'id="slug-error"' in text(clash)
    assert added.status_code == 303
    with app.app_context():
        family = configuration.topic_by_slug("family")
        assert family.response_days == 7 and family.name_en == "Family"
        inheritance = configuration.topic_by_slug("inheritance", active_only=False)
        assert inheritance is not None and not inheritance.active
        assert configuration.topic_by_slug("inheritance") is None


def test_a_new_consent_version_is_published(app, people) -> None:
    boss = logged_in(app, "boss")
    page = text(boss.get("/consultations/admin/consent"))
    assert "Current version: 1" in page

    missing = boss.post("/consultations/admin/consent", data={
        "text_uz": "Roziman.", "text_ru": "", "text_en": "I agree."})
    published = boss.post("/consultations/admin/consent", data={
        "text_uz": "Roziman.", "text_ru": "Я согласен.", "text_en": "I agree."})

    assert missing.status_code == 422 and 'id="text_ru-error"' in text(missing)
    assert "I agree." in text(missing)  # what was typed is kept
    assert published.status_code == 303
    with app.app_context():
        assert configuration.current_consent_version() == 2
        assert configuration.current_consent("ru").text == "Я согласен."
    assert "Current version: 2" in text(boss.get("/consultations/admin/consent"))


# The whole round, as a browser does it (CSRF on) ------------------------------------------------

@pytest.fixture
def live_app(tmp_path) -> Flask:
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        ensure_defaults()
        db.session.commit()
    return app


def token(page: str, prefix: str = "") -> str:
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def test_a_consultant_takes_notes_and_replies_through_the_forms(live_app) -> None:
    app = live_app
    staff(app, "consultant", "ana@example.uz", "Ana Consultant")
    sent = send(app)
    client = app.test_client()
    login = text(client.get("/auth/login"))
    client.post("/auth/login", data={"email": "ana@example.uz", "password": PASSWORD,
                                     "csrf_token": token(login)})
    url = page_of(sent.reference)

    assert client.post(f"{url}/take").status_code == 400  # no token: refused
    page = text(client.get(url))
    assert client.post(f"{url}/take", data={"csrf_token": token(page)}).status_code == 303
    page = text(client.get(url))
    noted = client.post(f"{url}/note", data={"note-body": "Call back in the evening.",
                                             "note-csrf_token": token(page, "note")})
    page = text(client.get(url))
    replied = client.post(f"{url}/reply", data={"reply-body": "Here is what the law says.",
                                                "reply-csrf_token": token(page, "reply")})
    page = text(client.get(url))
    closed = client.post(f"{url}/status", data={"status-status": "closed",
                                                "status-csrf_token": token(page, "status")})

    assert (noted.status_code, replied.status_code, closed.status_code) == (303, 303, 303)
    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.closed
        assert [m.kind for m in request.messages] == [MessageKind.internal_note,
                                                      MessageKind.public_reply]


# Keyboard and screen readers ------------------------------------------------------------------

def test_the_staff_pages_are_accessible(app, people) -> None:
    from tests.test_accessibility import check

    late = send(app, now=utcnow() - timedelta(days=40),
                attachment=Upload("letter.pdf", PDF))
    act(app, services.take, late.id, actor=people["ana"])
    act(app, services.note, late.id, "A note.", actor=people["ana"])
    act(app, services.reply, late.id, "A reply.", actor=people["ana"])
    send(app, "housing", region="Samarqand viloyati")
    topic_id = family_id(app)
    boss = logged_in(app, "boss")
    boss.post(f"/consultations/admin/topics/{topic_id}/fields/new", data={
        "name": "ages", "label_uz": "Yosh", "label_ru": "Возраст", "label_en": "Ages",
        "kind": "text", "position": "0"})
    url = page_of(late.reference)
    pages = {
        "queue": boss.get("/consultations/queue"),
        "filtered": boss.get("/consultations/queue?status=answered&overdue=1"),
        "bad filter": boss.get("/consultations/queue?status=lost&region=Atlantis"),
        "request": boss.get(url),
        "bad reply": boss.post(f"{url}/reply", data={"reply-body": ""}),
        "topics": boss.get("/consultations/admin/topics"),
        "topic": boss.get(f"/consultations/admin/topics/{topic_id}"),
        "new topic": boss.get("/consultations/admin/topics/new"),
        "new field": boss.get(f"/consultations/admin/topics/{topic_id}/fields/new"),
        "bad field": boss.post(f"/consultations/admin/topics/{topic_id}/fields/new",
                               data={"name": "1x", "kind": "choice"}),
        "consent": boss.get("/consultations/admin/consent"),
        "bad consent": boss.post("/consultations/admin/consent", data={"text_uz": "x"}),
    }
    ana = logged_in(app, "ana")
    pages["consultant's request"] = ana.get(url)
    pages["consultant's queue"] = ana.get("/consultations/queue")

    for name, response in pages.items():
        assert response.status_code in {200, 400, 422}, name
        page = text(response)
        check(page, name)
        if response.status_code != 200:
            assert 'role="alert"' in page and 'aria-invalid="true"' in page, name


@pytest.mark.parametrize("action, field", [("reply", "reply-body"), ("note", "note-body")])
def test_a_message_written_while_another_consultant_took_the_request_is_kept(
        app, people, action, field) -> None:
    sent = send(app)
    ana, bek = logged_in(app, "ana"), logged_in(app, "bek")
    assert "Take this request" in text(ana.get(page_of(sent.reference)))  # free when opened
    assert bek.post(f"{page_of(sent.reference)}/take").status_code == 303
    written = "Claim the alimony through the court <of the district>."

    response = ana.post(f"{page_of(sent.reference)}/{action}", data={field: written})

    assert response.status_code == 409
    page = text(response)
    assert "Another consultant has taken this request." in page
    assert html.escape(written, quote=False) in page  # to copy; escaped
    assert QUESTION not in page and NAME not in page
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session.scalars(select(ConsultationMessage)).all() == []
        assert get(sent.id).assignee_id == people["bek"]
