"""Time the quiz pages an inspector meets: start, a page of an attempt, an autosave, finishing
(grading included), the review, and rendering a certificate PDF.

A 50-question quiz of every type (the GIFT bank of tests/courses/quizzing.py, repeated), 10
questions a page. Prints p50 / p95 in milliseconds: figures, not assertions.
Run: .venv/bin/python bench/quiz.py [ROUNDS]
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal import create_app
from portal.accounts import services as accounts
from portal.content import workflow
from portal.courses import certificate_pdf, quizzes, services
from portal.courses.models import Question
from portal.extensions import db

PASSWORD = "Lantern-river-42"  # noqa: S105 - a throw-away account in a temporary database


def report(name: str, times: list[float]) -> None:
    times.sort()
    print(f"{name:34s} p50 {statistics.median(times):7.1f} ms   "
          f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:7.1f} ms")


def timed(rounds: int, step: Callable[[int], Any]) -> list[float]:
    times = []
    for n in range(rounds):
        t = time.perf_counter()
        step(n)
        times.append((time.perf_counter() - t) * 1000)
    return times


def main(rounds: int = 50) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.courses.quizzing import GIFT

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False},
                     instance_path=str(folder))
    with app.app_context():
        db.create_all()
        trainer = accounts.create_user("t@bench.uz", "Trainer", PASSWORD, roles={"trainer"})
        editor = accounts.create_user("e@bench.uz", "Editor", PASSWORD, roles={"editor"})
        accounts.create_user("i@bench.uz", "Inspector", PASSWORD, roles={"inspector"})
        course = services.create_course(services.CourseInput(
            title="Bench course", summary="For timing.", topics=(),
            credit_hours=Decimal(4), language="en"), trainer.id)
        module = services.add_module(course, "Only module", trainer.id)
        for _ in range(8):
            services.import_gift(course, GIFT, trainer.id)
        quiz = quizzes.create_quiz(module, "Fifty questions", "", quizzes.QuizSettings(
            questions_per_page=10, shuffle_questions=True), trainer.id)
        ids = list(db.session.scalars(db.select(Question.id).order_by(Question.id)))[:50]
        quizzes.set_questions(quiz, course, ids, {})
        workflow.transition(course, "submit", trainer)
        workflow.transition(course, "publish", editor)
        db.session.commit()
        slug, quiz_id = course.slug, quiz.id
    client = app.test_client()
    client.post("/auth/login", data={"email": "i@bench.uz", "password": PASSWORD})
    attempt_urls: list[str] = []

    def start(_: int) -> None:
        response = client.post(f"/courses/{slug}/quizzes/{quiz_id}/start")
        attempt_urls.append(response.headers["Location"])

    def page(n: int) -> None:
        assert client.get(attempt_urls[-1] + "?page=3").status_code == 200

    def save(n: int) -> None:
        text = client.get(attempt_urls[-1]).get_data(as_text=True)
        seq = re.search(r'name="seq" value="(\d+)"', text).group(1)  # type: ignore[union-attr]
        qids = re.findall(r'type="text" name="a-(\d+)"', text)  # typed answers: any text goes
        data = {"seq": seq, "q": qids, **{f"a-{q}": "12" for q in qids}}
        assert client.post(attempt_urls[-1], data=data,
                           headers={"Accept": "application/json"}).status_code == 200

    def finish(_: int) -> None:
        assert client.post(attempt_urls[-1] + "/finish").status_code == 302

    starts, pages, saves, finishes, reviews = [], [], [], [], []
    for n in range(rounds):
        starts += timed(1, start)
        pages += timed(1, page)
        t = time.perf_counter()
        save(n)
        saves.append((time.perf_counter() - t) * 1000)
        finishes += timed(1, finish)
        reviews += timed(1, lambda _: client.get(attempt_urls[-1] + "/review"))
    report("start a 50-question attempt", starts)
    report("attempt page (10 questions)", pages)
    report("autosave (page read + save)", saves)
    report("finish and grade", finishes)
    report("review page (50 questions)", reviews)
    text = certificate_pdf.CertificateText(
        heading="Certificate of completion", learner_name="Oʻgʻiloy Gʻaniyeva",
        course_title="Профилактическая беседа", hours_line="12 credit hours",
        date_line="Issued on 23 November 2026", valid_line="", code_line="Code: ABCD-EFGH-JKLM",
        verify_line="Check it at http://127.0.0.1:5000/certificates/ABCD-EFGH-JKLM",
        verify_url="http://127.0.0.1:5000/certificates/ABCD-EFGH-JKLM", language="uz")
    report("certificate PDF", timed(20, lambda _: certificate_pdf.render(text)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
