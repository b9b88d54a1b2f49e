"""Building blocks for the cooperation register's tests: partners, records published through the
real workflow, the form a browser sends, the outbox.

Every helper takes the app and opens its own app context, and hands back plain values or
detached rows, so tests can mix them freely with requests through the test client.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.content import workflow
from portal.cooperation import services
from portal.cooperation.models import CooperationRecord, Partner
from portal.extensions import db
from portal.mail import OutboxMail
from tests.conftest import make_user

#: The editor who writes (and publishes: editors may publish their own) the test records.
WRITER = "coop-writer@example.uz"

#: A tiny but real PDF (the portal checks a file's first bytes, not its name).
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
       b"%%EOF\n")


def writer_id(app: Flask) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == WRITER))
        if found is not None:
            return int(found)
        return make_user("editor", WRITER, name="Register Keeper").id


def make_partner(app: Flask, name: str, country: str | None = "DE", *, kind: str = "ministry",
                 short_name: str = "", website: str = "") -> int:
    with app.app_context():
        partner = services.create_partner(services.PartnerInput(
            name=name, kind=kind, country=country, short_name=short_name, website=website),
            None)
        db.session.commit()
        return partner.id


def make_record(app: Flask, title: str, partners: list[int], *, state: str = "published",
                kind: str = "interagency", status: str = "in_force", language: str = "en",
                year: int | None = None, signed_on: date | None = None,
                starts_on: date | None = None, ends_on: date | None = None,
                renew_on: date | None = None, remind_days: int = 60,
                courses: tuple[int, ...] = (), webinars: tuple[int, ...] = (),
                topics: tuple[str, ...] = (), summary: str | None = None,
                translation_of: int | None = None) -> int:
    """A record made through the services and moved to *state* through the workflow; its id."""
    author_id = writer_id(app)
    with app.app_context():
        group = None
        if translation_of is not None:
            original = db.session.get(CooperationRecord, translation_of)
            assert original is not None
            group = original.translation_group
        record = services.create_record(services.RecordInput(
            title=title, kind=kind, status=status, language=language,
            summary=summary if summary is not None else f"About {title}.", year=year,
            signed_on=signed_on, starts_on=starts_on, ends_on=ends_on, renew_on=renew_on,
            remind_days=remind_days, partner_ids=tuple(partners), course_ids=courses,
            webinar_ids=webinars, topics=topics), author_id, translation_group=group)
        actor = db.session.get(User, author_id)
        assert actor is not None
        if state in ("review", "published", "archived"):
            workflow.transition(record, "submit", actor)
        if state in ("published", "archived"):
            workflow.transition(record, "publish", actor)
        if state == "archived":
            workflow.transition(record, "archive", actor)
        services.schedule_reminders(record)  # as the workflow view does after every move
        db.session.commit()
        return record.id


def record(app: Flask, record_id: int) -> CooperationRecord:
    """The record as the database has it now (detached, with its links loaded)."""
    with app.app_context():
        found = db.session.get(CooperationRecord, record_id)
        assert found is not None
        db.session.refresh(found)
        _ = (found.partners, found.courses, found.webinars, found.topics)
        db.session.expunge(found)
        return found


def record_id_by_title(app: Flask, title: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(CooperationRecord.id).where(
            CooperationRecord.title == title))
        assert found is not None, title
        return int(found)


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def partner(app: Flask, partner_id: int) -> Partner | None:
    with app.app_context():
        found = db.session.get(Partner, partner_id)
        if found is not None:
            db.session.expunge(found)
        return found


# The outbox -----------------------------------------------------------------------------------

def reminders(app: Flask, to: str | None = None) -> list[OutboxMail]:
    """The cooperation reminders in the outbox (to one address, when given), oldest first."""
    with app.app_context():
        query = select(OutboxMail).where(
            OutboxMail.key.startswith(services.REMINDER_PREFIX)).order_by(OutboxMail.id)
        if to is not None:
            query = query.where(OutboxMail.to_address == to)
        found = list(db.session.scalars(query))
        for mail in found:
            db.session.expunge(mail)
        return found


# Pages ----------------------------------------------------------------------------------------

def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def field_error(page: str, field: str) -> str | None:
    """The error message shown next to the form field *field*, if any."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', page, re.S)
    return found.group(1) if found else None


