"""Building blocks for the search tests: content of every type, made through the services and
published through the real workflow; the index and the outbox read back; the search page
read as a person reads it.

Every helper takes the app and opens its own app context (unless its name says otherwise),
and hands back plain values, so tests can mix them freely with requests.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.content import attachments, workflow
from portal.courses import services as courses
from portal.courses.models import Course
from portal.database import utcnow
from portal.extensions import db
from portal.search import index, indexer
from portal.search.outbox import SearchOutbox
from tests.conftest import make_material, make_user
from tests.cooperation.helpers import make_partner, make_record
from tests.webinars.helpers import make_webinar

__all__ = ["make_partner", "make_record", "make_webinar"]

#: The editor who writes and publishes the test courses (editors may publish their own).
COURSE_EDITOR = "course-editor@example.uz"


# Content -------------------------------------------------------------------------------------

def guide(app: Flask, title: str, body: str = "", *, state: str = "published",
          **fields: Any) -> int:
    """A guide moved to *state* through the workflow; its id."""
    with app.app_context():
        if body:
            fields["body"] = body
        return make_material(title, state=state, **fields).id


def guide_slug(app: Flask, guide_id: int) -> str:
    from portal.materials.models import Material

    with app.app_context():
        found = db.session.get(Material, guide_id)
        assert found is not None
        return found.slug


def user_id(app: Flask, role: str, email: str, name: str | None = None) -> int:
    """The user with *email*, made with *role* (and *name*) unless they exist."""
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        if found is not None:
            return int(found)
        return make_user(role, email, name=name or role.title()).id


@dataclass
class MadeCourse:
    id: int
    slug: str
    #: Lesson ids in reading order.
    lessons: list[int] = field(default_factory=list)


def course(app: Flask, title: str, lessons: list[tuple[str, str]] | None = None, *,
           state: str = "published", audience: str = "everyone", language: str = "en",
           summary: str = "", description: str = "", topics: tuple[str, ...] = ("family",),
           module: str = "First part") -> MadeCourse:
    """A course with one module holding *lessons* (title, Markdown body), moved to *state*."""
    editor_id = user_id(app, "editor", COURSE_EDITOR, "Course Editor")
    with app.app_context():
        editor = db.session.get(User, editor_id)
        assert editor is not None
        made = courses.create_course(courses.CourseInput(
            title=title, summary=summary or f"About {title.lower()}.", description=description,
            topics=topics, audience=audience, language=language), editor.id)
        part = courses.add_module(made, module, editor.id)
        lesson_ids = [courses.add_lesson(part, lesson_title, body, 10, editor.id).id
                      for lesson_title, body in lessons or []]
        if state in ("review", "published", "archived"):
            workflow.transition(made, "submit", editor)
        if state in ("published", "archived"):
            workflow.transition(made, "publish", editor)
        if state == "archived":
            workflow.transition(made, "archive", editor)
        db.session.commit()
        return MadeCourse(made.id, made.slug, lesson_ids)


def move(app: Flask, model: type, item_id: int, move_name: str) -> None:
    """Make a workflow move on an item as an administrator, and commit."""
    admin_id = user_id(app, "admin", "search-admin@example.uz", "Search Admin")
    with app.app_context():
        item = db.session.get(model, item_id)
        actor = db.session.get(User, admin_id)
        assert item is not None and actor is not None
        workflow.transition(item, move_name, actor)
        db.session.commit()


def change(app: Flask, model: type, item_id: int, **values: Any) -> None:
    """Set columns of an item through the ORM, and commit (as an edit would)."""
    with app.app_context():
        item = db.session.get(model, item_id)
        assert item is not None
        for name, value in values.items():
            setattr(item, name, value)
        db.session.commit()


def delete(app: Flask, model: type, item_id: int) -> None:
    with app.app_context():
        item = db.session.get(model, item_id)
        assert item is not None
        db.session.delete(item)
        db.session.commit()


def yesterday() -> datetime:
    return utcnow() - timedelta(days=1)


def pdf_with(*lines: str) -> bytes:
    """A real one-page PDF whose text layer holds *lines*."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def attach_pdf(app: Flask, item_type: str, item_id: int, *lines: str,
               name: str = "document.pdf") -> int:
    """Attach a PDF holding *lines* to an item, as an upload would; the attachment's id."""
    with app.app_context(), app.test_request_context():
        upload = FileStorage(io.BytesIO(pdf_with(*lines)), filename=name,
                             content_type="application/pdf")
        attachment = attachments.save_upload(upload, item_type, item_id, None)
        db.session.commit()
        return attachment.id


