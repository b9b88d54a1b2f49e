"""Question banks: GIFT import from the command line, all or nothing, and export back."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.content.audit import AuditEntry
from portal.courses import gift, services
from portal.courses.models import Course, Question, QuestionCategory
from portal.extensions import db
from tests.conftest import make_user

GIFT = """\
// Imported from an older bank
$CATEGORY: $course$/Prevention/Conversation

::Purpose::A preventive conversation is mainly meant to {
    =stop a problem before it grows#Yes.
    ~punish the person#No: it is not a punishment.
    ~%25%inform the family#Partly.
}

::Law year::In which year was the Law "On guarantees of the rights of the child" adopted? {#2008}

$CATEGORY: Prevention/Mahalla

::Team::Who belongs to the mahalla team? {
    ~%50%the prevention inspector
    ~%50%the mahalla chair
    ~%-100%a tax auditor
}

::Talk::A preventive conversation creates a criminal record. {F}
"""


@pytest.fixture
def course(app):
    with app.app_context():
        trainer = make_user("trainer", "trainer@example.uz")
        course = services.create_course(services.CourseInput(
            title="Preventive conversations", topics=("crime-prevention",)), trainer.id)
        db.session.commit()
        return course.slug


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_gift_adds_every_question_with_its_category(app, runner, course,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")

    result = runner.invoke(args=["courses", "import-gift", course, str(path)])

    assert result.exit_code == 0, result.output
    assert "imported 4 questions" in result.output
    with app.app_context():
        rows = db.session.scalars(select(Question).order_by(Question.id)).all()
        assert [r.kind for r in rows] == ["single", "numerical", "multiple", "truefalse"]
        assert [r.category.name for r in rows] == [
            "Prevention/Conversation", "Prevention/Conversation", "Prevention/Mahalla",
            "Prevention/Mahalla"]
        assert rows[0].content.choices[2].fraction == pytest.approx(0.25)
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "course.import_gift")).detail == "4 questions"


def test_a_file_with_errors_imports_nothing_and_names_the_lines(app, runner, course,
                                                               tmp_path: Path) -> None:
    broken = GIFT + "\n::Broken::What is missing? {=yes ~no\n\n::Fine::Ok? {T}\n"
    path = tmp_path / "broken.gift"
    path.write_text(broken, encoding="utf-8")

    result = runner.invoke(args=["courses", "import-gift", course, str(path)])

    assert result.exit_code != 0
    assert "nothing imported" in result.output
    broken_line = broken.splitlines().index("::Broken::What is missing? {=yes ~no") + 1
    assert f"broken.gift:{broken_line}:" in result.output
    assert count(app, Question) == 0
    assert count(app, QuestionCategory) == 0


def test_export_gift_writes_the_bank_back(app, runner, course, tmp_path: Path) -> None:
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    runner.invoke(args=["courses", "import-gift", course, str(path)])

    result = runner.invoke(args=["courses", "export-gift", course])

    assert result.exit_code == 0
    assert gift.parse(result.output) == gift.parse(GIFT)
    with app.app_context():
        other = services.create_course(services.CourseInput(title="Copy"), None)
        services.import_gift(other, result.output, None)
        db.session.commit()
    assert count(app, Question) == 8


def test_unknown_course_is_a_clear_error(runner, tmp_path: Path) -> None:
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")

    result = runner.invoke(args=["courses", "import-gift", "no-such-course", str(path)])

    assert result.exit_code != 0
    assert "no course with the slug 'no-such-course'" in result.output


def test_a_course_keeps_revisions_like_a_guide(app, course) -> None:
    from portal.content import revisions

    with app.app_context():
        row = db.session.scalar(select(Course))
        history = revisions.history(row)
        assert [r.number for r in history] == [1]
        # Spelled as the Numeric(5, 1) column gives it back, so later revisions compare equal.
        assert history[0].data["credit_hours"] == "0.0"


# Editing the bank on its page, one question at a time


@pytest.fixture
def banked(app, client, course):
    """The course's bank filled from GIFT, and its trainer logged in; returns question ids."""
    from tests.conftest import PASSWORD

    with app.app_context():
        row = db.session.scalar(select(Course).where(Course.slug == course))
        ids = [q.id for q in services.import_gift(row, GIFT, None)]
        db.session.commit()
    client.post("/auth/login", data={"email": "trainer@example.uz", "password": PASSWORD})
    return course, ids


def question(app, question_id: int) -> Question | None:
    with app.app_context():
        row = db.session.get(Question, question_id)
        if row is not None:
            row.category  # noqa: B018 - load it before leaving the session
            db.session.expunge(row)
        return row


def test_the_bank_lists_questions_under_their_category_with_counts(app, client,
                                                                   banked) -> None:
    slug, ids = banked

    page = client.get(f"/courses/{slug}/questions").get_data(as_text=True)

    headings = re.findall(r'<h3 id="page-category-\d+">([^<]*) <span class="muted">'
                          r"\(([^)]*)\)</span></h3>", page)
    assert headings == [("Prevention/Conversation", "2 questions"),
                        ("Prevention/Mahalla", "2 questions")]
    conversation = page[page.index("Prevention/Conversation"):page.index("Prevention/Mahalla")]
    assert "Purpose" in conversation and "Law year" in conversation and "Team" not in conversation
    for question_id in ids:
        assert f'href="/courses/{slug}/questions/{question_id}/edit"' in page
        assert f'action="/courses/{slug}/questions/{question_id}/delete"' in page
    assert f'href="/courses/{slug}/questions/new"' in page


def test_the_edit_page_shows_the_question_as_gift(app, client, banked) -> None:
    slug, ids = banked

    response = client.get(f"/courses/{slug}/questions/{ids[2]}/edit")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    text = re.search(r'<textarea[^>]*name="gift"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    parsed = gift.parse(html.unescape(text))
    assert [q.name for q in parsed] == ["Team"]
    assert parsed[0].category == "Prevention/Mahalla"


def test_an_edited_question_is_saved_with_its_new_category(app, client, banked) -> None:
    slug, ids = banked
    text = "$CATEGORY: Prevention/Law\n\n::Talk::A preventive conversation is recorded. {T}\n"

    response = client.post(f"/courses/{slug}/questions/{ids[3]}/edit", data={"gift": text})

    assert response.status_code == 302
    assert "The question is saved." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    row = question(app, ids[3])
    assert (row.kind, row.name, row.category.name) == ("truefalse", "Talk", "Prevention/Law")
    assert row.content.correct is True and row.content.category == "Prevention/Law"
    assert count(app, Question) == 4
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "course.question_edit")).detail == "Talk"


