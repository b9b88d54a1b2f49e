"""Question banks: GIFT import from the command line, all or nothing, and export back."""

from __future__ import annotations

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
        assert history[0].data["credit_hours"] == "0"
