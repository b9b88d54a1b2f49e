"""In a real browser against a real server: the quiz page saves answers as the learner goes,
keeps them while the connection is down and sends them when it returns.

Chromium comes from Debian (`.ci/run` installs it); Playwright drives it (tests/e2e/conftest.py).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from portal.courses.models import Attempt
from portal.extensions import db
from tests.conftest import make_user
from tests.courses.quizzing import make_course, question_ids
from tests.e2e.conftest import Live, log_in


def saved_answers(live: Live, attempt_id: int) -> dict[str, Any]:
    with live.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        return dict(attempt.answers)


def test_answers_given_offline_are_sent_when_the_connection_returns(live: Live,
                                                                    page: Any) -> None:
    with live.app.app_context():
        made = make_course(per_page=10)
        make_user("inspector", "learner@example.uz", name="Learner")
    ids = question_ids(live.app, made["quiz_id"])
    log_in(page, live, "learner@example.uz")
    page.goto(live.url(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}"))
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/*")
    attempt_id = int(page.url.rstrip("/").rsplit("/", 1)[1].split("?")[0])
    status = page.locator("#quiz-status")

    # Online: a click is saved in the background.
    page.locator(f'input[name="a-{ids["tf"]}"][value="true"]').check()
    expect(status).to_have_text("All answers saved.")
    assert saved_answers(live, attempt_id) == {str(ids["tf"]): "true"}

    # The connection drops: the answer stays on the device and the learner is told.
    page.context.set_offline(True)
    page.locator(f'#a-{ids["word"]}').fill("mahalla")
    expect(status).to_contain_text("You are offline")
    assert str(ids["word"]) not in saved_answers(live, attempt_id)

    # Back online: the page sends what it kept.
    page.context.set_offline(False)
    expect(status).to_have_text("All answers saved.")
    assert saved_answers(live, attempt_id)[str(ids["word"])] == "mahalla"

    # A reload brings back every saved answer from the server.
    page.reload()
    expect(page.locator(f'#a-{ids["word"]}')).to_have_value("mahalla")
    expect(page.locator(f'input[name="a-{ids["tf"]}"][value="true"]')).to_be_checked()
