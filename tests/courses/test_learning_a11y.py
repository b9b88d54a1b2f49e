"""The learner's and trainer's quiz pages keep the structure screen-reader and keyboard users
rely on (landmarks, one h1, labelled controls, unique ids), like every other page."""

from __future__ import annotations

import re

from tests.conftest import Auth
from tests.courses.quizzing import make_course, post_answers, question_ids, right_answers, start
from tests.test_accessibility import check


def test_quiz_pages_are_structured_for_assistive_technology(app, client, as_role,
                                                            auth) -> None:
    with app.app_context():
        made = make_course(per_page=10)
    as_role("inspector")
    slug = made["slug"]
    check(client.get(f"/courses/{slug}/quizzes/{made['quiz_id']}").get_data(as_text=True),
          "quiz")
    attempt_id = start(client, made)
    page = client.get(f"/courses/{slug}/attempts/{attempt_id}").get_data(as_text=True)
    check(page, "attempt")
    assert 'role="status" aria-live="polite"' in page  # saving and offline news is announced
    post_answers(client, made, attempt_id, 1, right_answers(question_ids(app, made["quiz_id"])),
                 go="finish")
    client.post(f"/courses/{slug}/lessons/{made['lesson_id']}/done")
    for url in (f"/courses/{slug}/attempts/{attempt_id}/review", "/my/learning"):
        check(client.get(url).get_data(as_text=True), url)
    learning_page = client.get("/my/learning").get_data(as_text=True)
    code = re.search(r"/certificates/([A-Z0-9-]+)\.pdf", learning_page).group(1)
    check(client.get(f"/certificates/{code}").get_data(as_text=True), "certificate")
    auth.logout()
    Auth(client).login("author@example.uz")
    for url in (f"/courses/{slug}/report", f"/courses/{slug}/quizzes/{made['quiz_id']}/report",
                f"/courses/{slug}/quizzes/{made['quiz_id']}/questions",
                f"/courses/{slug}/assign"):
        response = client.get(url)
        assert response.status_code in (200, 403), url
        if response.status_code == 200:
            check(response.get_data(as_text=True), url)
    chart = client.get(f"/courses/{slug}/quizzes/{made['quiz_id']}/report").get_data(
        as_text=True)
    assert 'role="img" aria-labelledby="page-chart-caption"' in chart and "<table" in chart
