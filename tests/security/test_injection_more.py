"""Stored XSS through the forms the first sweeps leave out: the consultation administration
(topics, extra fields, consent texts) and the citizen's intake pages that show them, the
certificate revoke reason, the webinar edit form (with attribute-breaking links), unit labels
in the course report, and a lesson file's original name.

The filling, the payloads and the scanner are those of ``test_injection``; each part asserts
its marker reached the pages it scans, so the sweep can fail. Forms found to carry no free text
(the withdraw confirmation, the staff's status and assign forms, the course assignment, the
attendance list, the admin's user form) are checked to stay that way: a text field added to
one of them must join the sweep.
"""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.extensions import db
from tests.conftest import PASSWORD, SWEEPS, make_user
from tests.security.conftest import Owned, Seed, _learner, email_of, login
from tests.security.test_injection import (
    MARK,
    PAYLOADS,
    FormReader,
    Pages,
    errors_of,
    post_forms,
)

#: A PDF is accepted by its magic bytes alone.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BOUNDARY = "sweepboundary"
#: Links that pass an http(s) check yet break out of an attribute if printed unescaped.
LINKS = (f'https://x.example/?"onmouseover="alert(\'{MARK}\')"',
         f"https://x.example/'onfocus='alert(\"{MARK}\")'")


def text_fields(client: FlaskClient, url: str, action_end: str) -> list[str]:
    """The free-text fields of the POST forms on *url* whose action ends with *action_end*."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    reader = FormReader()
    reader.feed(page.get_data(as_text=True))
    forms = [f for f in reader.forms if str(f["action"] or url).endswith(action_end)
             and f["method"] == "post"]
    assert forms, f"no form to {action_end} on {url}"
    return [name for f in forms for name in f["text"]  # type: ignore[attr-defined]
            if name != "csrf_token"]


def upload(client: FlaskClient, url: str, name: str) -> TestResponse:
    """Send a PDF called *name* as a browser or curl would: the test client writes a quote of
    the name unescaped (and the name is lost), a browser sends it as %22 and curl as \\"."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"'
            f"\r\nContent-Type: application/pdf\r\n\r\n").encode() + PDF + (
        f"\r\n--{BOUNDARY}--\r\n").encode()
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