def test_saving_a_question_as_shown_changes_nothing(app, client, banked) -> None:
    slug, ids = banked
    page = client.get(f"/courses/{slug}/questions/{ids[0]}/edit").get_data(as_text=True)
    text = re.search(r'<textarea[^>]*name="gift"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)

    response = client.post(f"/courses/{slug}/questions/{ids[0]}/edit",
                           data={"gift": html.unescape(text.group(1))})

    assert "Nothing changed." in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(("text", "message"), [
    ("::Broken::What is missing? {=yes ~no\n", "Line 1:"),
    ("// a comment\n\n::Broken::What is missing? {=yes ~no\n", "Line 3:"),
    ("::One::A? {T}\n\n::Two::B? {F}\n", "Write one question: the text holds 2."),
    ("$CATEGORY: Only/A/Category\n", "Write one question: the text holds none."),
    ("", "This field is required."),
])
def test_bad_gift_is_refused_next_to_the_field_and_nothing_changes(app, client, banked, text,
                                                                   message) -> None:
    slug, ids = banked
    before = question(app, ids[0])

    response = client.post(f"/courses/{slug}/questions/{ids[0]}/edit", data={"gift": text})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="gift-error">([^<]*)</p>', page)
    assert error and message in html.unescape(error.group(1))
    assert 'aria-describedby="gift-hint gift-error"' in page
    after = question(app, ids[0])
    assert (after.data, after.category_id) == (before.data, before.category_id)


def test_a_question_is_deleted(app, client, banked) -> None:
    slug, ids = banked

    response = client.post(f"/courses/{slug}/questions/{ids[1]}/delete")

    assert response.status_code == 302
    assert question(app, ids[1]) is None
    assert count(app, Question) == 3
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "course.question_delete")).detail == "Law year"


