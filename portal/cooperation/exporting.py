"""The register's filters read from a query string, and its exports (CSV rows, JSON records):
shared by the register's pages and the JSON API, so both list the same records the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from portal.content.topics import all_topics
from portal.cooperation import countries, services
from portal.cooperation.models import (
    KIND_LABELS,
    STATUS_LABELS,
    CooperationRecord,
    Partner,
    RecordKind,
    RecordStatus,
)
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language

#: Longest free-text query the table takes.
MAX_QUERY = 100


def read_filters(args: Mapping[str, str]) -> tuple[services.Filters, dict[str, str]]:
    """The table's filters from query arguments, and a message per argument that makes no
    sense (an unknown country code, a kind that does not exist, ...)."""
    errors: dict[str, str] = {}
    filters = services.Filters(q=(args.get("q") or "").strip()[:MAX_QUERY])
    raw_country = (args.get("country") or "").strip()
    if raw_country:
        filters.country = countries.normalise(raw_country)
        if filters.country is None:
            errors["country"] = _("“%(code)s” is not a country code.", code=raw_country[:10])
    raw_partner = (args.get("partner") or "").strip()
    if raw_partner:
        partner_id = int(raw_partner) if raw_partner.isdecimal() and len(raw_partner) < 10 \
            else None
        if partner_id is None or db.session.get(Partner, partner_id) is None:
            errors["partner"] = _("There is no such partner.")
        else:
            filters.partner = partner_id
    for name, allowed, message in (
            ("kind", {k.value for k in RecordKind}, _("There is no such kind of record.")),
            ("status", {s.value for s in RecordStatus}, _("There is no such status.")),
            ("topic", {t.slug for t in all_topics()}, _("There is no such topic."))):
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            errors[name] = message
        elif value:
            setattr(filters, name, value)
    raw_year = (args.get("year") or "").strip()
    if raw_year:
        if raw_year.isdecimal() and 1900 <= int(raw_year[:5]) <= 2100:
            filters.year = int(raw_year)
        else:
            errors["year"] = _("Give a year between 1900 and 2100.")
    sort = args.get("sort") or "year"
    filters.sort = sort if sort in services.SORTS else "year"
    filters.descending = (args.get("dir") or ("desc" if filters.sort == "year" else "asc")
                          ) == "desc"
    return filters, errors


def filter_args(filters: services.Filters) -> dict[str, Any]:
    """The query arguments that give *filters* back (for links: pages, sorting, exports)."""
    found = {"country": filters.country, "partner": filters.partner, "kind": filters.kind,
             "status": filters.status, "year": filters.year, "topic": filters.topic,
             "q": filters.q or None}
    return {name: value for name, value in found.items() if value}


def export_rows(filters: services.Filters) -> list[CooperationRecord]:
    """Every record the exports list for *filters* (no pages), in the table's order."""
    return list(db.session.scalars(services.listing(filters, current_language())))


def record_url(record: CooperationRecord) -> str:
    # The full endpoint name: this also runs in requests of other blueprints (the API).
    return url_for("cooperation.detail", record_id=record.id, _external=True)


def csv_header() -> list[str]:
    return [_("Title"), _("Kind"), _("Status"), _("Year"), _("Signed or acceded"),
            _("Starts"), _("Ends"), _("Countries"), _("Partners"), _("People trained"),
            _("Language"), _("Link to the record")]


def csv_row(r: CooperationRecord) -> list[Any]:
    return [r.title, str(KIND_LABELS[r.kind]), str(STATUS_LABELS[r.status]), r.year,
            r.signed_on, r.starts_on, r.ends_on,
            "; ".join(countries.name(c) for c in r.countries),
            "; ".join(p.label for p in r.partners), r.people_trained,
            LANGUAGE_NAMES.get(r.language, r.language), record_url(r)]


def partner_json(p: Partner) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "short_name": p.short_name, "kind": p.kind.value,
            "country": p.country,
            "country_name": countries.name(p.country) if p.country else None,
            "website": p.website or None}


def record_json(record: CooperationRecord) -> dict[str, Any]:
    """A record as plain JSON values (the JSON export and the API)."""
    return {
        "id": record.id, "url": record_url(record), "title": record.title,
        "kind": record.kind.value, "kind_label": str(KIND_LABELS[record.kind]),
        "status": record.status.value, "status_label": str(STATUS_LABELS[record.status]),
        "year": record.year, "language": record.language,
        "signed_on": _day(record.signed_on), "starts_on": _day(record.starts_on),
        "ends_on": _day(record.ends_on), "renew_on": _day(record.renew_on),
        "people_trained": record.people_trained, "summary": record.summary,
        "outcomes": record.outcomes,
        "partners": [partner_json(p) for p in record.partners],
        "topics": [t.slug for t in record.topics],
        "published_at": record.published_at.isoformat() if record.published_at else None,
    }


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None
