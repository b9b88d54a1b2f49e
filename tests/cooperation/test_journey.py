"""The issue's story, end to end through the real pages with CSRF protection on: a newcomer finds
Germany's cooperation, its chart, a record with its document and linked course, and takes the
filtered table away as a CSV file a spreadsheet opens cleanly; an editor adds an agreement
with an expiry date and the reminder waits in the outbox until the sender mails it."""

from __future__ import annotations

import email
import html
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portal import mail
from portal.content.topics import ensure_default_topics
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token, make_app, make_user
from tests.cooperation.helpers import (
    PDF,
    WRITER,
    csv_rows,
    form_on,
    make_course,
    make_partner,
    make_record,
    reminders,
    table_titles,
    text,
)

EDITOR = "dilnoza.editor@example.uz"


@pytest.fixture
def live_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        make_user("editor", EDITOR, name="Dilnoza Editor")
    return app


def post_form(client, url: str, data: dict, page_url: str | None = None, **kwargs):
    """Open the page, take its CSRF token and post the form, as a browser does."""
    page = text(client.get(page_url or url))
    return client.post(url, data={**data, "csrf_token": csrf_token(page)}, **kwargs)


def link_to(page: str, label: str) -> str:
    """The address of the link reading *label* on *page*."""
    found = re.search(rf'<a href="([^"]+)"[^>]*>{re.escape(html.escape(label))}</a>', page)
    assert found, f"no link {label!r} on the page"
    return html.unescape(found.group(1))


def test_a_newcomer_explores_germany_and_an_editor_is_reminded(live_app) -> None:
    app = live_app
    course_id, course_slug = make_course(app, "Community policing basics")
    bpol = make_partner(app, "Bundespolizei", "DE", short_name="BPOL",
                        website="https://www.bundespolizei.de")
    academy = make_partner(app, "Police Academy of Lower Saxony", "DE", kind="academy")
    gendarmerie = make_partner(app, "Gendarmerie nationale", "FR")
    memorandum = make_record(
        app, "Memorandum with the Bundespolizei", [bpol], signed_on=date(2024, 5, 10),
        starts_on=date(2024, 6, 1), ends_on=date(2029, 5, 31), courses=(course_id,),
        summary="Joint courses on **community policing**.")
    make_record(app, "+998 hotline for German tourists", [bpol, academy], kind="exchange",
                status="completed", year=2023)
    make_record(app, "Training of French trainers", [gendarmerie], kind="training", year=2025)
    make_record(app, "Draft protocol with Germany", [academy], state="draft", year=2026)

    # The register's keeper attaches the signed memorandum.
    keeper = app.test_client()
    assert post_form(keeper, "/auth/login", {"email": WRITER, "password": PASSWORD}
                     ).status_code == 302
    uploaded = post_form(keeper, f"/cooperation/{memorandum}/attachments",
                         {"file": (io.BytesIO(PDF), "Memorandum BPOL 2024.pdf")},
                         page_url=f"/cooperation/{memorandum}/edit",
                         content_type="multipart/form-data")
    assert uploaded.status_code == 302

    # A newcomer opens the register and filters it to Germany with the filter form.
    visitor = app.test_client()
    register = text(visitor.get("/cooperation/"))
    assert len(table_titles(register)) == 3
    assert '<option value="DE">Germany</option>' in register
    filtered = visitor.get("/cooperation/", query_string={
        "country": "DE", "partner": "", "kind": "", "status": "", "year": "", "topic": "",
        "q": "", "sort": "year", "dir": "desc"})
    page = text(filtered)
    assert filtered.status_code == 200
    assert table_titles(page) == ["Memorandum with the Bundespolizei",
                                  "+998 hotline for German tourists"]
    assert "2 records" in page and '<option value="DE" selected>Germany</option>' in page

    # Germany's page: the chart and the same records.
    germany = text(visitor.get(link_to(page, "Germany")))
    assert "<h1>Germany</h1>" in germany and "<svg" in germany
    assert "<title>Germany: Interagency 1</title>" in germany
    assert "<title>Germany: Exchanges 1</title>" in germany
    assert "Memorandum with the Bundespolizei" in germany
    assert "Draft protocol" not in germany

    # The memorandum's page: partners, dates, the document and the linked course.
    record_page = text(visitor.get(link_to(page, "Memorandum with the Bundespolizei")))
    assert "Bundespolizei (BPOL)" in record_page
    assert '<time datetime="2024-05-10">May 10, 2024</time>' in record_page
    assert '<time datetime="2029-05-31">May 31, 2029</time>' in record_page
    assert "<strong>community policing</strong>" in record_page
    document = visitor.get(link_to(record_page, "Memorandum BPOL 2024.pdf"))
    assert document.status_code == 200 and document.get_data() == PDF
    document.close()
    course_page = text(visitor.get(link_to(record_page, "Community policing basics")))
    assert f"/courses/{course_slug}" in record_page
    assert "Memorandum with the Bundespolizei" in course_page

    # The filtered table as a spreadsheet.
    export = visitor.get(link_to(page, "CSV (spreadsheet)"))
    assert export.status_code == 200 and export.mimetype == "text/csv"
    header, *rows = csv_rows(export)
    assert header[0] == "Title" and len(rows) == 2
    assert all(len(row) == len(header) for row in rows)
    assert [row[0] for row in rows] == ["Memorandum with the Bundespolizei",
                                        "'+998 hotline for German tourists"]
    assert rows[0][7] == "Germany" and rows[0][6] == "2029-05-31"

    # An editor adds an agreement that expires, through the form.
    editor = app.test_client()
    assert post_form(editor, "/auth/login", {"email": EDITOR, "password": PASSWORD}
                     ).status_code == 302
    form_page = text(editor.get("/cooperation/new"))
    fields = form_on(form_page, "/cooperation/new")
    expires = utcnow().astimezone(ZoneInfo("Asia/Tashkent")).date() + timedelta(days=120)
    fields.update(title=["Agreement with the Police Academy of Lower Saxony"],
                  kind=["interagency"], status=["in_force"], partners=[str(academy)],
                  summary=["Exchange of instructors."], signed_on=["2026-01-15"],
                  ends_on=[expires.isoformat()], remind_days=["30"])
    created = editor.post("/cooperation/new", data=fields)
    assert created.status_code == 302, text(created)

    [reminder] = [m for m in reminders(app, EDITOR) if m.subject.endswith("Lower Saxony")]
    due = datetime.combine(expires - timedelta(days=30), time(9),
                           tzinfo=ZoneInfo("Asia/Tashkent"))
    assert reminder.send_after == due.astimezone(UTC)
    assert reminder.subject.endswith("Agreement with the Police Academy of Lower Saxony")
    assert reminder.sent_at is None

    # Nothing goes out before its day; then the sender mails it, once.
    runner = app.test_cli_runner()
    runner.invoke(args=["mail", "send"])
    assert not _mails_to(app, EDITOR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail, "utcnow", lambda: due.astimezone(UTC) + timedelta(minutes=5))
        assert "sent 2 mails" in runner.invoke(args=["mail", "send"]).output  # both editors
    [sent] = _mails_to(app, EDITOR)
    assert "Agreement with the Police Academy of Lower Saxony" in sent["Subject"]
    assert "/cooperation/" in sent.get_content()


def _mails_to(app, address: str) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "mail"
    found = [email.message_from_bytes(f.read_bytes(), policy=policy.default)
             for f in sorted(folder.glob("*.eml"))] if folder.exists() else []
    return [m for m in found if m["To"] == address]
