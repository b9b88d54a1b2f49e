"""Files attached to guides: only real PDF/JPG/PNG, size-limited, stored by random name, served to
who may read the guide."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.content.attachments import Attachment, AttachmentError, save_upload
from portal.content.audit import AuditEntry
from portal.extensions import db
from tests.conftest import make_material

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(client, slug: str, data: bytes, name: str):
    return client.post(f"/materials/{slug}/attachments",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def attachment_rows(app) -> list[Attachment]:
    with app.app_context():
        return list(db.session.scalars(select(Attachment)))


def stored_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(("data", "name", "content_type"), [
    (PDF, "Family code.pdf", "application/pdf"),
    (PNG, "scheme.png", "image/png"),
    (JPG, "photo.jpg", "image/jpeg"),
    (JPG, "photo.JPEG", "image/jpeg"),
])
def test_pdf_png_and_jpg_files_are_attached(app, client, as_role, data, name,
                                            content_type) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    editor = as_role("editor")

    response = upload(client, slug, data, name)

    assert response.status_code == 302
    [row] = attachment_rows(app)
    assert (row.original_name, row.content_type, row.size) == (name, content_type, len(data))
    assert row.uploaded_by_id == editor.id
    edit_page = client.get(f"/materials/{slug}/edit").get_data(as_text=True)
    assert name in edit_page
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "attachment.add")).object_label == name


def test_a_file_is_recognised_by_its_bytes_not_its_name(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    upload(client, slug, PNG, "scheme.pdf")

    [row] = attachment_rows(app)
    assert row.content_type == "image/png"
    assert row.original_name == "scheme.png"


@pytest.mark.parametrize(("data", "name"), [
    (HTML, "guide.pdf"),
    (b"  %PDF-1.4 but not at the start", "guide.pdf"),
    (b"GIF89a" + b"\x00" * 20, "picture.png"),
    (b"PK\x03\x04 docx inside", "letter.jpg"),
])
def test_a_file_that_is_not_really_pdf_png_or_jpg_is_refused_next_to_the_field(
        app, client, as_role, data, name) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    response = upload(client, slug, data, name)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ('<p class="error" id="file-error">Only PDF, JPG and PNG files can be attached.</p>'
            in page)
    assert 'aria-invalid="true"' in page
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_a_refused_file_leaves_the_guides_form_as_it_was(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft", topics=["family", "legal-aid"]).slug
    as_role("editor")

    page = upload(client, slug, HTML, "guide.pdf").get_data(as_text=True)

    assert 'id="title" maxlength="300" name="title" required type="text" value="Alimony"' in page
    assert re.findall(r'<input checked [^>]*name="topics"[^>]*value="([^"]+)"', page) == [
        "family", "legal-aid"]


def test_an_empty_file_is_refused(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    response = upload(client, slug, b"", "empty.pdf")

    assert response.status_code == 422
    assert attachment_rows(app) == []


def test_posting_without_a_file_asks_for_one(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    response = client.post(f"/materials/{slug}/attachments", data={},
                           content_type="multipart/form-data")

    assert response.status_code == 422
    assert '<p class="error" id="file-error">Choose a file.</p>' in response.get_data(as_text=True)


@pytest.mark.parametrize(("limit", "shown"), [(100 * 1024, "0.1 MB"), (400 * 1024, "0.39 MB")])
def test_a_file_over_the_upload_limit_is_refused(app, client, as_role, limit, shown) -> None:
    # Bodies over 500 KB make the test client spool to a file it never closes: stay below.
    app.config["UPLOAD_MAX_BYTES"] = limit
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    response = upload(client, slug, PDF + b"0" * limit, "big.pdf")

    assert response.status_code == 413
    assert f'id="file-error">The file is larger than {shown}.</p>' in response.get_data(
        as_text=True)
    assert attachment_rows(app) == []
    assert stored_files(app) == []


def test_the_default_limit_is_named_in_whole_megabytes(app) -> None:
    limit = app.config["UPLOAD_MAX_BYTES"]
    big = FileStorage(io.BytesIO(PDF + b"0" * limit), "big.pdf")

    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(AttachmentError) as refused:
            save_upload(big, "material", 1, None)
        message = str(refused.value)

    assert message == "The file is larger than 8 MB."


def test_a_file_exactly_at_the_upload_limit_is_accepted(app, client, as_role) -> None:
    app.config["UPLOAD_MAX_BYTES"] = 4096
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    response = upload(client, slug, PDF + b"0" * (4096 - len(PDF)), "exact.pdf")

    assert response.status_code == 302
    assert [row.size for row in attachment_rows(app)] == [4096]


def test_a_request_over_the_body_limit_gets_the_file_too_large_page(app, client,
                                                                    as_role) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    response = upload(client, slug, PDF + b"0" * (128 * 1024), "huge.pdf")

    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "<h1>File too large</h1>" in page
    assert "Traceback" not in page
    assert attachment_rows(app) == []


def test_the_file_is_stored_in_the_instance_folder_under_a_random_name(app, client,
                                                                        as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")

    upload(client, slug, PDF, "../../Family code.pdf")
    upload(client, slug, PDF, "Family code.pdf")

    first, second = attachment_rows(app)
    files = stored_files(app)
    assert [f.name for f in files] == sorted([first.stored_name, second.stored_name])
    assert first.stored_name != second.stored_name
    for row, path in ((first, Path(app.instance_path) / "attachments" / first.stored_name),
                      (second, Path(app.instance_path) / "attachments" / second.stored_name)):
        assert path.read_bytes() == PDF
        assert "family" not in row.stored_name.lower()
        assert len(row.stored_name) == 32 + len(".pdf")
    assert first.original_name == "Family code.pdf"  # the path part is dropped


def test_whoever_may_read_the_guide_downloads_its_file(app, client, as_role, auth) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")
    upload(client, slug, PDF, "Family code.pdf")
    client.post(f"/materials/{slug}/workflow", data={"move": "submit"})
    client.post(f"/materials/{slug}/workflow", data={"move": "publish"})
    auth.logout()
    [row] = attachment_rows(app)

    page = client.get(f"/materials/{slug}").get_data(as_text=True)
    with client.get(f"/attachments/{row.id}/Family code.pdf") as response:
        body = response.data

    assert f'href="/attachments/{row.id}/Family%20code.pdf"' in page
    assert response.status_code == 200
    assert body == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Family" in response.headers["Content-Disposition"]


def test_a_drafts_file_is_not_found_for_anonymous_visitors(app, client, as_role, auth) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")
    upload(client, slug, PDF, "draft.pdf")
    [row] = attachment_rows(app)
    with client.get(f"/attachments/{row.id}/draft.pdf") as response:
        assert response.status_code == 200  # the editor may
    auth.logout()

    response = client.get(f"/attachments/{row.id}/draft.pdf")

    assert response.status_code == 404
    assert PDF not in response.data


@pytest.mark.parametrize(("role", "status"), [
    (None, 404), ("citizen", 404), ("inspector", 200), ("trainer", 200), ("editor", 200)])
def test_an_inspectors_only_guides_file_is_hidden_from_citizens(app, client, auth, as_role,
                                                                role, status) -> None:
    with app.app_context():
        slug = make_material("Raid protocol", audience="inspectors").slug
    auth.login("maker@example.uz")
    upload(client, slug, PDF, "protocol.pdf")
    auth.logout()
    [row] = attachment_rows(app)
    if role:
        as_role(role)

    with client.get(f"/attachments/{row.id}/protocol.pdf") as response:
        assert response.status_code == status


def test_an_unknown_attachment_is_not_found(client) -> None:
    assert client.get("/attachments/999/nothing.pdf").status_code == 404


def test_removing_an_attachment_deletes_its_file(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="draft").slug
    as_role("editor")
    upload(client, slug, PDF, "old.pdf")
    upload(client, slug, PNG, "keep.png")
    old, keep = attachment_rows(app)

    response = client.post(f"/materials/{slug}/attachments/{old.id}/delete")

    assert response.status_code == 302
    assert [row.id for row in attachment_rows(app)] == [keep.id]
    assert [f.name for f in stored_files(app)] == [keep.stored_name]
    assert client.get(f"/attachments/{old.id}/old.pdf").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "attachment.remove")).object_label == "old.pdf"


def test_an_attachment_cannot_be_removed_through_another_guide(app, client, as_role) -> None:
    with app.app_context():
        first = make_material("Alimony", state="draft").slug
        other = make_material("Custody", state="draft").slug
    as_role("editor")
    upload(client, first, PDF, "mine.pdf")
    [row] = attachment_rows(app)

    response = client.post(f"/materials/{other}/attachments/{row.id}/delete")

    assert response.status_code == 404
    assert len(attachment_rows(app)) == 1
    assert len(stored_files(app)) == 1


@pytest.mark.parametrize("role", ["citizen", "inspector", "trainer"])
def test_only_editors_attach_files(app, client, as_role, role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="published").slug
    as_role(role)

    response = upload(client, slug, PDF, "x.pdf")

    assert response.status_code == 403
    assert attachment_rows(app) == []


def test_no_file_can_be_attached_while_the_guide_is_in_review(app, client, as_role) -> None:
    with app.app_context():
        slug = make_material("Alimony", state="review").slug
    as_role("editor")

    response = upload(client, slug, PDF, "x.pdf")

    assert response.status_code == 403
    assert attachment_rows(app) == []