def table_titles(page: str) -> list[str]:
    """The record titles of the register's table, top to bottom."""
    body = page.split('<table class="table coop-table">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td lang="[a-z]+"><a href="/cooperation/\d+">([^<]*)</a></td>', body)


def csv_rows(response: Any) -> list[list[str]]:
    """The CSV download parsed as a spreadsheet would: UTF-8 with its byte order mark."""
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "no byte order mark: Excel would garble the text"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def record_form(partners: list[int], /, **changes: Any) -> dict[str, Any]:
    """A complete, valid /cooperation/new form."""
    data: dict[str, Any] = {
        "title": "Memorandum with the Federal Police Academy", "kind": "interagency",
        "status": "in_force", "language": "en", "partners": [str(p) for p in partners],
        "summary": "Joint courses on community policing.", "outcomes": "",
        "people_trained": "", "year": "", "signed_on": "2025-03-01", "starts_on": "2025-03-01",
        "ends_on": "", "renew_on": "", "remind_days": "60", "courses": [], "webinars": [],
        "topics": [], "form_key": "coop-form-key-1"}
    data.update(changes)
    return data


def edit_form(app: Flask, record_id: int, **changes: Any) -> dict[str, Any]:
    """The edit form as the page would fill it for the saved record, with *changes*."""
    saved = record(app, record_id)

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    data: dict[str, Any] = {
        "title": saved.title, "kind": saved.kind.value, "status": saved.status.value,
        "language": saved.language, "partners": [str(p.id) for p in saved.partners],
        "summary": saved.summary, "outcomes": saved.outcomes,
        "people_trained": "" if saved.people_trained is None else str(saved.people_trained),
        "year": "" if saved.year is None else str(saved.year),
        "signed_on": day(saved.signed_on), "starts_on": day(saved.starts_on),
        "ends_on": day(saved.ends_on), "renew_on": day(saved.renew_on),
        "remind_days": str(saved.remind_days), "courses": [str(c.id) for c in saved.courses],
        "webinars": [str(w.id) for w in saved.webinars],
        "topics": [t.slug for t in saved.topics], "comment": "",
        "version": str(saved.version)}
    data.update(changes)
    return data


class FormReader(HTMLParser):
    """What a browser would send for the form posting to *action*, as the page shows it
    (every chosen option of a multiple select, only the ticked boxes)."""

    def __init__(self, page: str, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = html.unescape(a.get("action", "")) == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (
                    kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.fields.setdefault(a["name"], []).append(a.get("value", "on"))
        elif tag == "select":
            self._select, self._options = a["name"], []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            if not self._multiple:
                chosen = (chosen or [self._options[0][0]])[:1]
            self.fields[self._select] = chosen
            self._select = None
        elif tag == "textarea" and self._textarea:
            value = "".join(self._text)
            # A browser drops the one line break that follows <textarea>.
            self.fields[self._textarea] = [value.removeprefix("\r\n").removeprefix("\n")]
            self._textarea = None


def form_on(page: str, action: str) -> dict[str, list[str]]:
    fields = FormReader(page, action).fields
    assert fields, f"no form posting to {action} on the page"
    return fields


def make_course(app: Flask, title: str, *, published: bool = True,
                audience: str = "everyone") -> tuple[int, str]:
    """A course (published by a second person, the four-eyes rule); its (id, slug)."""
    from portal.courses import services as courses

    publisher_id = writer_id(app)
    with app.app_context():
        slug_part = "".join(c for c in title.lower() if c.isalnum())[:12]
        author = make_user("trainer", f"course-{slug_part}@example.uz")
        course = courses.create_course(courses.CourseInput(
            title=title, summary=f"About {title}.", audience=audience,
            topics=("international-cooperation",), language="en"), author.id)
        if published:
            publisher = db.session.get(User, publisher_id)
            assert publisher is not None
            workflow.transition(course, "submit", author)
            workflow.transition(course, "publish", publisher)
        db.session.commit()
        return course.id, course.slug