def course_id_by_slug(app: Flask, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Course.id).where(Course.slug == slug))
        assert found is not None
        return int(found)


# The index and the outbox ---------------------------------------------------------------------

def sync(app: Flask) -> int:
    with app.app_context():
        return indexer.sync_all()


def reindex(app: Flask) -> int:
    with app.app_context():
        return indexer.reindex()


def verify(app: Flask) -> indexer.Difference:
    with app.app_context():
        return indexer.verify()


def indexed(app: Flask) -> dict[str, dict[str, Any]]:
    """Every document in the index (expired ones not yet removed too), by key."""
    with app.app_context(), index.open_index().searcher() as searcher:
        return {fields["key"]: dict(fields) for fields in searcher.all_stored_fields()}


def outbox(app: Flask) -> list[tuple[str, int]]:
    """The outbox rows not applied yet, oldest first: (source, item id)."""
    with app.app_context():
        return [(row.source, row.item_id) for row in db.session.scalars(
            select(SearchOutbox).order_by(SearchOutbox.id))]


def pending(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0)


# The search page ------------------------------------------------------------------------------

@dataclass
class Hit:
    url: str
    title: str
    type: str
    date: str
    language: str
    snippet: str


@dataclass
class Page:
    status: int
    text: str
    hits: list[Hit]
    #: "3 results" as the page says it; None when the page shows no count.
    count: str | None
    #: facet heading id ("type", "topics", ...) -> [(label, count)] as shown.
    facets: dict[str, list[tuple[str, int]]]

    @property
    def titles(self) -> list[str]:
        return [hit.title for hit in self.hits]

    @property
    def urls(self) -> list[str]:
        return [hit.url for hit in self.hits]

    @property
    def total(self) -> int:
        found = re.match(r"(\d+) (?:results?|items?)$", self.count or "")
        return int(found.group(1)) if found else 0

    def facet_link(self, name: str, label: str) -> str:
        """The address a facet value links to."""
        section = self.text.split(f'id="page-facet-{name}"', 1)[1].split("</section>", 1)[0]
        found = re.search(r'<a href="([^"]+)">' + re.escape(html.escape(label)) + "</a>",
                          section)
        assert found, f"no link to {label!r} in the {name} facet"
        return html.unescape(found.group(1))


_HIT = re.compile(
    r'<li lang="(?P<lang>[a-z]+)">\s*<h2 class="result-title"><a href="(?P<url>[^"]*)">'
    r"(?P<title>.*?)</a></h2>\s*<p class=\"meta\"[^>]*><span class=\"tag\">(?P<type>[^<]*)"
    r'</span>\s*<time datetime="(?P<date>[^"]*)">[^<]*</time> · (?P<language>[^<]*?)</p>'
    r'(?:\s*<p class="snippet">(?P<snippet>.*?)</p>)?', re.S)
_FACET = re.compile(r'<section aria-labelledby="page-facet-(?P<name>\w+)">(?P<body>.*?)</section>',
                    re.S)
_FACET_VALUE = re.compile(
    r"<li>(?:<a href=\"[^\"]*\">(?P<a>[^<]*)</a> <span class=\"muted\">\((?P<n>\d+)\)</span>|"
    r"<strong aria-current=\"true\">(?P<s>[^<]*)</strong> \((?P<m>\d+)\))</li>")


def read_page(response: Any) -> Page:
    text = response.get_data(as_text=True)
    hits = [Hit(url=html.unescape(m["url"]), title=html.unescape(m["title"]), type=m["type"],
                date=m["date"], language=m["language"], snippet=m["snippet"] or "")
            for m in _HIT.finditer(text)]
    count = re.search(r'<p role="status">\s*([^<·]*)', text)
    facets = {m["name"]: [(html.unescape(v["a"] or v["s"]), int(v["n"] or v["m"]))
                          for v in _FACET_VALUE.finditer(m["body"])]
              for m in _FACET.finditer(text)}
    return Page(response.status_code, text, hits, count.group(1).strip() if count else None,
                facets)


def search(client: FlaskClient, q: str, **args: Any) -> Page:
    """The search page for *q* (with facet, sort and page arguments)."""
    return read_page(client.get("/search", query_string={"q": q, **args}))


def titles(client: FlaskClient, q: str, **args: Any) -> list[str]:
    page = search(client, q, **args)
    assert page.status == 200, page.text
    return page.titles
