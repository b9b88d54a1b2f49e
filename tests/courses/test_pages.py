"""Course catalogue, course pages, the four-eyes publishing rule and the question bank page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.courses import services
from portal.courses.models import Course, Question
from portal.extensions import db
from tests.conftest import PASSWORD, make_user
from tests.courses.test_bank import GIFT
from tests.test_accessibility import check

COURSE = {"title": "Preventive conversations", "summary": "How to talk with people at risk.",
          "description": "## Module 1\n\nListening.\n", "topics": ["crime-prevention"],
          "audience": "inspectors", "language": "en", "credit_hours": "12.5"}


def make_course(app, *, state: str = "published", audience: str = "inspectors",
                title: str = "Preventive conversations") -> str:
    from portal.content import workflow

    with app.app_context():
        author = make_user("trainer", f"author-{title[:5].lower()}@example.uz")
        publisher = make_user("editor", f"pub-{title[:5].lower()}@example.uz")
        course = services.create_course(services.CourseInput(
            title=title, audience=audience, topics=("crime-prevention",)), author.id)
        if state in ("review", "published"):
            workflow.transition(course, "submit", author)
        if state == "published":
            workflow.transition(course, "publish", publisher)
        db.session.commit()
        return course.slug


@pytest.mark.parametrize(("role", "sees_inspector_course"), [
    (None, False), ("citizen", False), ("inspector", True), ("trainer", True),
])
def test_the_catalogue_shows_courses_to_their_audience(app, client, as_role, role,
                                                       sees_inspector_course) -> None:
    make_course(app, audience="inspectors", title="For inspectors")
    make_course(app, audience="everyone", title="For everyone")
    make_course(app, state="draft", title="Unfinished")
    if role:
        as_role(role)

    page = client.get("/courses/").get_data(as_text=True)

    assert "For everyone" in page and "Unfinished" not in page
    assert ("For inspectors" in page) is sees_inspector_course
    assert (client.get("/courses/for-inspectors").status_code == 200) is sees_inspector_course


def test_a_trainer_creates_a_course_as_a_draft(app, client, as_role) -> None:
    as_role("trainer")

    response = client.post("/courses/new", data={**COURSE, "form_key": "k1"})
    again = client.post("/courses/new", data={**COURSE, "form_key": "k1"})

    assert response.status_code == again.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Preventive conversations" in page and "12.5 credit hours" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == 1
        assert db.session.scalar(select(Course.state)) == "draft"
    assert app.test_client().get("/courses/preventive-conversations").status_code == 404


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "This field is required."),
    ("credit_hours", "-1", "Number must be between 0 and 500."),
    ("credit_hours", "many", "Not a valid decimal value."),
])
def test_bad_course_input_is_refused_next_to_the_field(app, client, as_role, field, value,
                                                       message) -> None:
    as_role("trainer")

    response = client.post("/courses/new", data={**COURSE, field: value})

    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == 0


@pytest.mark.parametrize("role", ["citizen", "inspector", "consultant"])
def test_only_course_authors_create_courses(client, as_role, role) -> None:
    as_role(role)

    assert client.get("/courses/new").status_code == 403


def test_a_trainer_cannot_publish_their_own_course_a_second_trainer_can(app, client,
                                                                         as_role) -> None:
    as_role("trainer", "first@example.uz")
    client.post("/courses/new", data=COURSE)
    client.post("/courses/preventive-conversations/workflow", data={"move": "submit"})

    own = client.post("/courses/preventive-conversations/workflow", data={"move": "publish"})
    assert own.status_code == 403
    with app.app_context():
        make_user("trainer", "second@example.uz")
    second = app.test_client()
    second.post("/auth/login", data={"email": "second@example.uz", "password": PASSWORD})
    page = second.get("/courses/preventive-conversations").get_data(as_text=True)
    assert 'value="publish"' in page

    response = second.post("/courses/preventive-conversations/workflow",
                           data={"move": "publish"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Course.state)) == "published"


def upload(client, slug: str, content: bytes, name: str = "bank.gift"):
    return client.post(f"/courses/{slug}/questions", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_a_trainer_imports_a_gift_file_on_the_bank_page(app, client, as_role) -> None:
    slug = make_course(app, state="draft")
    as_role("trainer")

    response = upload(client, slug, GIFT.encode("utf-8"))

    assert response.status_code == 302
    page = client.get(f"/courses/{slug}/questions").get_data(as_text=True)
    assert "4 questions imported." in page
    assert "Prevention/Mahalla" in page and "Multiple choice" in page


def test_a_gift_file_with_errors_lists_its_lines_and_imports_nothing(app, client,
                                                                     as_role) -> None:
    slug = make_course(app, state="draft")
    as_role("trainer")
    broken = GIFT + "\n::Broken::Missing? {=yes ~no\n"

    response = upload(client, slug, broken.encode("utf-8"))

    page = response.get_data(as_text=True)
    line = broken.splitlines().index("::Broken::Missing? {=yes ~no") + 1
    assert response.status_code == 422
    assert "Nothing was imported" in page and f"Line {line}:" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Question.id))) == 0


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b"", "The file holds no questions."),
    (b"// only a comment\n", "The file holds no questions."),
])
def test_an_unreadable_file_is_refused(app, client, as_role, content, message) -> None:
    slug = make_course(app, state="draft")
    as_role("trainer")

    response = upload(client, slug, content)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_bank_exports_as_gift(app, client, as_role) -> None:
    from portal.courses import gift

    slug = make_course(app, state="draft")
    as_role("trainer")
    upload(client, slug, GIFT.encode("utf-8"))

    response = client.get(f"/courses/{slug}/questions.gift")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert gift.parse(response.get_data(as_text=True)) == gift.parse(GIFT)


@pytest.mark.parametrize("role", [None, "citizen", "inspector"])
def test_learners_never_reach_the_bank(app, client, as_role, role) -> None:
    slug = make_course(app)
    if role:
        as_role(role)

    assert client.get(f"/courses/{slug}/questions").status_code in {302, 403, 404}
    assert client.get(f"/courses/{slug}/questions.gift").status_code in {302, 403, 404}
    assert upload(client, slug, GIFT.encode()).status_code in {302, 403, 404}


def test_course_pages_are_accessible(app, client, as_role) -> None:
    slug = make_course(app, state="draft")
    as_role("trainer")

    for url in ("/courses/", "/courses/new", f"/courses/{slug}", f"/courses/{slug}/questions"):
        response = client.get(url)
        assert response.status_code == 200, url
        check(response.get_data(as_text=True), url)


# Preview as learner


def authored_course(client) -> tuple[str, int]:
    """A draft course with a module and a lesson, written by the logged-in trainer."""
    client.post("/courses/new", data=COURSE)
    slug = "preventive-conversations"
    client.post(f"/courses/{slug}/modules", data={"title": "Listening"})
    client.post(f"/courses/{slug}/modules", data={"title": "Families"})
    with client.application.app_context():
        module_id = db.session.scalar(select(Course).where(Course.slug == slug)).modules[0].id
    response = client.post(f"/courses/{slug}/modules/{module_id}/lessons/new", data={
        "title": "Open questions", "body": "Ask, then listen.\n", "minutes": "10"})
    return slug, int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_manager_previews_the_course_as_learners_see_it(app, client, as_role) -> None:
    as_role("trainer")
    slug, lesson_id = authored_course(client)
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert f'href="/courses/{slug}?preview=1"' in page and "Preview as learner" in page

    preview = client.get(f"/courses/{slug}?preview=1").get_data(as_text=True)

    assert "Preview: this is what learners see" in preview
    assert f'href="/courses/{slug}">Back to editing' in preview
    assert "Listening" in preview and "Open questions" in preview
    for control in ("Move down", "Add module", "Add a lesson", "page-staff-title",
                    "Course authoring", "Submit for review", "<form method=\"post\"",
                    "Not public"):
        assert control not in preview[preview.index("<main"):], control
    assert f'href="/courses/{slug}/lessons/{lesson_id}?preview=1"' in preview


def test_a_lesson_previewed_as_learner_has_no_authoring_controls(app, client, as_role) -> None:
    as_role("trainer")
    slug, lesson_id = authored_course(client)
    assert "Edit the lesson" in client.get(f"/courses/{slug}/lessons/{lesson_id}").get_data(
        as_text=True)

    page = client.get(f"/courses/{slug}/lessons/{lesson_id}?preview=1").get_data(as_text=True)

    assert "Preview: this is what learners see" in page
    assert "Edit the lesson" not in page
    assert f'href="/courses/{slug}/lessons/{lesson_id}">Back to editing' in page
    assert f'href="/courses/{slug}?preview=1"' in page


def test_preview_is_only_for_managers_and_writes_nothing(app, client, as_role) -> None:
    from sqlalchemy import event

    slug = make_course(app, audience="everyone")
    as_role("inspector")
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            page = client.get(f"/courses/{slug}?preview=1").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    assert "Preview: this is what learners see" not in page  # a learner sees the page anyway
    assert "Preview as learner" not in page
    assert not [s for s in statements if s.lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE"))]


# Translations


def test_a_manager_translates_a_course_into_a_new_draft_of_the_same_group(app, client,
                                                                          as_role) -> None:
    from tests.materials.test_editing import form_on

    as_role("trainer")
    client.post("/courses/new", data=COURSE)
    detail = client.get("/courses/preventive-conversations").get_data(as_text=True)
    link = "/courses/new?translation_of=preventive-conversations&amp;lang=ru"
    assert f'href="{link}"' in detail and "Translate into Русский" in detail

    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    action = "/courses/new?translation_of=preventive-conversations"
    fields = form_on(page, action)
    assert "Translation of: Preventive conversations" in page
    assert fields["language"] == ["ru"] and fields["title"] == [COURSE["title"]]
    assert fields["topics"] == COURSE["topics"] and fields["credit_hours"] == ["12.5"]
    fields["title"] = ["Профилактические беседы"]
    response = client.post(action, data=fields)

    assert response.status_code == 302
    with app.app_context():
        original, translation = db.session.scalars(select(Course).order_by(Course.id)).all()
        assert translation.translation_group == original.translation_group
        assert (translation.language, translation.state) == ("ru", "draft")
        assert translation.slug == "profilakticheskie-besedy"
    detail = client.get("/courses/preventive-conversations").get_data(as_text=True)
    assert 'href="/courses/profilakticheskie-besedy" hreflang="ru"' in detail
    assert "Translate into Русский" not in detail
    again = client.post(action, data={**COURSE, "language": "ru", "title": "Ещё одна"})
    assert again.status_code == 422
    assert "already has a version in this language" in again.get_data(as_text=True)


def translated(app) -> tuple[str, str]:
    """A published English course and its Russian translation, published too."""
    from portal.content import workflow

    with app.app_context():
        author = make_user("trainer", "translator@example.uz")
        publisher = make_user("editor", "publisher@example.uz")
        english = services.create_course(services.CourseInput(
            title="Preventive conversations", audience="everyone", language="en",
            topics=("crime-prevention",)), author.id)
        russian = services.create_course(services.CourseInput(
            title="Профилактические беседы", audience="everyone", language="ru",
            topics=("crime-prevention",)), author.id,
            translation_group=english.translation_group)
        for course in (english, russian):
            workflow.transition(course, "submit", author)
            workflow.transition(course, "publish", publisher)
        db.session.commit()
        return english.slug, russian.slug


def test_a_course_page_links_its_other_languages(app, client) -> None:
    english, russian = translated(app)

    page = client.get(f"/courses/{english}").get_data(as_text=True)

    assert "Also in:" in page
    assert f'href="/courses/{russian}" hreflang="ru" lang="ru">Русский</a>' in page


def test_asking_for_a_language_with_a_translation_redirects_to_it(app, client) -> None:
    english, russian = translated(app)

    response = client.get(f"/courses/{english}?lang=ru")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{russian}")


def test_asking_for_a_missing_language_shows_the_course_with_a_notice(app, client) -> None:
    english, _ = translated(app)

    response = client.get(f"/courses/{english}?lang=uz")

    assert response.status_code == 200
    assert ("This course is not available in Oʻzbekcha; it is shown in English."
            in response.get_data(as_text=True))


def test_a_draft_translation_is_not_offered_to_learners(app, client, as_role) -> None:
    with app.app_context():
        author = make_user("trainer", "translator@example.uz")
        english = services.create_course(services.CourseInput(
            title="Preventive conversations", audience="everyone", language="en"), author.id)
        services.create_course(services.CourseInput(
            title="Профилактические беседы", audience="everyone", language="ru"), author.id,
            translation_group=english.translation_group)
        from portal.content import workflow

        workflow.transition(english, "submit", author)
        workflow.transition(english, "publish", make_user("editor", "publisher@example.uz"))
        db.session.commit()

    page = client.get("/courses/preventive-conversations?lang=ru")

    assert page.status_code == 200  # no redirect to a draft
    assert "Also in:" not in page.get_data(as_text=True)
    as_role("trainer")
    staff = client.get("/courses/preventive-conversations").get_data(as_text=True)
    preview = client.get("/courses/preventive-conversations?preview=1").get_data(as_text=True)
    assert "Also in:" in staff and "Also in:" not in preview


def test_course_authoring_pages_are_accessible(app, client, as_role) -> None:
    as_role("trainer")
    slug, lesson_id = authored_course(client)

    for url in (f"/courses/{slug}?preview=1", f"/courses/{slug}/lessons/{lesson_id}?preview=1",
                f"/courses/new?translation_of={slug}&lang=ru", f"/courses/{slug}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        check(response.get_data(as_text=True), url)


def test_public_courses_are_in_the_sitemap_and_on_the_home_page(app, client, as_role) -> None:
    open_slug = make_course(app, audience="everyone", title="Know your rights")
    closed_slug = make_course(app, title="For inspectors only")

    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)

    assert f"/courses/{open_slug}<" in sitemap and f"/courses/{closed_slug}<" not in sitemap
    assert "Know your rights" in home and "For inspectors only" not in home
    as_role("inspector")
    assert "For inspectors only" in client.get("/").get_data(as_text=True)