def test_stored_payloads_in_admin_and_remaining_forms(
        sweep_app: Flask, seed: Seed, clients: dict[str, FlaskClient]) -> None:
    from portal.consultations.models import ConsultationRequest, ConsultationTopic
    from portal.courses.models import Certificate, Course

    started = time.perf_counter()
    v = seed.values
    admin, trainer, anonymous = clients["admin"], clients["trainer"], clients["anonymous"]
    citizen, consultant, inspector = clients["citizen"], clients["consultant"], clients[
        "inspector"]
    pages = Pages()
    fields, forms_sent, statuses = 0, 0, []

    def send(client: FlaskClient, url: str, payload: str,
             keep: dict[str, str] | None = None) -> None:
        nonlocal fields, forms_sent
        filled, codes = post_forms(client, url, payload, keep)
        fields += filled
        forms_sent += 1
        statuses.append((url, codes))
        assert {302, 303} & set(codes), (url, codes)

    # 1. Consultation administration: new topics, their extra fields (a choice: label and
    # options), the seeded field edited, the consent texts; then the intake pages.
    topic_ids = []
    for n, payload in enumerate(PAYLOADS):
        send(admin, "/consultations/admin/topics/new", payload,
             {"slug": f"sweep-{n}", "response_days": "5", "position": str(90 + n),
              "active": "y"})
        with sweep_app.app_context():
            topic_id = db.session.scalar(select(ConsultationTopic.id).where(
                ConsultationTopic.slug == f"sweep-{n}"))
        assert topic_id is not None, statuses[-1]
        topic_ids.append(topic_id)
        send(admin, f"/consultations/admin/topics/{topic_id}/fields/new", payload,
             {"name": f"sweep_{n}", "kind": "choice", "position": "0"})
    send(admin, f"/consultations/admin/topics/{v['topic_id']}/fields/{v['field_id']}",
         PAYLOADS[1], {"name": "children_ages", "position": "0"})
    for payload in PAYLOADS:
        send(admin, "/consultations/admin/consent", payload)
        # Only the current consent version is shown: scan it after each one.
        pages.scan(anonymous, "/consultations/new/family/form", "intake form (consent)")
        pages.scan(admin, "/consultations/admin/consent", "consent admin")
    # A citizen asks on a payload topic, answering its payload field.
    send(anonymous, "/consultations/new/sweep-1/form", PAYLOADS[0],
         {"phone": "+998 90 123-45-67", "email": "sweep@example.uz", "consent": "y",
          "website": ""})  # the honeypot: filled, the request is dropped silently
    with sweep_app.app_context():
        reference = db.session.scalar(select(ConsultationRequest.reference).where(
            ConsultationRequest.topic_id == topic_ids[1]))
    assert reference, statuses[-1]
    pages.scan(anonymous, "/consultations/new", "intake topics")
    for n, topic_id in enumerate(topic_ids):
        pages.scan(anonymous, f"/consultations/new/sweep-{n}", "intake topic page")
        pages.scan(anonymous, f"/consultations/new/sweep-{n}/form", "intake form")
        pages.scan(admin, f"/consultations/admin/topics/{topic_id}", "topic admin")
    pages.scan(anonymous, "/consultations/new/family/form", "intake form (edited field)")
    pages.scan(admin, f"/consultations/admin/topics/{v['topic_id']}/fields/{v['field_id']}",
               "field admin")
    pages.scan(admin, "/consultations/admin/topics", "topics admin")
    pages.scan(consultant, "/consultations/queue", "queue")
    pages.scan(consultant, f"/consultations/queue/{reference}", "staff request (payload topic)")
    pages.scan(admin, "/admin/audit", "audit log")

    # 2. Forms with no free text stay so; the certificate revoke reason does carry text.
    mine = seed.users["citizen"].consultation_reference
    assert text_fields(citizen, f"/consultations/mine/{mine}/withdraw", "/withdraw") == []
    staff_page = f"/consultations/queue/{mine}"
    for action in ("/status", "/assign"):
        assert text_fields(admin, staff_page, action) == [], action
    assert text_fields(trainer, f"/courses/{v['course_slug']}/assign", "/assign") == []
    assert text_fields(admin, f"/admin/users/{seed.users['inspector'].user_id}",
                       f"/admin/users/{seed.users['inspector'].user_id}") == []

    # Each payload revokes one certificate: two seeded learners and two more made here.
    with sweep_app.app_context():
        course = db.session.scalars(select(Course).where(
            Course.slug == v["course_slug"])).one()
        quiz = next(q for m in course.modules for q in m.quizzes if q.id == v["quiz_id"])
        learners, extra = {}, {}
        for n in (3, 4):
            user = make_user("inspector", email_of("inspector", n), name=f"Sweep learner {n}")
            learners[n] = user.id
        for n, user_id in learners.items():
            owned = Owned(user_id, email_of("inspector", n), f"Sweep learner {n}")
            _learner(owned, course, quiz, n)
            extra[n] = owned
        db.session.commit()
    # The seed is shared by every module: the two learners made here stay out of it.
    owners = [seed.users["inspector"], seed.users["inspector2"], extra[3], extra[4]]
    codes = [owner.certificate_code for owner in owners]
    assert all(codes), codes
    for payload, code in zip(PAYLOADS, codes, strict=True):
        assert text_fields(trainer, f"/certificates/{code}", "/revoke") == ["reason"]
        send(trainer, f"/certificates/{code}", payload)
    with sweep_app.app_context():
        revoked = db.session.scalars(select(Certificate.revoke_reason).where(
            Certificate.code.in_(codes))).all()
    assert sorted(revoked) == sorted(PAYLOADS), revoked
    for code in codes:
        pages.scan(anonymous, f"/certificates/{code}", "certificate verification")
        pages.scan(trainer, f"/certificates/{code}", "certificate (trainer)")
    # "My learning" shows a certificate's status, not the reason: scanned, no marker expected.
    pages.scan(inspector, "/my/learning", "my learning")
    pages.scan(login(sweep_app, email_of("inspector", 3)), "/my/learning", "my learning")
    pages.scan(admin, "/admin/audit", "audit log")

    # 3. Webinar edit: every text field, then the pages that show it; links that would break
    # out of an attribute, and a javascript: link that must be refused.
    webinar_id = v["webinar_id"]
    edit = f"/webinars/{webinar_id}/edit"
    for payload in PAYLOADS:
        send(trainer, edit, payload)
        for url, part in ((f"/webinars/{webinar_id}", "webinar page"),
                          ("/webinars/", "webinars"), ("/webinars/archive", "webinar archive"),
                          ("/webinars/manage", "webinars manage"),
                          (f"/webinars/{webinar_id}/history", "webinar history"),
                          (f"/webinars/{webinar_id}/participants", "participants"),
                          (edit, "webinar edit")):
            pages.scan(trainer if part != "webinar page" else anonymous, url, part)
    for link in LINKS:
        send(trainer, edit, f"Links {MARK}", {"join_url": link, "recording_url": link})
        pages.scan(trainer, edit, "webinar edit (links)")
        pages.scan(citizen, f"/webinars/{webinar_id}", "webinar page (links)")
        pages.scan(anonymous, f"/webinars/{webinar_id}/registration/"
                   f"{seed.users['citizen'].registration_token}", "registration (links)")
    refused = post_forms(trainer, edit, f"Script link {MARK}",
                         {"recording_url": f"javascript:alert('{MARK}')"})[1]
    assert not {302, 303} & set(refused), "a javascript: recording link was taken"
    participants = trainer.get(f"/webinars/{webinar_id}/participants").get_data(as_text=True)
    attendance = FormReader()
    attendance.feed(participants)
    assert [f["text"] for f in attendance.forms
            if str(f["action"]).endswith("/attendance")] in ([], [[]]), "attendance has text"

    # Unit labels: units have no form (the ``users create --unit`` command makes them); one
    # with a payload per learner, given through the admin's user form, shown in the report.
    runner = sweep_app.test_cli_runner()
    unit_users = {}
    for n, payload in enumerate(PAYLOADS):
        email = f"unit{n}@sec.test"
        result = runner.invoke(args=["users", "create", email, "--role", "inspector",
                                     "--password", PASSWORD, "--unit", f"{payload}/{payload}"])
        assert result.exit_code == 0, result.output
        from portal.accounts.models import User
        with sweep_app.app_context():
            unit_users[n] = db.session.scalars(select(User).where(User.email == email)).one()
            unit_id = unit_users[n].unit_id
        # The course's learners get the payload units through the admin's user form.
        user_url = f"/admin/users/{owners[n].user_id}"
        form = FormReader()
        form.feed(admin.get(user_url).get_data(as_text=True))
        data = next(dict(f["data"]) for f in form.forms  # type: ignore[call-overload]
                    if str(f["action"] or user_url).endswith(user_url))
        data["unit_id"] = str(unit_id)
        data["roles"] = "inspector"
        data["active"] = "y"
        saved = admin.post(user_url, data=data)
        assert saved.status_code in (302, 303), (saved.status_code, user_url)
        forms_sent += 1
        fields += 1
    pages.scan(trainer, f"/courses/{v['course_slug']}/report", "course report")
    pages.scan(trainer, f"/courses/{v['course_slug']}/assign", "course assign")
    pages.scan(admin, "/admin/users", "users admin")
    pages.scan(admin, f"/admin/users/{seed.users['inspector'].user_id}", "user admin")

    # 4. A lesson file named with a payload, then the lesson's pages and the audit log.
    lesson = f"/courses/{v['course_slug']}/lessons/{v['lesson_id']}"
    names = [f"{payload}.pdf" for payload in PAYLOADS if "/" not in payload]
    names.append('"><img src=x onerror=alert(1)>.pdf')
    for name in names:
        uploaded = upload(trainer, f"{lesson}/files", name)
        assert uploaded.status_code in (302, 303), (
            name, uploaded.status_code, errors_of(uploaded.get_data(as_text=True)))
        forms_sent += 1
        fields += 1
    from portal.content.attachments import Attachment
    with sweep_app.app_context():
        stored = db.session.scalars(select(Attachment).where(
            Attachment.item_id == v["lesson_id"], Attachment.original_name.contains("onerror")
            | Attachment.original_name.contains(MARK))).all()
        links = [(a.id, a.original_name) for a in stored]
    assert len(links) == len(names), links
    pages.scan(inspector, lesson, "lesson page")
    pages.scan(trainer, f"{lesson}/edit", "lesson edit")
    pages.scan(trainer, f"/courses/{v['course_slug']}", "course page")
    pages.scan(admin, "/admin/audit", "audit log")
    for attachment_id, name in links:
        from urllib.parse import quote
        download = inspector.get(f"/attachments/{attachment_id}/{quote(name)}")
        assert download.status_code == 200, download.status_code
        # A header is not markup: the name only must not end the header nor turn the file
        # into a page.
        disposition = download.headers.get("Content-Disposition", "")
        download.close()
        assert "\r" not in disposition and "\n" not in disposition, disposition
        assert download.mimetype == "application/pdf", download.mimetype

    expected = {"intake form (consent)", "consent admin", "intake topics", "intake topic page",
                "intake form", "topic admin", "intake form (edited field)", "field admin",
                "topics admin", "queue", "staff request (payload topic)", "audit log",
                "certificate verification", "certificate (trainer)",
                "webinar page", "webinars manage", "webinar edit",
                "webinar edit (links)", "course report", "course assign", "users admin",
                "user admin", "lesson page", "lesson edit"}
    SWEEPS["stored XSS (admin and remaining forms)"] = (
        f"{len(PAYLOADS)} payloads, {fields} text fields filled in {forms_sent} submissions, "
        f"{pages.scanned} pages scanned, failures {len(pages.found)}, "
        f"{time.perf_counter() - started:.1f} s")
    assert expected <= pages.marked, f"no payload reached {sorted(expected - pages.marked)}"
    assert not pages.found, "\n".join(pages.found)
