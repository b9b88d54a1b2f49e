"""In a real browser against a real server: the quiz page saves answers as the learner goes,
keeps them while the connection is down and sends them when it returns.

Chromium comes from Debian (`.ci/run` installs it); Playwright drives it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from portal.courses.models import Attempt
from portal.extensions import db
from tests.conftest import PASSWORD, make_app, make_user
from tests.courses.quizzing import make_course, question_ids

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, object, dict]]:
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    with app.app_context():
        db.create_all()
        made = make_course(per_page=10)
        make_user("inspector", "learner@example.uz", name="Learner")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", app, made
    finally:
        http.shutdown()


def saved_answers(app, attempt_id: int) -> dict:
    with app.app_context():
        return dict(db.session.get(Attempt, attempt_id).answers)


def test_answers_given_offline_are_sent_when_the_connection_returns(server) -> None:
    base, app, made = server
    ids = question_ids(app, made["quiz_id"])
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.goto(f"{base}/auth/login")
        page.get_by_label("Email").fill("learner@example.uz")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{base}/courses/{made['slug']}/quizzes/{made['quiz_id']}")
        page.get_by_role("button", name="Start the quiz").click()
        page.wait_for_url("**/attempts/*")
        attempt_id = int(page.url.rstrip("/").rsplit("/", 1)[1].split("?")[0])
        status = page.locator("#quiz-status")

        # Online: a click is saved in the background.
        page.locator(f'input[name="a-{ids["tf"]}"][value="true"]').check()
        playwright.expect(status).to_have_text("All answers saved.")
        assert saved_answers(app, attempt_id) == {str(ids["tf"]): "true"}

        # The connection drops: the answer stays on the device and the learner is told.
        context.set_offline(True)
        page.locator(f'#a-{ids["word"]}').fill("mahalla")
        playwright.expect(status).to_contain_text("You are offline")
        assert str(ids["word"]) not in saved_answers(app, attempt_id)

        # Back online: the page sends what it kept.
        context.set_offline(False)
        playwright.expect(status).to_have_text("All answers saved.")
        assert saved_answers(app, attempt_id)[str(ids["word"])] == "mahalla"

        # A reload brings back every saved answer from the server.
        page.reload()
        playwright.expect(page.locator(f'#a-{ids["word"]}')).to_have_value("mahalla")
        playwright.expect(page.locator(f'input[name="a-{ids["tf"]}"][value="true"]')
                          ).to_be_checked()
        browser.close()
