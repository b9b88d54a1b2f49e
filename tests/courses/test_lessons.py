"""Modules and lessons: authoring in order, reordering, reading with next / previous."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from portal.courses.models import Course, Lesson, Module
from portal.extensions import db
from tests.courses.test_pages import COURSE, make_course


def build(client, slug: str) -> dict[str, int]:
    """Two modules with lessons, through the forms; returns lesson ids by title."""
    for title in ("Listening", "Families"):
        assert client.post(f"/courses/{slug}/modules", data={"title": title}).status_code == 302
    ids = {}
    modules = module_ids(client.application, slug)
    for module_id, titles in zip(modules, (("Open questions", "Silence"), ("Home visits",)),
                                 strict=True):
        for title in titles:
            response = client.post(f"/courses/{slug}/modules/{module_id}/lessons/new", data={
                "title": title, "body": f"## {title}\n\nText about {title}.\n", "minutes": "15"})
            assert response.status_code == 302, response.get_data(as_text=True)
            ids[title] = int(response.headers["Location"].rsplit("/", 1)[1])
    return ids


def modules_section(client, slug: str) -> str:
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    return page[page.index('id="page-modules"'):]


def module_ids(app, slug: str) -> list[int]:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        return [m.id for m in course.modules]


@pytest.fixture
def authored(app, client, as_role):
    as_role("trainer")
    client.post("/courses/new", data=COURSE)
    return "preventive-conversations", build(client, "preventive-conversations")


def test_a_trainer_builds_modules_and_lessons_in_order(app, client, authored) -> None:
    slug, _ = authored

    page = modules_section(client, slug)

    order = [page.index(t) for t in ("Listening", "Open questions", "Silence", "Families",
                                     "Home visits")]
    assert order == sorted(order)
    assert "15 minutes" in page


def test_lessons_read_in_sequence_across_modules(app, client, authored) -> None:
    slug, ids = authored

    page = client.get(f"/courses/{slug}/lessons/{ids['Silence']}").get_data(as_text=True)

    assert "<h1>Silence</h1>" in page and "Text about Silence." in page
    assert f'rel="prev" href="/courses/{slug}/lessons/{ids["Open questions"]}"' in page
    assert f'rel="next" href="/courses/{slug}/lessons/{ids["Home visits"]}"' in page


def test_moving_a_module_and_a_lesson_changes_the_order(app, client, authored) -> None:
    slug, ids = authored
    families = module_ids(app, slug)[1]

    client.post(f"/courses/{slug}/modules/{families}/move", data={"direction": "up"})
    client.post(f"/courses/{slug}/lessons/{ids['Silence']}/move", data={"direction": "up"})
    client.post(f"/courses/{slug}/lessons/{ids['Home visits']}/move", data={"direction": "up"})

    page = modules_section(client, slug)
    order = [page.index(t) for t in ("Families", "Home visits", "Listening", "Silence",
                                     "Open questions")]
    assert order == sorted(order)


def test_a_lesson_is_edited(app, client, authored) -> None:
    slug, ids = authored

    response = client.post(f"/courses/{slug}/lessons/{ids['Silence']}/edit", data={
        "title": "Using silence", "body": "Pauses help.\n", "minutes": "5"})

    assert response.status_code == 302
    with app.app_context():
        lesson = db.session.get(Lesson, ids["Silence"])
        assert (lesson.title, lesson.minutes) == ("Using silence", 5)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title": "", "body": "x", "minutes": "5"}, "title", "This field is required."),
    ({"title": "T", "body": "x", "minutes": "0"}, "minutes", "Number must be between 1 and 600."),
    ({"title": "T", "body": "x", "minutes": "lots"}, "minutes", "Not a valid integer value."),
])
def test_bad_lesson_input_is_refused_next_to_the_field(app, client, authored, data, field,
                                                       message) -> None:
    slug, _ = authored
    module_id = module_ids(app, slug)[0]

    response = client.post(f"/courses/{slug}/modules/{module_id}/lessons/new", data=data)

    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Lesson).count() == 3


def test_an_empty_module_title_is_refused(app, client, authored) -> None:
    slug, _ = authored

    response = client.post(f"/courses/{slug}/modules", data={"title": ""})

    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(Module).count() == 2


def test_a_lesson_of_another_course_is_not_found(app, client, authored) -> None:
    slug, ids = authored
    other = make_course(app, state="draft", title="Other course")

    assert client.get(f"/courses/{other}/lessons/{ids['Silence']}").status_code == 404
    assert client.post(f"/courses/{other}/lessons/{ids['Silence']}/edit",
                       data={"title": "x", "body": "y", "minutes": "1"}).status_code == 404


def test_lessons_of_a_draft_course_are_hidden_and_learners_cannot_edit(app, client,
                                                                       authored) -> None:
    slug, ids = authored
    visitor = app.test_client()

    assert visitor.get(f"/courses/{slug}/lessons/{ids['Silence']}").status_code == 404
    assert visitor.post(f"/courses/{slug}/modules", data={"title": "x"}).status_code == 404


def test_content_cannot_change_while_the_course_is_in_review(app, client, authored) -> None:
    slug, ids = authored
    client.post(f"/courses/{slug}/workflow", data={"move": "submit"})

    assert client.post(f"/courses/{slug}/modules", data={"title": "Late"}).status_code == 403
    assert client.get(f"/courses/{slug}/lessons/{ids['Silence']}/edit").status_code == 403


def test_lesson_pages_are_accessible(app, client, authored) -> None:
    from tests.test_accessibility import check

    slug, ids = authored
    module_id = module_ids(app, slug)[0]

    for url in (f"/courses/{slug}", f"/courses/{slug}/lessons/{ids['Silence']}",
                f"/courses/{slug}/lessons/{ids['Silence']}/edit",
                f"/courses/{slug}/modules/{module_id}/lessons/new"):
        response = client.get(url)
        assert response.status_code == 200, url
        check(response.get_data(as_text=True), url)


# Lesson files


def attach(client, slug: str, lesson_id: int, data: bytes, name: str):
    import io

    return client.post(f"/courses/{slug}/lessons/{lesson_id}/files",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def lesson_files(app) -> list:
    from portal.content.attachments import Attachment

    with app.app_context():
        return list(db.session.scalars(select(Attachment).where(
            Attachment.item_type == "lesson").order_by(Attachment.id)))


def test_files_attached_on_the_lesson_edit_page_are_listed_on_the_lesson(app, client,
                                                                          authored) -> None:
    from tests.content.test_attachments import PDF, PNG

    slug, ids = authored
    lesson_id = ids["Silence"]

    first = attach(client, slug, lesson_id, PDF, "Law on prevention.pdf")
    second = attach(client, slug, lesson_id, PNG + b"\x00" * 2048, "scheme.png")

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith(f"/lessons/{lesson_id}/edit#page-files")
    pdf, png = lesson_files(app)
    assert (pdf.item_id, pdf.content_type) == (lesson_id, "application/pdf")
    page = client.get(f"/courses/{slug}/lessons/{lesson_id}").get_data(as_text=True)
    assert (f'<a href="/attachments/{pdf.id}/Law%20on%20prevention.pdf" download>'
            f"Law on prevention.pdf</a> (1 KB)") in page
    assert f'download>scheme.png</a> ({math.ceil(png.size / 1024)} KB)' in page
    edit_page = client.get(f"/courses/{slug}/lessons/{lesson_id}/edit").get_data(as_text=True)
    assert "Remove Law on prevention.pdf" in edit_page
    other = client.get(f"/courses/{slug}/lessons/{ids['Open questions']}").get_data(
        as_text=True)
    assert "Law on prevention.pdf" not in other


def test_a_lesson_file_of_the_wrong_type_is_refused_next_to_the_field(app, client,
                                                                      authored) -> None:
    from tests.content.test_attachments import HTML

    slug, ids = authored

    response = attach(client, slug, ids["Silence"], HTML, "notes.pdf")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="file-error">Only PDF, JPG and PNG files can be attached.' in page
    assert 'aria-describedby="file-error"' in page
    assert 'value="Silence"' in page  # the lesson's form shows the saved text
    assert lesson_files(app) == []


def test_a_lesson_file_over_the_limit_gets_413(app, client, authored) -> None:
    from tests.content.test_attachments import PDF

    slug, ids = authored
    app.config["UPLOAD_MAX_BYTES"] = 1024

    response = attach(client, slug, ids["Silence"], PDF + b"0" * 2048, "big.pdf")

    assert response.status_code == 413
    assert 'id="file-error">The file is larger than' in response.get_data(as_text=True)
    assert lesson_files(app) == []


def test_a_lesson_file_is_removed_with_its_stored_file(app, client, authored) -> None:
    from pathlib import Path

    from tests.content.test_attachments import PDF

    slug, ids = authored
    attach(client, slug, ids["Silence"], PDF, "notes.pdf")
    [row] = lesson_files(app)
    path = Path(app.instance_path) / "attachments" / row.stored_name
    assert path.exists()

    wrong = client.post(f"/courses/{slug}/lessons/{ids['Open questions']}/files/{row.id}/delete")
    response = client.post(f"/courses/{slug}/lessons/{ids['Silence']}/files/{row.id}/delete")

    assert wrong.status_code == 404  # only through its own lesson
    assert response.status_code == 302
    assert lesson_files(app) == []
    assert not path.exists()


def test_lesson_files_are_downloaded_by_whoever_may_see_the_course(app, client, authored,
                                                                   auth) -> None:
    from tests.conftest import PASSWORD, make_user
    from tests.content.test_attachments import PDF

    slug, ids = authored
    attach(client, slug, ids["Silence"], PDF, "notes.pdf")
    [row] = lesson_files(app)
    url = f"/attachments/{row.id}/notes.pdf"
    visitor = app.test_client()
    assert visitor.get(url).status_code == 404  # the course is a draft
    client.post(f"/courses/{slug}/workflow", data={"move": "submit"})
    with app.app_context():
        make_user("editor", "publisher@example.uz")
        make_user("inspector", "learner@example.uz")
        make_user("citizen", "citizen@example.uz")
    auth.logout()
    auth.login("publisher@example.uz", PASSWORD)
    client.post(f"/courses/{slug}/workflow", data={"move": "publish"})

    assert visitor.get(url).status_code == 404  # a course for inspectors only
    citizen = app.test_client()
    citizen.post("/auth/login", data={"email": "citizen@example.uz", "password": PASSWORD})
    assert citizen.get(url).status_code == 404
    learner = app.test_client()
    learner.post("/auth/login", data={"email": "learner@example.uz", "password": PASSWORD})
    with learner.get(url) as response:
        assert response.status_code == 200 and response.data == PDF


def test_lesson_files_cannot_change_while_the_course_is_in_review(app, client,
                                                                  authored) -> None:
    from tests.content.test_attachments import PDF

    slug, ids = authored
    attach(client, slug, ids["Silence"], PDF, "notes.pdf")
    [row] = lesson_files(app)
    client.post(f"/courses/{slug}/workflow", data={"move": "submit"})

    assert attach(client, slug, ids["Silence"], PDF, "more.pdf").status_code == 403
    assert client.post(
        f"/courses/{slug}/lessons/{ids['Silence']}/files/{row.id}/delete").status_code == 403
    assert len(lesson_files(app)) == 1
