"""The courses issue's "done means", through real forms with CSRF protection on: a trainer
imports GIFT questions, builds a quiz, has the course published and assigns it to a unit; an
inspector takes the quiz (losing the connection once), passes, downloads the certificate and
checks its QR code; the trainer sees the attempt in the reports and exports CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pypdfium2 as pdfium
import zxingcpp

from tests.courses.quizzing import GIFT
from tests.test_journey import live_app, post_form

__all__ = ["live_app"]


def login(app, role: str, email: str | None = None):
    accounts = Path(app.instance_path, "demo-accounts.txt").read_text().splitlines()
    found = next(line.split() for line in accounts
                 if line.startswith(f"{role} ") and (email is None or f" {email} " in line))
    client = app.test_client()
    assert post_form(client, "/auth/login", {"email": found[1], "password": found[2]}
                     ).status_code == 302
    # demo users speak Uzbek or Russian: this test reads the pages in English
    assert post_form(client, "/language", {"lang": "en"}, page_url="/").status_code == 302
    return client


def form_answers(page: str, wrong: bool = False) -> dict[str, object]:
    """Answer every question on an attempt page of the GIFT bank in tests/courses/quizzing.py
    by reading the page as a learner would: the visible texts, never a key."""
    fields: dict[str, object] = {}
    for qid, text in re.findall(r'id="question-(\d+)-text">(.*?)</div>', page, re.S):
        def choice(label: str, qid: str = qid) -> str:
            match = re.search(rf'name="a-{qid}" id="[^"]+" value="([^"]+)"[^>]*>\s*'
                              rf'<label[^>]*>{re.escape(label)}', page)
            assert match, label
            return match.group(1)

        if "adult" in text:
            fields[f"a-{qid}"] = "17" if wrong else "18"
        elif "active listening" in text:
            fields[f"a-{qid}"] = [choice("Asking open questions"),
                                  choice("Summarising what you heard")]
        elif "first step" in text:
            fields[f"a-{qid}"] = choice("learning the person&#39;s situation")
        elif "mahalla chairman" in text:
            fields[f"a-{qid}"] = "true"
        elif "assembly" in text:
            fields[f"a-{qid}"] = "Mahalla"
        elif "Match the role" in text:
            for prompt, answer in (("Inspector", "prevention"), ("Youth leader", "young people"),
                                   ("Women&#39;s activist", "families")):
                select = re.search(rf'<label for="(a-{qid}-\d+)">{prompt}</label>', page)
                assert select, prompt
                value = re.search(rf'<select name="{select.group(1)}".*?<option value="([^"]+)"'
                                  rf'[^>]*>{answer}</option>', page, re.S)
                assert value, answer
                fields[select.group(1)] = value.group(1)
        fields.setdefault("q", []).append(qid)  # type: ignore[union-attr]
    return fields


def test_trainer_builds_and_assigns_inspector_passes_and_verifies(live_app) -> None:
    trainer = login(live_app, "trainer")

    created = post_form(trainer, "/courses/new", {
        "title": "Working with families at risk", "summary": "Visits, talks, follow-up.",
        "description": "## Who it is for\n\nPrevention inspectors.", "topics": ["family"],
        "audience": "inspectors", "language": "en", "credit_hours": "4",
        "form_key": "journey-course"}, page_url="/courses/new")
    slug = created.headers["Location"].rsplit("/", 1)[1]
    assert post_form(trainer, f"/courses/{slug}/modules", {"title": "Visiting a family"},
                     page_url=f"/courses/{slug}").status_code == 302
    course_page = trainer.get(f"/courses/{slug}").get_data(as_text=True)
    module_id = re.search(r"/modules/(\d+)/lessons/new", course_page).group(1)
    lesson = post_form(trainer, f"/courses/{slug}/modules/{module_id}/lessons/new", {
        "title": "Before the visit", "body": "## Prepare\n\nRead the file.", "minutes": "10"})
    lesson_id = lesson.headers["Location"].rsplit("/", 1)[1]

    # GIFT questions from a file, through the bank page.
    page = trainer.get(f"/courses/{slug}/questions").get_data(as_text=True)
    imported = trainer.post(f"/courses/{slug}/questions", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                page).group(1),
        "file": (io.BytesIO(GIFT.encode()), "bank.gift")}, content_type="multipart/form-data")
    assert imported.status_code == 302

    # A quiz at the end of the module with every "Basics" question.
    quiz = post_form(trainer, f"/courses/{slug}/modules/{module_id}/quizzes/new", {
        "title": "Check yourself", "pass_mark": "70", "max_attempts": "3", "grading": "highest",
        "questions_per_page": "3", "shuffle_choices": "y", "time_limit_minutes": "20",
        "review_score": "after_attempt", "review_answers": "after_attempt",
        "review_feedback": "after_attempt"})
    assert quiz.status_code == 302, quiz.get_data(as_text=True)
    questions_url = quiz.headers["Location"]
    quiz_id = re.search(r"/quizzes/(\d+)/", questions_url).group(1)
    choose = trainer.get(questions_url).get_data(as_text=True)
    basics = choose[choose.index("<legend>Basics"):choose.index("<legend>Extra")]
    fixed = re.findall(r'name="fixed" value="(\d+)"', basics)
    assert len(fixed) == 6
    saved = post_form(trainer, questions_url, {"fixed": fixed})
    assert saved.status_code == 302, saved.get_data(as_text=True)

    # Submitted by the trainer, published by an editor (four eyes).
    assert post_form(trainer, f"/courses/{slug}/workflow", {"move": "submit"},
                     page_url=f"/courses/{slug}").status_code == 302
    editor = login(live_app, "editor")
    assert post_form(editor, f"/courses/{slug}/workflow", {"move": "publish"},
                     page_url=f"/courses/{slug}").status_code == 302

    # Assigned to the demo inspectors' unit, due in two weeks.
    assign_page = trainer.get(f"/courses/{slug}/assign").get_data(as_text=True)
    unit = re.search(r'<option value="(\d+)">Toshkent shahri — Chilonzor tumani', assign_page)
    due = date.today() + timedelta(days=14)
    assigned = post_form(trainer, f"/courses/{slug}/assign",
                         {"unit": unit.group(1), "due_on": due.isoformat()})
    assert assigned.status_code == 302

    # The inspector finds it in My learning, reads the lesson.
    inspector = login(live_app, "inspector", "inspector@demo.huquq.uz")
    mine = inspector.get("/my/learning").get_data(as_text=True)
    assert "Working with families at risk" in mine and "Assigned" in mine
    done = post_form(inspector, f"/courses/{slug}/lessons/{lesson_id}/done", {},
                     page_url=f"/courses/{slug}/lessons/{lesson_id}")
    assert done.headers["Location"].endswith(f"/quizzes/{quiz_id}")

    # Starts the quiz and answers page by page; the autosave of page 2 is lost on the way
    # (the connection dropped), the page keeps it and sends it again when back online.
    started = post_form(inspector, f"/courses/{slug}/quizzes/{quiz_id}/start", {},
                        page_url=f"/courses/{slug}/quizzes/{quiz_id}")
    attempt_url = started.headers["Location"]
    first = inspector.get(attempt_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first).group(1)
    moved = inspector.post(attempt_url, data={**form_answers(first), "seq": "1",
                                              "go": "page-2", "csrf_token": token})
    second = inspector.get(moved.headers["Location"]).get_data(as_text=True)
    answers = {**form_answers(second), "csrf_token": token}
    # seq 2 never arrived; the page resends the same answers as seq 3 when the connection returns
    resent = inspector.post(attempt_url, data={**answers, "seq": "3"},
                            headers={"Accept": "application/json"})
    assert resent.status_code == 200 and resent.json["seq"] == 3
    late_copy = inspector.post(attempt_url, data={**answers, "seq": "2"},
                               headers={"Accept": "application/json"})
    assert late_copy.status_code == 409  # the lost request turning up late changes nothing
    back = inspector.get(f"{attempt_url}?page=2").get_data(as_text=True)
    assert back.count(" checked") + back.count(" selected") >= 2
    finished = inspector.post(attempt_url, data={**answers, "seq": "4", "go": "finish"})
    review = inspector.get(finished.headers["Location"]).get_data(as_text=True)
    assert "100.0%" in review and "passed" in review

    # The course is complete: the certificate is in My learning.
    mine = inspector.get("/my/learning").get_data(as_text=True)
    code = re.search(r"/certificates/([A-Z0-9-]+)\.pdf", mine).group(1)
    pdf = inspector.get(f"/certificates/{code}.pdf")
    assert pdf.mimetype == "application/pdf"
    document = pdfium.PdfDocument(pdf.data)
    image = document[0].render(scale=150 / 72).to_pil()
    scanned = zxingcpp.read_barcodes(image)
    assert len(scanned) == 1
    verify = urlparse(scanned[0].text)
    assert verify.path == f"/certificates/{code}"
    checked = live_app.test_client().get(verify.path).get_data(as_text=True)
    assert "Valid" in checked and "Sardor Aliyev" in checked

    # Back as the trainer: the learner report and the CSV show the attempt.
    report = trainer.get(f"/courses/{slug}/report").get_data(as_text=True)
    assert "Sardor Aliyev" in report and "Completed" in report and "100.0%" in report
    rows = list(csv.reader(io.StringIO(trainer.get(f"/courses/{slug}/report?format=csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    sardor = next(r for r in rows if r[0] == "Sardor Aliyev")
    assert sardor[3] == "100" and sardor[5] == "Completed"
    stats = trainer.get(f"/courses/{slug}/quizzes/{quiz_id}/report").get_data(as_text=True)
    assert "Sardor Aliyev" in stats and "Facility" in stats