@pytest.mark.parametrize(("extra", "category"), [
    ({}, "From/Text"),
    ({"category": "Prevention/Mahalla"}, "Prevention/Mahalla"),
    ({"category": "Prevention/Mahalla", "new_category": "Family/Visits"}, "Family/Visits"),
])
def test_a_question_is_added_in_the_chosen_category(app, client, banked, extra,
                                                    category) -> None:
    slug, _ = banked
    page = client.get(f"/courses/{slug}/questions/new").get_data(as_text=True)
    assert '<option value="Prevention/Mahalla">' in page

    response = client.post(f"/courses/{slug}/questions/new", data={
        "gift": "$CATEGORY: From/Text\n::New::Is a mahalla a community? {T}\n", **extra})

    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Question).where(Question.name == "New"))
        assert row.category.name == category and row.content.category == category
        assert row.course_id == db.session.scalar(select(Course.id))
    assert count(app, Question) == 5


def test_a_question_with_bad_gift_or_a_forged_category_is_not_added(app, client,
                                                                    banked) -> None:
    slug, _ = banked

    bad = client.post(f"/courses/{slug}/questions/new", data={"gift": "::X::Y? {=a ~b\n"})
    forged = client.post(f"/courses/{slug}/questions/new",
                         data={"gift": "::X::Y? {T}\n", "category": "Someone else's"})

    assert bad.status_code == forged.status_code == 422
    assert 'id="gift-error">Line 1:' in bad.get_data(as_text=True)
    assert 'id="category-error">Not a valid choice' in forged.get_data(as_text=True)
    assert count(app, Question) == 4


def test_a_question_of_another_course_is_not_found(app, client, banked) -> None:
    slug, ids = banked
    with app.app_context():
        other = services.create_course(services.CourseInput(title="Other course"), None)
        db.session.commit()
        other_slug = other.slug

    assert client.get(f"/courses/{other_slug}/questions/{ids[0]}/edit").status_code == 404
    assert client.post(f"/courses/{other_slug}/questions/{ids[0]}/edit",
                       data={"gift": "::X::Y? {T}\n"}).status_code == 404
    assert client.post(f"/courses/{other_slug}/questions/{ids[0]}/delete").status_code == 404
    assert question(app, ids[0]).name == "Purpose"


def test_the_bank_is_locked_while_the_course_is_in_review(app, client, banked) -> None:
    import io

    slug, ids = banked
    client.post(f"/courses/{slug}/workflow", data={"move": "submit"})

    page = client.get(f"/courses/{slug}/questions").get_data(as_text=True)
    assert "cannot change while the course is in review" in page
    assert "/edit" not in page and "Add a question" not in page
    assert client.get(f"/courses/{slug}/questions/new").status_code == 403
    assert client.get(f"/courses/{slug}/questions/{ids[0]}/edit").status_code == 403
    assert client.post(f"/courses/{slug}/questions/{ids[0]}/edit",
                       data={"gift": "::X::Y? {T}\n"}).status_code == 403
    assert client.post(f"/courses/{slug}/questions/{ids[0]}/delete").status_code == 403
    assert client.post(f"/courses/{slug}/questions", content_type="multipart/form-data", data={
        "file": (io.BytesIO(GIFT.encode()), "bank.gift")}).status_code == 403
    assert count(app, Question) == 4


@pytest.mark.parametrize("role", [None, "citizen", "inspector"])
def test_learners_never_edit_questions(app, client, banked, role) -> None:
    from tests.conftest import make_user

    slug, ids = banked
    visitor = app.test_client()
    if role:
        with app.app_context():
            make_user(role, f"{role}-learner@example.uz")
        visitor.post("/auth/login", data={"email": f"{role}-learner@example.uz",
                                          "password": "Lantern-river-42"})

    assert visitor.get(f"/courses/{slug}/questions/{ids[0]}/edit").status_code in {403, 404}
    assert visitor.post(f"/courses/{slug}/questions/{ids[0]}/delete").status_code in {403, 404}
    assert visitor.post(f"/courses/{slug}/questions/new",
                        data={"gift": "::X::Y? {T}\n"}).status_code in {403, 404}
    assert count(app, Question) == 4


def test_the_question_pages_are_accessible(app, client, banked) -> None:
    from tests.test_accessibility import check

    slug, ids = banked

    for url in (f"/courses/{slug}/questions", f"/courses/{slug}/questions/new",
                f"/courses/{slug}/questions/{ids[0]}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        check(response.get_data(as_text=True), url)
