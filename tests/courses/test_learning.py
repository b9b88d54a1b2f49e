"""Learners on courses: enrolment and assignment, lessons done, completion, certificates and
their verification, renewal before expiry, and the trainers' reports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.courses import learning
from portal.courses.models import Certificate, Course, Enrolment, EnrolmentSource
from portal.database import utcnow
from portal.extensions import db
from portal.mail import OutboxMail
from tests.conftest import Auth, make_user
from tests.courses.quizzing import make_course, post_answers, question_ids, right_answers, start


def complete(client, made, ids) -> str:
    """Read the lesson, pass the quiz; returns where the last step led."""
    done = client.post(f"/courses/{made['slug']}/lessons/{made['lesson_id']}/done")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/quizzes/{made['quiz_id']}")
    attempt_id = start(client, made)
    post_answers(client, made, attempt_id, 1, right_answers(ids), go="finish")
    return client.get("/my/learning").get_data(as_text=True)


def only_certificate(app) -> Certificate:
    with app.app_context():
        found = db.session.scalars(select(Certificate)).one()
        db.session.expunge(found)
        return found


def test_completing_every_step_issues_one_verifiable_certificate(app, client, as_role) -> None:
    with app.app_context():
        made = make_course()
        db.session.get(Course, made["course_id"]).certificate_valid_months = 24
        db.session.commit()
    inspector = as_role("inspector")
    ids = question_ids(app, made["quiz_id"])

    page = complete(client, made, ids)

    cert = only_certificate(app)
    assert cert.learner_name == inspector.name and cert.course_title == "Preventive talks"
    assert 730 - 2 <= (cert.expires_at - cert.issued_at).days <= 731
    assert "Completed" in page and cert.code in page
    verify = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "Valid" in verify and inspector.name in verify
    assert client.get(f"/certificates/{cert.code.lower()}").status_code == 200
    pdf = client.get(f"/certificates/{cert.code}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert inspector.name in text and cert.code in text
    # finishing more steps never issues a second certificate for the same round
    attempt_id = start(client, made)
    post_answers(client, made, attempt_id, 1, right_answers(ids), go="finish")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_a_failed_quiz_leaves_the_course_in_progress(app, client, as_role) -> None:
    with app.app_context():
        made = make_course()
    as_role("inspector")
    client.post(f"/courses/{made['slug']}/lessons/{made['lesson_id']}/done")
    attempt_id = start(client, made)
    ids = question_ids(app, made["quiz_id"])
    post_answers(client, made, attempt_id, 1, {f"a-{ids['tf']}": "false"}, go="finish")

    page = client.get("/my/learning").get_data(as_text=True)

    assert "In progress" in page and 'value="50"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_unknown_certificates_say_so(client) -> None:
    response = client.get("/certificates/NOPE-NOPE-NOPE")
    assert response.status_code == 404 and "Unknown" in response.get_data(as_text=True)


def test_only_the_holder_and_trainers_download_the_pdf(app, client, as_role, auth) -> None:
    with app.app_context():
        made = make_course()
    as_role("inspector")
    complete(client, made, question_ids(app, made["quiz_id"]))
    code = only_certificate(app).code
    auth.logout()

    assert client.get(f"/certificates/{code}.pdf").status_code == 302  # log in first
    as_role("citizen")
    assert client.get(f"/certificates/{code}.pdf").status_code == 404
    assert client.get(f"/certificates/{code}").status_code == 200  # verification is public


def test_a_trainer_revokes_with_a_reason(app, client, as_role, auth) -> None:
    with app.app_context():
        made = make_course()
    as_role("inspector")
    complete(client, made, question_ids(app, made["quiz_id"]))
    code = only_certificate(app).code
    auth.logout()
    as_role("trainer", "second-trainer@example.uz")

    empty = client.post(f"/certificates/{code}/revoke", data={"reason": ""})
    done = client.post(f"/certificates/{code}/revoke", data={"reason": "Exam fraud"})

    assert empty.status_code == 422
    assert done.status_code == 302
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Revoked" in page and "Exam fraud" in page


def test_citizens_cannot_revoke(app, client, as_role) -> None:
    with app.app_context():
        made = make_course()
    as_role("inspector")
    complete(client, made, question_ids(app, made["quiz_id"]))
    code = only_certificate(app).code

    assert client.post(f"/certificates/{code}/revoke", data={"reason": "x"}).status_code == 403
    assert only_certificate(app).revoked_at is None


def test_expired_certificates_show_expired_and_learners_are_reenrolled_before(
        app, client, as_role, runner) -> None:
    with app.app_context():
        made = make_course()
        db.session.get(Course, made["course_id"]).certificate_valid_months = 12
        db.session.commit()
    as_role("inspector")
    complete(client, made, question_ids(app, made["quiz_id"]))
    with app.app_context():
        cert = db.session.scalars(select(Certificate)).one()
        cert.expires_at = utcnow() + timedelta(days=10)
        db.session.commit()

    result = runner.invoke(args=["courses", "renew-certificates"])

    assert result.exit_code == 0 and "1 learner" in result.output
    with app.app_context():
        told = db.session.scalars(select(OutboxMail)).one()
        assert told.to_address == "inspector-session@example.uz"
        assert "Preventive talks" in told.subject and "/my/learning" in told.body
    page = client.get("/my/learning").get_data(as_text=True)
    assert "you are enrolled again" in page
    assert "Not started" in page  # the new round starts from zero
    again = runner.invoke(args=["courses", "renew-certificates"])
    assert "0 learners" in again.output
    with app.app_context():
        cert = db.session.scalars(select(Certificate)).one()
        cert.expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
        code = cert.code
    assert "Expired" in client.get(f"/certificates/{code}").get_data(as_text=True)


def test_a_trainer_assigns_a_unit_with_a_due_date(app, client, as_role) -> None:
    with app.app_context():
        made = make_course()
        unit = accounts.get_or_create_unit("Toshkent shahri", "Chilonzor tumani")
        other = accounts.get_or_create_unit("Samarqand viloyati", "Samarqand shahri")
        db.session.flush()
        for n in range(3):
            make_user("inspector", f"i{n}@example.uz", name=f"Inspector {n}",
                      unit=unit)
        make_user("inspector", "far@example.uz", name="Far Away", unit=other)
        make_user("citizen", "c@example.uz", unit=unit)
        unit_id = unit.id
    Auth(client).login("author@example.uz")
    due = date.today() + timedelta(days=30)

    past = client.post(f"/courses/{made['slug']}/assign",
                       data={"unit": str(unit_id), "due_on": "2001-01-01"})
    done = client.post(f"/courses/{made['slug']}/assign",
                       data={"unit": str(unit_id), "due_on": due.isoformat()})

    assert past.status_code == 422
    assert done.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Enrolment)).all()
        assert sorted(r.user.name for r in rows) == ["Inspector 0", "Inspector 1", "Inspector 2"]
        assert {r.due_on for r in rows} == {due}
        assert {r.source for r in rows} == {EnrolmentSource.assigned}
    report = client.get(f"/courses/{made['slug']}/report?status=not_started")
    assert report.get_data(as_text=True).count("Inspector ") == 3


def test_overdue_learners_stand_out_and_the_report_exports_csv(app, client, as_role,
                                                               auth) -> None:
    with app.app_context():
        made = make_course()
        learner = make_user("inspector", "late@example.uz", name="=HYPERLINK(1)")
        course = db.session.get(Course, made["course_id"])
        learning.assign(course, [learner.id], date.today() + timedelta(days=1), None)
        db.session.scalars(select(Enrolment)).one().due_on = date.today() - timedelta(days=1)
        db.session.commit()
    auth.login("late@example.uz")
    assert "Overdue" in client.get("/my/learning").get_data(as_text=True)
    auth.logout()
    auth.login("author@example.uz")

    response = client.get(f"/courses/{made['slug']}/report?format=csv&status=overdue")

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert response.mimetype == "text/csv"
    assert rows[0][:2] == ["Name", "Email"]
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][5] == "Overdue"
    assert len(rows) == 2


def test_learners_cannot_see_reports(app, client, as_role) -> None:
    with app.app_context():
        made = make_course()
    as_role("inspector")
    assert client.get(f"/courses/{made['slug']}/report").status_code == 403
    assert client.get(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}/report").status_code \
        == 403
    assert client.get(f"/courses/{made['slug']}/assign").status_code == 403


def test_the_quiz_report_shows_the_distribution_and_question_statistics(app, client,
                                                                        as_role) -> None:
    with app.app_context():
        made = make_course()
        for n in range(3):
            make_user("inspector", f"s{n}@example.uz", name=f"Student {n}")
    ids = question_ids(app, made["quiz_id"])
    for n in range(3):
        other = app.test_client()
        Auth(other).login(f"s{n}@example.uz")
        attempt_id = start(other, made)
        answers = right_answers(ids) if n else {f"a-{ids['first']}": f"{ids['first']}:1"}
        post_answers(other, made, attempt_id, 1, answers, go="finish")
    Auth(client).login("author@example.uz")

    page = client.get(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}/report")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in text and "Score distribution" in text
    assert "reading the law aloud: 1" in text and "learning the person&#39;s situation: 2" in text
    assert "Student 0" in text and "67%" in text  # facility of the "first" question


def test_self_enrolment_is_idempotent(app, client, as_role) -> None:
    with app.app_context():
        made = make_course()
    as_role("inspector")

    client.post(f"/courses/{made['slug']}/enrol")
    client.post(f"/courses/{made['slug']}/enrol")

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
        assert db.session.scalars(select(User).where(User.email.like("inspector%"))).one()
