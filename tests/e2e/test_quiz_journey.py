"""Journey 3: a trainer creates a course, imports GIFT questions and builds a timed quiz on
the pages, an editor publishes the course (four eyes); an inspector enrols, takes the quiz,
loses the connection half-way (the browser's offline mode), answers on, comes back online,
finishes, passes, downloads the certificate and the public verification page says it is
valid. At desktop and phone width, every page checked with axe-core for the role that sees it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.courses.models import Attempt
from portal.extensions import db
from tests.conftest import make_user
from tests.courses.quizzing import GIFT
from tests.e2e.conftest import Live, accessible, fits, log_in, log_out

pytestmark = pytest.mark.screens

TITLE = "Working with families at risk"
TRAINER = "trainer@example.uz"
EDITOR = "editor@example.uz"
INSPECTOR = "inspector@example.uz"


def saved_answers(live: Live, attempt_id: int) -> dict[str, Any]:
    with live.app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        return dict(attempt.answers)


def question(page: Any, text: str) -> Any:
    """The question on the attempt page whose text says *text*, as a learner finds it."""
    return page.locator(".question").filter(has_text=text)


def checked(page: Any, context: str) -> None:
    accessible(page, context)
    fits(page)


def build_the_course(page: Any, live: Live) -> str:
    """The trainer's part, through the pages; returns the course's address."""
    log_in(page, live, TRAINER)
    page.goto(live.url("/courses/"))
    checked(page, "(trainer: the courses)")
    page.get_by_role("link", name="New course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New course")
    checked(page, "(trainer: new course)")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Summary", exact=True).fill("Visits, talks, follow-up.")
    page.get_by_label("Description", exact=True).fill("## Who it is for\n\nPrevention inspectors.")
    page.get_by_label("Family", exact=True).check()
    page.get_by_label("Audience").select_option(label="Inspectors")
    page.get_by_role("combobox", name="Language").select_option(label="English")
    page.get_by_label("Credit hours").fill("4")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    course_url = page.url.split("?")[0].split("#")[0]

    page.get_by_label("Module title").fill("Visiting a family")
    page.get_by_role("button", name="Add module").click()
    expect(page.get_by_role("heading", name="1. Visiting a family")).to_be_visible()
    checked(page, "(trainer: the course in draft)")

    # The GIFT file, uploaded on the question bank page.
    page.get_by_role("link", name="Question bank").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question bank")
    checked(page, "(trainer: the empty question bank)")
    page.get_by_label("GIFT file").set_input_files(
        {"name": "bank.gift", "mimeType": "text/plain", "buffer": GIFT.encode()})
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("7 questions imported.")
    expect(page.get_by_role("heading", name="Basics (6 questions)")).to_be_visible()
    checked(page, "(trainer: the question bank with the imported questions)")

    # A timed quiz of every "Basics" question, all on one page.
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Add a quiz to Visiting a family").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New quiz")
    checked(page, "(trainer: the quiz settings)")
    page.get_by_label("Title", exact=True).fill("Check yourself")
    page.get_by_label("Pass mark (%)").fill("70")
    page.get_by_label("Time limit (minutes)").fill("20")
    page.get_by_label("Attempts allowed").fill("3")
    page.get_by_label("Questions per page").fill("10")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions of Check yourself")
    checked(page, "(trainer: the quiz builder)")
    basics = page.get_by_role("group", name=re.compile(r"^Basics"))
    boxes = basics.get_by_role("checkbox")
    expect(boxes).to_have_count(6)
    for index in range(6):
        boxes.nth(index).check()
    page.get_by_role("button", name="Save the questions").click()
    expect(page.get_by_role("status")).to_contain_text("6 questions per attempt")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check yourself")
    checked(page, "(trainer: the quiz)")

    # Sent for review; the trainer cannot publish their own course.
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".staff-box")).to_contain_text("State: In review")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    checked(page, "(trainer: the course in review)")
    log_out(page)
    return course_url


def publish(page: Any, live: Live, course_url: str) -> None:
    log_in(page, live, EDITOR)
    page.goto(course_url)
    checked(page, "(editor: the course in review)")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".staff-box")).to_contain_text("State: Published")
    log_out(page)


def test_a_trainer_builds_a_quiz_an_inspector_passes_it_offline_and_online(
        live: Live, page: Any, screen: str) -> None:
    with live.app.app_context():
        make_user("trainer", TRAINER, name="Dilnoza Karimova")
        make_user("editor", EDITOR, name="Bekzod Tursunov")
        make_user("inspector", INSPECTOR, name="Sardor Aliyev")

    course_url = build_the_course(page, live)
    publish(page, live, course_url)

    # The inspector finds the course, enrols and opens the quiz.
    log_in(page, live, INSPECTOR)
    page.goto(live.url("/courses/"))
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    checked(page, "(inspector: the course before enrolling)")
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_role("status")).to_contain_text("You are enrolled.")
    checked(page, "(inspector: the course, enrolled)")
    page.get_by_role("link", name="Check yourself").click()
    expect(page.locator(".facts")).to_contain_text("20 minutes")
    checked(page, "(inspector: the quiz before starting)")
    page.clock.install()  # the page's clock runs as usual, and can jump when the lid closes
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/*")
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    status = page.locator("#quiz-status")

    # The timer counts down and is announced politely, never every second.
    timer = page.get_by_role("timer")
    announcer = page.locator("#quiz-timer-announce")
    expect(timer).to_have_text(re.compile(r"^(20:00|19:[0-5]\d)$"))
    expect(timer).not_to_have_attribute("aria-live", re.compile("polite|assertive"))
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_be_empty()
    checked(page, "(inspector: the attempt)")

    # Online: the first answer is saved in the background.
    question(page, "mahalla chairman").get_by_label("True").check()
    expect(status).to_have_text("All answers saved.")
    assert len(saved_answers(live, attempt_id)) == 1

    # The connection drops: the rest are kept on the device and the learner is told.
    page.context.set_offline(True)
    expect(status).to_contain_text("You are offline")
    question(page, "adult").get_by_label("Your answer").fill("18")
    listening = question(page, "active listening")
    listening.get_by_label("Asking open questions").check()
    listening.get_by_label("Summarising what you heard").check()
    question(page, "first step").get_by_label("learning the person's situation").check()
    question(page, "assembly").get_by_label("Your answer").fill("mahalla")
    pairs = question(page, "Match the role")
    pairs.get_by_label("Inspector", exact=True).select_option(label="prevention")
    pairs.get_by_label("Youth leader", exact=True).select_option(label="young people")
    pairs.get_by_label("Women's activist", exact=True).select_option(label="families")
    expect(status).to_contain_text("kept on this device")
    checked(page, "(inspector: the attempt while offline)")
    assert len(saved_answers(live, attempt_id)) == 1

    # Back online: the page sends what it kept.
    page.context.set_offline(False)
    expect(status).to_have_text("All answers saved.")
    assert len(saved_answers(live, attempt_id)) == 6

    # The learner leaves the laptop for a quarter of an hour: the polite live region says
    # once how much time is left (the ticking timer itself stays silent).
    page.clock.fast_forward("15:05")
    expect(timer).to_have_text(re.compile(r"^[34]:[0-5]\d$"))
    expect(announcer).to_have_text(re.compile(r"^[34]:[0-5]\d$"))

    # Finished: passed, every answer right.
    page.get_by_role("button", name="Finish the attempt").click()
    page.wait_for_url("**/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attempt 1: review")
    expect(page.locator(".facts")).to_contain_text("100.0% — passed")
    checked(page, "(inspector: the result)")

    # The course is complete: the certificate is in My learning.
    page.get_by_role("link", name="Back to the course").click()
    expect(page.get_by_label("Your progress: 1 of 1 steps")).to_have_attribute("value", "100")
    checked(page, "(inspector: the course, completed)")
    page.get_by_role("link", name="Completed: see your certificate in My learning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    checked(page, "(inspector: My learning with the certificate)")
    with page.expect_download() as downloading:
        page.get_by_role("link", name=f"PDF: {TITLE}").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # Its verification page says valid, to the holder and to anyone with the link.
    page.get_by_role("table").get_by_role("link", name=TITLE, exact=True).click()
    page.wait_for_url(re.compile(r"/certificates/[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(page.get_by_role("status")).to_have_text("Valid")
    expect(page.locator(".facts")).to_contain_text("Sardor Aliyev")
    checked(page, "(inspector: the certificate)")
    verification = page.url
    stranger = page.context.browser.new_context(locale="en-GB", viewport=page.viewport_size)
    try:
        anyone = stranger.new_page()
        anyone.goto(verification)
        expect(anyone.get_by_role("status")).to_have_text("Valid")
        expect(anyone.locator(".facts")).to_contain_text(TITLE)
        expect(anyone.get_by_role("link", name="Download the PDF")).to_have_count(0)
        checked(anyone, "(anyone: the verification page)")
    finally:
        stranger.close()
