"""Demo content for the international cooperation register, from
``cooperation_files/cooperation.toml``: partners, and records in English and Uzbek that share a
translation group, published by the demo editor.

A record may link demo courses and webinars (found by the form keys their loaders give them) and
may carry a one-page summary sheet, a PDF made here at load time and stored like an upload.
Loading is idempotent: a record's form key marks it as loaded, a partner is found by its name.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from babel.dates import format_date
from fpdf import FPDF
from werkzeug.datastructures import FileStorage

from portal.accounts.models import User
from portal.content import attachments, formkeys, workflow
from portal.cooperation import services
from portal.cooperation.models import CooperationRecord, Partner
from portal.courses.models import Course
from portal.demo.keys import cooperation_key, course_key, webinar_key
from portal.webinars.models import Webinar

LANGUAGES = ("en", "uz")

#: The words of the summary sheet, per language.
SHEET_WORDS = {
    "en": {
        "heading": "Huquq Portal · International cooperation register",
        "partners": "Partners", "year": "Year", "signed": "Signed", "outcomes": "Outcomes",
        "note": "Summary sheet prepared for the portal's demonstration content. It is not the "
                "official text of the document.",
    },
    "uz": {
        "heading": "Huquq portali · Xalqaro hamkorlik reestri",
        "partners": "Hamkorlar", "year": "Yil", "signed": "Imzolangan", "outcomes": "Natijalar",
        "note": "Portalning namoyish materiallari uchun tayyorlangan qisqacha maʼlumot "
                "varaqasi. U hujjatning rasmiy matni emas.",
    },
}

_FONT_FAMILY = "DejaVu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


def read_cooperation() -> dict[str, list[dict[str, Any]]]:
    """The file's partners and records, as tomllib reads them."""
    folder = resources.files("portal.demo").joinpath("cooperation_files")
    data = tomllib.loads(folder.joinpath("cooperation.toml").read_text("utf-8"))
    return {"partner": list(data["partner"]), "record": list(data["record"])}


def _course(key: str, language: str) -> Course:
    course = formkeys.already_created(Course, course_key(key, language))
    if course is None:
        raise LookupError(f"demo course {key}.{language} is not loaded")
    return course  # type: ignore[no-any-return]


def _webinar(key: str) -> Webinar:
    webinar = formkeys.already_created(Webinar, webinar_key(key))
    if webinar is None:
        raise LookupError(f"demo webinar {key} is not loaded")
    return webinar  # type: ignore[no-any-return]


def load_partners(entries: list[dict[str, Any]], actor_id: int) -> dict[str, Partner]:
    """The file's partners by key: found by name and country, created when missing."""
    found = {}
    for entry in entries:
        country = entry.get("country") or None
        partner = services.partner_by_name(entry["name"], country)
        if partner is None:
            partner = services.create_partner(services.PartnerInput(
                name=entry["name"], kind=entry["kind"], country=country,
                short_name=entry.get("short_name", ""), website=entry.get("website", "")),
                actor_id)
        found[entry["key"]] = partner
    return found


def load_cooperation(editor: User) -> int:
    """Create and publish the demo records not loaded yet; returns how many were created.

    Needs the demo courses and webinars the records link to (load them first).
    """
    data = read_cooperation()
    partners = load_partners(data["partner"], editor.id)
    added = 0
    for entry in data["record"]:
        group: str | None = None
        for language in LANGUAGES:
            key = cooperation_key(entry["key"], language)
            existing = formkeys.already_created(CooperationRecord, key)
            if existing is not None:
                group = existing.translation_group
                continue
            record = services.create_record(_record_input(entry, language, partners), editor.id,
                                            form_key=key, translation_group=group)
            group = record.translation_group
            workflow.transition(record, "submit", editor)
            workflow.transition(record, "publish", editor, "demo content")
            if entry.get("document"):
                _attach_sheet(record, entry["key"], editor.id)
            added += 1
    return added


def _record_input(entry: dict[str, Any], language: str,
                  partners: dict[str, Partner]) -> services.RecordInput:
    text = entry[language]
    signed = entry.get("signed_on")
    return services.RecordInput(
        title=text["title"], kind=entry["kind"], status=entry["status"], language=language,
        summary=text["summary"], outcomes=text.get("outcomes", ""), year=entry.get("year"),
        signed_on=signed if isinstance(signed, date) else None,
        partner_ids=tuple(partners[p].id for p in entry["partners"]),
        course_ids=tuple(_course(c, language).id for c in entry.get("courses", [])),
        webinar_ids=tuple(_webinar(w).id for w in entry.get("webinars", [])),
        topics=tuple(entry["topics"]))


def _attach_sheet(record: CooperationRecord, key: str, actor_id: int) -> None:
    upload = FileStorage(stream=io.BytesIO(summary_sheet(record)),
                         filename=f"{key}-{record.language}.pdf", content_type="application/pdf")
    attachments.save_upload(upload, "cooperation", record.id, actor_id)


# The summary sheet --------------------------------------------------------------------------


@contextmanager
def _font_paths() -> Iterator[dict[str, Path]]:
    """The vendored DejaVu Sans files as real paths (they carry oʻ, gʻ and ʼ)."""
    folder = resources.files("portal.data").joinpath("fonts")
    with ExitStack() as stack:
        yield {style: stack.enter_context(resources.as_file(folder.joinpath(name)))
               for style, name in _FONT_FILES.items()}


def summary_sheet(record: CooperationRecord) -> bytes:
    """One A4 page: the register's heading, the record's title, facts, summary and outcomes."""
    words = SHEET_WORDS.get(record.language, SHEET_WORDS["en"])
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(record.title)
    pdf.set_lang(record.language)
    with _font_paths() as fonts:
        for style, path in fonts.items():
            pdf.add_font(_FONT_FAMILY, style, str(path))
        pdf.add_page()
        pdf.set_text_color(31, 58, 95)
        pdf.set_font(_FONT_FAMILY, "", 9)
        pdf.cell(0, 6, words["heading"], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font(_FONT_FAMILY, "B", 15)
        pdf.multi_cell(0, 7, record.title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_text_color(34, 34, 34)
        pdf.set_font(_FONT_FAMILY, "", 10)
        facts = [f"{words['partners']}: {', '.join(p.label for p in record.partners)}"]
        if record.signed_on:
            day = format_date(record.signed_on, "long", locale=record.language)
            facts.append(f"{words['signed']}: {day}")
        elif record.year:
            facts.append(f"{words['year']}: {record.year}")
        for line in facts:
            pdf.multi_cell(0, 5.5, line, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font(_FONT_FAMILY, "", 11)
        for paragraph in record.summary.split("\n\n"):
            pdf.multi_cell(0, 6, " ".join(paragraph.split()), align="L", new_x="LMARGIN",
                           new_y="NEXT")
            pdf.ln(2)
        if record.outcomes:
            pdf.set_font(_FONT_FAMILY, "B", 11)
            pdf.cell(0, 7, words["outcomes"], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(_FONT_FAMILY, "", 11)
            pdf.multi_cell(0, 6, " ".join(record.outcomes.split()), align="L",
                           new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_text_color(96, 96, 96)
        pdf.set_font(_FONT_FAMILY, "", 8)
        pdf.multi_cell(0, 4.5, words["note"], align="L", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
