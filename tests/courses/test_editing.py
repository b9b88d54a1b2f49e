"""Editing a course after it is created: its text with optimistic locking, its history (diff and
restore, on the shared history pages), and its cover image."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.content.attachments import Attachment
from portal.content.audit import AuditEntry
from portal.content.revisions import Revision
from portal.courses.models import Course
from portal.extensions import db
from tests.conftest import PASSWORD, make_user
from tests.content.test_attachments import JPG, PDF, PNG
from tests.courses.test_pages import COURSE, make_course
from tests.materials.test_editing import form_on
from tests.test_accessibility import check

SLUG = "preventive-conversations"
EDIT = f"/courses/{SLUG}/edit"


@pytest.fixture
def written(app, client, as_role) -> str:
    """A draft course written through the form by a logged-in trainer."""
    as_role("trainer")
    assert client.post("/courses/new", data=COURSE).status_code == 302
    return SLUG


def course_row(app, slug: str = SLUG) -> Course:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        assert course is not None
        db.session.expunge(course)
        return course


def revisions_of(app, slug: str = SLUG) -> list[Revision]:
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
        rows = list(db.session.scalars(select(Revision).where(
            Revision.item_type == "course", Revision.item_id == course_id
        ).order_by(Revision.number)))
        for row in rows:
            db.session.expunge(row)
        return rows


def edit(client, slug: str = SLUG, **changes):
    return client.post(f"/courses/{slug}/edit", data={**COURSE, **changes})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# Editing the text


def test_the_edit_form_shows_the_course_as_saved(app, client, written) -> None:
    page = client.get(EDIT).get_data(as_text=True)

    fields = form_on(page, EDIT)
    assert fields["title"] == [COURSE["title"]]
    assert fields["topics"] == COURSE["topics"]
    assert fields["audience"] == ["inspectors"] and fields["language"] == ["en"]
    assert fields["credit_hours"] == ["12.5"]
    assert fields["version"] == [str(course_row(app).version)]


def test_a_trainer_edits_a_course_and_a_revision_is_kept(app, client, written) -> None:
    response = edit(client, title="Preventive talks", credit_hours="8",
                    topics=["crime-prevention", "family"], comment="Shorter course")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(EDIT)  # the slug stays: links keep working
    assert "Saved." in client.get(response.headers["Location"]).get_data(as_text=True)
    course = course_row(app)
    assert (course.title, str(course.credit_hours)) == ("Preventive talks", "8.0")
    with app.app_context():
        topics = db.session.get(Course, course.id).topics
        assert sorted(t.slug for t in topics) == ["crime-prevention", "family"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course.edit"))
        assert entry.comment == "Shorter course"
    first, second = revisions_of(app)
    assert (second.number, second.comment) == (2, "Shorter course")
    assert second.data["title"] == "Preventive talks"


def test_saving_the_edit_form_as_shown_changes_nothing(app, client, written) -> None:
    page = client.get(EDIT).get_data(as_text=True)

    response = client.post(EDIT, data=form_on(page, EDIT))

    assert "Nothing changed." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert [r.number for r in revisions_of(app)] == [1]


def test_a_form_saved_over_a_newer_version_is_refused_and_keeps_the_text(app, client,
                                                                        written) -> None:
    mine = form_on(client.get(EDIT).get_data(as_text=True), EDIT)
    theirs = form_on(client.get(EDIT).get_data(as_text=True), EDIT)
    theirs["description"] = ["Their description."]
    assert client.post(EDIT, data=theirs).status_code == 302
    mine["description"] = ["My description, typed for an hour."]

    response = client.post(EDIT, data=mine)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this course after you opened it." in page
    assert "My description, typed for an hour." in page  # nothing lost
    assert course_row(app).description == "Their description."
    assert [r.number for r in revisions_of(app)] == [1, 2]
    # The form now carries the current version: saving again overwrites on purpose.
    again = client.post(EDIT, data=form_on(page, EDIT))
    assert again.status_code == 302
    assert course_row(app).description == "My description, typed for an hour."


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "This field is required."),
    ("credit_hours", "-1", "Number must be between 0 and 500."),
    ("topics", [], "Choose at least one topic."),
])
def test_bad_input_on_the_edit_form_is_refused_next_to_the_field(app, client, written, field,
                                                                  value, message) -> None:
    response = edit(client, **{field: value})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error">{message}' in page
    assert course_row(app).title == COURSE["title"]
    assert [r.number for r in revisions_of(app)] == [1]


def test_a_course_cannot_be_edited_while_in_review(app, client, written) -> None:
    client.post(f"/courses/{SLUG}/workflow", data={"move": "submit"})

    assert client.get(EDIT).status_code == 403
    assert edit(client, title="Late change").status_code == 403
    assert course_row(app).title == COURSE["title"]
    assert "Edit the course" not in client.get(f"/courses/{SLUG}").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [
    (None, 302), ("citizen", 404), ("inspector", 403),
])
def test_learners_cannot_edit_a_course(app, client, as_role, role, status) -> None:
    slug = make_course(app)  # published, for inspectors
    if role:
        as_role(role)

    assert client.get(f"/courses/{slug}/edit").status_code == status
    assert edit(client, slug).status_code == status
    assert client.get(f"/courses/{slug}/history").status_code in {403, 404}


def test_the_course_page_links_managers_to_editing_and_history(app, client, written) -> None:
    page = client.get(f"/courses/{SLUG}").get_data(as_text=True)

    assert f'href="{EDIT}"' in page
    assert f'href="/courses/{SLUG}/history"' in page


def test_a_course_cannot_move_into_a_language_it_already_has(app, client, written) -> None:
    page = client.get(f"/courses/new?translation_of={SLUG}&lang=ru").get_data(as_text=True)
    action = f"/courses/new?translation_of={SLUG}"
    fields = form_on(page, action)
    fields["title"] = ["Профилактические беседы"]
    assert client.post(action, data=fields).status_code == 302

    response = edit(client, language="ru")

    assert response.status_code == 422
    assert "already has a version in this language" in response.get_data(as_text=True)


# History, diff and restore


def test_the_history_lists_revisions_and_the_diff_shows_what_changed(app, client,
                                                                      written) -> None:
    edit(client, title="Preventive talks", comment="Better title")
    edit(client, title="Preventive talks", summary="Talking with people.",
         description="## Module 1\n\nListening well.\n", comment="Clearer")

    history = client.get(f"/courses/{SLUG}/history").get_data(as_text=True)
    diff = client.get(f"/courses/{SLUG}/history/diff?a=1&b=3")

    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*"
                      r"<td>([^<]*)</td>", history)
    assert rows == [("3", "Trainer", "Clearer"), ("2", "Trainer", "Better title"),
                    ("1", "Trainer", "created")]
    assert f'href="/courses/{SLUG}"' in history and "View the course" in history
    assert f'action="/courses/{SLUG}/history/diff"' in history
    assert "Restore revision 1" in history and "Restore revision 3" not in history
    page = diff.get_data(as_text=True)
    assert diff.status_code == 200
    assert "Changes from revision 1 to 3" in page
    assert "<h2>Title</h2>" in page and "<h2>Description</h2>" in page
    assert "<h2>Credit hours</h2>" not in page  # unchanged fields are left out
    assert re.search(r"<del>.*?- Listening\.</del>", page)
    assert re.search(r"<ins>.*?\+ Listening well\.</ins>", page)
    assert f'href="/courses/{SLUG}/history"' in page


@pytest.mark.parametrize(("query", "status"), [("a=1&b=9", 404), ("a=x&b=1", 400), ("", 400)])
def test_a_diff_of_unknown_revisions_is_refused(app, client, written, query, status) -> None:
    assert client.get(f"/courses/{SLUG}/history/diff?{query}").status_code == status


def test_restoring_a_revision_brings_the_course_back_as_a_new_revision(app, client,
                                                                        written) -> None:
    edit(client, title="Changed title", credit_hours="3")

    response = client.post(f"/courses/{SLUG}/history/1/restore")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{SLUG}/history")
    course = course_row(app)
    assert (course.title, str(course.credit_hours)) == (COURSE["title"], "12.5")
    latest = revisions_of(app)[-1]
    assert (latest.number, latest.comment) == (3, "restored revision 1")
    history = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Revision 1 is restored." in history


def test_restoring_is_refused_while_in_review_and_unknown_revisions_are_not_found(
        app, client, written) -> None:
    edit(client, title="Changed title")
    assert client.post(f"/courses/{SLUG}/history/7/restore").status_code == 404
    client.post(f"/courses/{SLUG}/workflow", data={"move": "submit"})

    assert client.post(f"/courses/{SLUG}/history/1/restore").status_code == 403
    assert course_row(app).title == "Changed title"
    assert "Restore revision" not in client.get(f"/courses/{SLUG}/history").get_data(
        as_text=True)


def test_the_history_pages_are_accessible(app, client, written) -> None:
    edit(client, title="Changed title")

    for url in (EDIT, f"/courses/{SLUG}/history", f"/courses/{SLUG}/history/diff?a=1&b=2"):
        response = client.get(url)
        assert response.status_code == 200, url
        check(response.get_data(as_text=True), url)


# Cover image


def upload_cover(client, data: bytes, name: str = "cover.png", slug: str = SLUG):
    return client.post(f"/courses/{slug}/cover", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def covers(app) -> list[Attachment]:
    with app.app_context():
        return list(db.session.scalars(select(Attachment).where(
            Attachment.item_type == "course-cover")))


def stored(app, row: Attachment) -> Path:
    return Path(app.instance_path) / "attachments" / row.stored_name


def test_a_cover_image_shows_on_the_course_page_and_in_the_catalogue(app, client,
                                                                       written) -> None:
    response = upload_cover(client, PNG)

    assert response.status_code == 302
    [row] = covers(app)
    image = f'src="/attachments/{row.id}/cover.png" alt=""'
    assert image in client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert image in client.get(EDIT).get_data(as_text=True)
    client.post(f"/courses/{SLUG}/workflow", data={"move": "submit"})
    with app.app_context():
        make_user("editor", "publisher@example.uz")
    publisher = app.test_client()
    publisher.post("/auth/login", data={"email": "publisher@example.uz", "password": PASSWORD})
    publisher.post(f"/courses/{SLUG}/workflow", data={"move": "publish"})
    catalogue = publisher.get("/courses/").get_data(as_text=True)
    assert image in catalogue
    card = catalogue[catalogue.index('class="card"'):]
    assert card.index(image) < card.index(COURSE["title"])


def test_a_new_cover_replaces_the_old_one_and_its_file(app, client, written) -> None:
    upload_cover(client, PNG, "first.png")
    [first] = covers(app)
    assert stored(app, first).exists()

    response = upload_cover(client, JPG, "second.jpg")

    assert response.status_code == 302
    [second] = covers(app)
    assert (second.original_name, second.content_type) == ("second.jpg", "image/jpeg")
    assert not stored(app, first).exists()
    assert stored(app, second).read_bytes() == JPG


def test_a_cover_is_removed_with_its_file(app, client, written) -> None:
    upload_cover(client, PNG)
    [row] = covers(app)

    response = client.post(f"/courses/{SLUG}/cover/delete")

    assert response.status_code == 302
    assert covers(app) == []
    assert not stored(app, row).exists()
    assert "<img" not in client.get(f"/courses/{SLUG}").get_data(as_text=True)


@pytest.mark.parametrize(("data", "name", "message"), [
    (PDF, "cover.pdf", "A cover must be a JPG or PNG image."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "cover.png",
     "A cover must be a JPG or PNG image."),
    (b"", "cover.png", "The file is empty."),
])
def test_a_cover_that_is_not_a_png_or_jpg_is_refused_next_to_the_field(app, client, written,
                                                                       data, name,
                                                                       message) -> None:
    upload_cover(client, PNG, "kept.png")
    [kept] = covers(app)

    response = upload_cover(client, data, name)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="file-error">{message}' in page
    assert 'aria-describedby="file-hint file-error"' in page
    assert form_on(page, EDIT)["title"] == [COURSE["title"]]  # the saved text, not blanks
    assert [r.id for r in covers(app)] == [kept.id]
    assert sorted(p.name for p in stored(app, kept).parent.iterdir()) == [kept.stored_name]


def test_a_cover_over_the_upload_limit_gets_413(app, client, written) -> None:
    app.config["UPLOAD_MAX_BYTES"] = 1024

    response = upload_cover(client, PNG + b"\x00" * 2048)

    assert response.status_code == 413
    assert 'id="file-error">The file is larger than' in response.get_data(as_text=True)
    assert covers(app) == []


def test_the_cover_can_only_change_while_the_course_may_be_edited(app, client, written) -> None:
    client.post(f"/courses/{SLUG}/workflow", data={"move": "submit"})

    assert upload_cover(client, PNG).status_code == 403
    assert client.post(f"/courses/{SLUG}/cover/delete").status_code == 403
    assert covers(app) == []


def test_the_cover_is_downloaded_by_whoever_may_see_the_course(app, client, as_role) -> None:
    slug = make_course(app, state="draft")
    as_role("trainer")
    upload_cover(client, PNG, slug=slug)
    [row] = covers(app)
    url = f"/attachments/{row.id}/cover.png"
    with client.get(url) as response:
        assert response.status_code == 200
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 404  # a draft's cover is as hidden as the draft
    with app.app_context():
        from portal.content import workflow
        from portal.courses import services

        course = services.by_slug(slug)
        workflow.transition(course, "submit", course.author)
        workflow.transition(course, "publish", make_user("editor", "p@example.uz"))
        db.session.commit()

    assert anonymous.get(url).status_code == 404  # a course for inspectors only
    inspector = app.test_client()
    with app.app_context():
        make_user("inspector", "learner@example.uz")
    inspector.post("/auth/login", data={"email": "learner@example.uz", "password": PASSWORD})
    with inspector.get(url) as response:
        assert response.status_code == 200
        assert response.data == PNG
        assert response.mimetype == "image/png"


def test_no_authoring_page_writes_on_get(app, client, written) -> None:
    from sqlalchemy import event

    from tests.test_routes import WRITES

    edit(client, title="Changed title")
    upload_cover(client, PNG)
    with app.app_context():
        from portal.courses import services

        course = services.by_slug(SLUG)
        module = services.add_module(course, "Part one", None)
        lesson = services.add_lesson(module, "First", "Text.", 5, None)
        [question] = services.import_gift(course, "::Q::Right? {T}\n", None)
        db.session.commit()
        lesson_id, question_id = lesson.id, question.id
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    urls = [EDIT, f"/courses/{SLUG}/history", f"/courses/{SLUG}/history/diff?a=1&b=2",
            f"/courses/{SLUG}?preview=1", f"/courses/{SLUG}?lang=ru",
            f"/courses/{SLUG}/lessons/{lesson_id}?preview=1",
            f"/courses/{SLUG}/lessons/{lesson_id}/edit", f"/courses/{SLUG}/questions",
            f"/courses/{SLUG}/questions/new", f"/courses/{SLUG}/questions/{question_id}/edit",
            f"/courses/new?translation_of={SLUG}&lang=ru", "/courses/"]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for url in urls:
                assert client.get(url).status_code == 200, url
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert [s for s in statements if WRITES.match(s)] == []


def test_certificate_validity_and_topics_are_kept_in_history_and_restored(app, client,
                                                                          written) -> None:
    assert edit(client, certificate_valid_months="24", topics=["family"]).status_code == 302
    assert course_row(app).certificate_valid_months == 24
    diff = client.get(f"/courses/{SLUG}/history/diff?a=1&b=2").get_data(as_text=True)
    assert "Certificates valid for (months)" in diff and "Topics" in diff
    bad = edit(client, certificate_valid_months="0")
    assert bad.status_code == 422

    assert client.post(f"/courses/{SLUG}/history/1/restore").status_code == 302

    assert course_row(app).certificate_valid_months is None
    with app.app_context():
        topics = db.session.scalar(select(Course).where(Course.slug == SLUG)).topics
        assert sorted(t.slug for t in topics) == sorted(COURSE["topics"])
