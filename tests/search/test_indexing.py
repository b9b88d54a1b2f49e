"""What the index holds: everything published and unexpired, in every content type, the text
of attached PDFs; never drafts, items in review or archived, quiz answer keys or anything
personal; items for inspectors only found by those who may see them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts.models import User
from portal.content import workflow
from portal.cooperation.models import CooperationRecord
from portal.courses import quizzes
from portal.courses import services as courses
from portal.courses.models import Course
from portal.extensions import db
from tests.conftest import make_user
from tests.search.helpers import (
    COURSE_EDITOR,
    attach_pdf,
    course,
    guide,
    indexed,
    make_partner,
    make_record,
    make_webinar,
    move,
    search,
    sync,
    titles,
    user_id,
    verify,
    yesterday,
)
from tests.webinars.helpers import register


def test_the_index_holds_what_is_published_and_nothing_else(app, client) -> None:
    live = guide(app, "Tenancy deposits", "Landlords keep a zorblat deposit.")
    guide(app, "Draft deposits", "A zorblat draft.", state="draft")
    guide(app, "Reviewed deposits", "A zorblat in review.", state="review")
    guide(app, "Archived deposits", "A zorblat archived.", state="archived")
    guide(app, "Expired deposits", "A zorblat expired.", expires_at=yesterday())
    published = course(app, "Family mediation", [("Listening first", "Hear the zorblat out."),
                                                 ("Agreeing", "Write the zorblat down.")],
                       summary="Mediating in a zorblat.")
    course(app, "Unfinished course", [("Draft lesson", "A zorblat lesson.")], state="draft",
           summary="A zorblat course.")
    upcoming = make_webinar(app, "Deposits explained", summary="The zorblat webinar.")
    past = make_webinar(app, "Deposits last year", starts_in=timedelta(days=-30),
                        summary="The zorblat webinar of last year.")
    make_webinar(app, "Deposits planned", summary="A zorblat plan.", published=False)
    named = make_partner(app, "Zorblat Police Academy", "DE")
    only_in_draft = make_partner(app, "Zorblat Draft Ministry", "FR")
    make_partner(app, "Zorblat Unnamed Agency", "IT")
    record = make_record(app, "Zorblat memorandum", [named])
    make_record(app, "Zorblat draft memorandum", [only_in_draft], state="draft")
    sync(app)

    expected = {f"material:{live}", f"course:{published.id}",
                *(f"lesson:{lesson}" for lesson in published.lessons),
                f"webinar:{upcoming}", f"webinar:{past}", f"cooperation:{record}",
                f"partner:{named}"}
    assert set(indexed(app)) == expected
    page = search(client, "zorblat")
    assert sorted(page.titles) == sorted([
        "Tenancy deposits", "Family mediation", "Listening first", "Agreeing",
        "Deposits explained", "Deposits last year", "Zorblat memorandum",
        "Zorblat Police Academy"])
    assert {hit.type for hit in page.hits} == {
        "Guide", "Course", "Lesson", "Webinar", "Cooperation record", "Cooperation partner"}
    lesson_urls = {hit.url for hit in page.hits if hit.type == "Lesson"}
    assert lesson_urls == {f"/courses/{published.slug}/lessons/{lesson}"
                           for lesson in published.lessons}
    for url in page.urls:  # every result opens for whoever found it
        assert client.get(url).status_code == 200, url
    assert verify(app).clean


def test_the_text_of_attached_pdfs_is_found(app, client) -> None:
    guide_id = guide(app, "Tenancy deposits")
    made = course(app, "Family mediation", [("Listening first", "Hear them out.")])
    webinar_id = make_webinar(app, "Deposits explained", starts_in=timedelta(days=-20))
    record_id = make_record(app, "Memorandum of understanding",
                            [make_partner(app, "Police Academy", "DE")])
    attach_pdf(app, "material", guide_id, "Annex: the quillwort clause of the contract.")
    attach_pdf(app, "lesson", made.lessons[0], "Handout: the marzipanic method.")
    attach_pdf(app, "webinar", webinar_id, "Slides: gossamerine questions.")
    attach_pdf(app, "cooperation", record_id, "Signed text: the tamarindo protocol.",
               name="memorandum.pdf")
    sync(app)

    assert titles(client, "quillwort") == ["Tenancy deposits"]
    assert titles(client, "marzipanic") == ["Listening first"]
    assert titles(client, "gossamerine") == ["Deposits explained"]
    assert titles(client, "tamarindo") == ["Memorandum of understanding"]
    assert titles(client, "protocol tamarindo") == ["Memorandum of understanding"]
    assert verify(app).clean


def test_quiz_questions_and_their_answers_are_never_found(app, client) -> None:
    made = course(app, "Preventive talks", [("Open questions", "Ask, then listen.")],
                  state="draft")
    editor_id = user_id(app, "editor", COURSE_EDITOR)
    with app.app_context():
        found = db.session.get(Course, made.id)
        assert found is not None
        question = courses.parse_one(
            "::hidden::Which flamingorite step comes first? {\n"
            "  =the periwinklish greeting#Right: the albatrossy start.\n"
            "  ~a warning#No.\n}")
        row = courses.create_question(found, question, editor_id)
        quiz = quizzes.create_quiz(found.modules[0], "Check yourself", "Intro.",
                                   quizzes.QuizSettings(), editor_id)
        quizzes.set_questions(quiz, found, [row.id], {})
        db.session.commit()
    with app.app_context():
        found = db.session.get(Course, made.id)
        editor = db.session.get(User, editor_id)
        workflow.transition(found, "submit", editor)
        workflow.transition(found, "publish", editor)
        db.session.commit()
    sync(app)

    assert titles(client, "listen") == ["Open questions"]  # the course itself is found
    for word in ("flamingorite", "periwinklish", "albatrossy", "hidden"):
        assert titles(client, word) == [], word
    texts = " ".join(f"{doc.get('title')} {doc.get('excerpt')} {doc.get('summary')}"
                     for doc in indexed(app).values())
    assert "periwinklish" not in texts and "Check yourself" not in texts


def test_nothing_personal_is_found(app, client) -> None:
    with app.app_context():
        author = make_user("editor", "writer@example.uz", name="Shahnoza Tursunboyeva")
        guide(app, "Tenancy deposits", author=author)
    webinar_id = make_webinar(app, "Deposits explained")
    register(app, webinar_id, "nodira@example.uz", "Nodira Qodirxonova")
    with app.app_context():
        make_user("citizen", "citizen@example.uz", name="Ulugbek Xolmatjonov")
    sync(app)

    assert sorted(titles(client, "deposits")) == ["Deposits explained", "Tenancy deposits"]
    for word in ("Qodirxonova", "Nodira", "nodira@example.uz", "Tursunboyeva",
                 "Xolmatjonov", "citizen@example.uz", "writer"):
        assert titles(client, word) == [], word


@pytest.mark.parametrize(("role", "sees"), [
    (None, False), ("citizen", False), ("inspector", True), ("consultant", True),
])
def test_items_for_inspectors_are_found_only_by_those_who_may_see_them(
        app, client, as_role, role, sees) -> None:
    guide(app, "Kumquatory checklist", audience="inspectors")
    course(app, "Kumquatory course", [("Kumquatory lesson", "Text.")], audience="inspectors")
    make_webinar(app, "Kumquatory briefing", audience="inspectors")
    guide(app, "Kumquatory for everyone", audience="everyone")
    sync(app)
    if role:
        as_role(role)

    page = search(client, "kumquatory")

    restricted = {"Kumquatory checklist", "Kumquatory course", "Kumquatory lesson",
                  "Kumquatory briefing"}
    assert set(page.titles) == ({"Kumquatory for everyone"} | (restricted if sees else set()))
    assert page.total == (5 if sees else 1)
    # The facet counts tell nothing about what the user may not see either.
    assert sum(n for _, n in page.facets["type"]) == page.total
    archive = client.get("/archive/").get_data(as_text=True)
    assert ("Kumquatory briefing" in archive) is sees
    assert "Kumquatory for everyone" in archive


def test_a_partner_is_found_while_a_published_record_names_it(app, client) -> None:
    partner_id = make_partner(app, "Quetzalcoat Ministry", "MX")
    draft = make_record(app, "Draft memorandum", [partner_id], state="draft")
    sync(app)
    assert titles(client, "quetzalcoat") == []

    move(app, CooperationRecord, draft, "submit")
    move(app, CooperationRecord, draft, "publish")
    sync(app)
    # The partner, and the record that names it.
    assert sorted(titles(client, "quetzalcoat")) == ["Draft memorandum", "Quetzalcoat Ministry"]
    assert titles(client, "quetzalcoat", type="partner") == ["Quetzalcoat Ministry"]

    move(app, CooperationRecord, draft, "archive")
    sync(app)
    assert titles(client, "quetzalcoat") == []
    assert verify(app).clean

