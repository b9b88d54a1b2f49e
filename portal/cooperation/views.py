"""The cooperation register for everyone: the table with its exports, countries, the timeline,
partners, a record's page and the Atom feed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.content import attachments, workflow
from portal.content.actions import visible_or_404
from portal.content.csvfile import csv_response
from portal.content.forms import WorkflowForm
from portal.content.markdown import render
from portal.content.topics import all_topics
from portal.cooperation import chart, countries, services
from portal.cooperation.models import (
    KIND_LABELS,
    KIND_SHORT_LABELS,
    PARTNER_KIND_LABELS,
    STATUS_LABELS,
    CooperationRecord,
    Partner,
    RecordKind,
    RecordStatus,
)
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language
from portal.web import paginate

bp = Blueprint("cooperation", __name__, url_prefix="/cooperation")

#: Longest free-text query the table takes.
MAX_QUERY = 100


def record_of(record_id: int) -> CooperationRecord:
    """The record if the current user may see it; hidden and missing ones answer 404."""
    return visible_or_404(db.session.get(CooperationRecord, record_id), services.can_view)


def _labels() -> dict[str, Any]:
    """Labels the register's templates share, translated once per page (a long list would
    otherwise translate the same lazy string for every row)."""
    def plain(labels: dict[Any, Any]) -> dict[str, str]:
        return {str(key): str(label) for key, label in labels.items()}

    return {"kinds": plain(KIND_LABELS), "short_kinds": plain(KIND_SHORT_LABELS),
            "statuses": plain(STATUS_LABELS), "partner_kinds": plain(PARTNER_KIND_LABELS),
            "country_name": countries.name, "states": workflow.STATE_LABELS,
            "may_manage": services.may_manage(None, current_user)}


# The table ------------------------------------------------------------------------------------


def read_filters() -> tuple[services.Filters, dict[str, str]]:
    """The table's filters from the query string, and a message per argument that makes no
    sense (an unknown country code, a kind that does not exist, ...)."""
    args = request.args
    errors: dict[str, str] = {}
    filters = services.Filters(q=args.get("q", "").strip()[:MAX_QUERY])
    raw_country = args.get("country", "").strip()
    if raw_country:
        filters.country = countries.normalise(raw_country)
        if filters.country is None:
            errors["country"] = _("“%(code)s” is not a country code.", code=raw_country[:10])
    raw_partner = args.get("partner", "").strip()
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
        value = args.get(name, "").strip()
        if value and value not in allowed:
            errors[name] = message
        elif value:
            setattr(filters, name, value)
    raw_year = args.get("year", "").strip()
    if raw_year:
        if raw_year.isdecimal() and 1900 <= int(raw_year[:5]) <= 2100:
            filters.year = int(raw_year)
        else:
            errors["year"] = _("Give a year between 1900 and 2100.")
    sort = args.get("sort", "year")
    filters.sort = sort if sort in services.SORTS else "year"
    filters.descending = args.get("dir", "desc" if filters.sort == "year" else "asc") == "desc"
    return filters, errors


def filter_args(filters: services.Filters) -> dict[str, Any]:
    """The query arguments that give *filters* back (for links: pages, sorting, exports)."""
    found = {"country": filters.country, "partner": filters.partner, "kind": filters.kind,
             "status": filters.status, "year": filters.year, "topic": filters.topic,
             "q": filters.q or None}
    return {name: value for name, value in found.items() if value}


@bp.route("/")
def index() -> ResponseReturnValue:
    filters, errors = read_filters()
    language = current_language()
    if errors:
        page = None
    else:
        page = paginate(services.listing(filters, language),
                        int(current_app.config["COOPERATION_PER_PAGE"]))
    return render_template(
        "cooperation/index.html", page=page, filters=filters, errors=errors,
        args=filter_args(filters), country_choices=_countries_in_use(language),
        partner_choices=[(p.id, p.label) for p in services.partners_in_use(language)],
        year_choices=[(y, y) for y in services.years(language)],
        topic_choices=[(t.slug, t.name) for t in all_topics()],
        **_labels()), 400 if errors else 200


def _countries_in_use(language: str) -> list[tuple[str, str]]:
    return sorted(((code, countries.name(code)) for code in services.countries_in_use(language)),
                  key=lambda item: item[1].casefold())


def _export_rows(filters: services.Filters) -> list[CooperationRecord]:
    return list(db.session.scalars(services.listing(filters, current_language())))


def _bad_filters(errors: dict[str, str]) -> Response:
    return Response(json.dumps({"errors": errors}, ensure_ascii=False), status=400,
                    mimetype="application/json")


@bp.route("/export.csv")
def export_csv() -> ResponseReturnValue:
    filters, errors = read_filters()
    if errors:
        return _bad_filters(errors)
    header = [_("Title"), _("Kind"), _("Status"), _("Year"), _("Signed or acceded"),
              _("Starts"), _("Ends"), _("Countries"), _("Partners"), _("People trained"),
              _("Language"), _("Link to the record")]
    rows = ([r.title, str(KIND_LABELS[r.kind]), str(STATUS_LABELS[r.status]), r.year,
             r.signed_on, r.starts_on, r.ends_on,
             "; ".join(countries.name(c) for c in r.countries),
             "; ".join(p.label for p in r.partners), r.people_trained,
             LANGUAGE_NAMES.get(r.language, r.language), _record_url(r)]
            for r in _export_rows(filters))
    return csv_response(_("cooperation-register") + ".csv", header, rows)


def _record_url(record: CooperationRecord) -> str:
    return url_for(".detail", record_id=record.id, _external=True)


def record_json(record: CooperationRecord) -> dict[str, Any]:
    """A record as plain JSON values (the JSON export; later the API)."""
    return {
        "id": record.id, "url": _record_url(record), "title": record.title,
        "kind": record.kind.value, "kind_label": str(KIND_LABELS[record.kind]),
        "status": record.status.value, "status_label": str(STATUS_LABELS[record.status]),
        "year": record.year, "language": record.language,
        "signed_on": _day(record.signed_on), "starts_on": _day(record.starts_on),
        "ends_on": _day(record.ends_on), "renew_on": _day(record.renew_on),
        "people_trained": record.people_trained, "summary": record.summary,
        "outcomes": record.outcomes,
        "partners": [{"id": p.id, "name": p.name, "short_name": p.short_name,
                      "kind": p.kind.value, "country": p.country,
                      "country_name": countries.name(p.country) if p.country else None,
                      "website": p.website or None} for p in record.partners],
        "topics": [t.slug for t in record.topics],
        "published_at": record.published_at.isoformat() if record.published_at else None,
    }


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


@bp.route("/export.json")
def export_json() -> ResponseReturnValue:
    filters, errors = read_filters()
    if errors:
        return _bad_filters(errors)
    records = [record_json(r) for r in _export_rows(filters)]
    body = {"filters": filter_args(filters), "count": len(records), "records": records}
    return Response(json.dumps(body, ensure_ascii=False, indent=1),
                    mimetype="application/json",
                    headers={"Content-Disposition":
                             'attachment; filename="cooperation-register.json"'})


# Countries, timeline, partners ----------------------------------------------------------------


@bp.route("/countries")
def by_country() -> ResponseReturnValue:
    rows = services.by_country(current_language())
    shown = [k.value for k in RecordKind if any(row.counts[k.value] for row in rows)]
    return render_template("cooperation/countries.html", rows=rows, shown_kinds=shown,
                           chart=chart.stacked(rows, shown),
                           **_labels())


@bp.route("/countries/<code>")
def country(code: str) -> ResponseReturnValue:
    normal = countries.normalise(code)
    if normal is None:
        abort(404)
    if normal != code:
        return Response(status=301, headers={"Location": url_for(".country", code=normal)})
    filters = services.Filters(country=normal)
    language = current_language()
    records = services.brief(services.listing(filters, language))
    counts = services.kind_counts(filters, language)
    row = services.CountryRow(normal, counts)
    shown = [k.value for k in RecordKind if counts[k.value]]
    partners = [p for p in services.partners_in_use(language) if p.country == normal]
    return render_template("cooperation/country.html", code=normal, records=records, row=row,
                           shown_kinds=shown, partners=partners,
                           chart=chart.stacked([row], shown),
                           **_labels())


@bp.route("/timeline")
def timeline() -> ResponseReturnValue:
    return render_template("cooperation/timeline.html",
                           groups=services.timeline(current_language()), **_labels())


@bp.route("/partners/")
def partners() -> ResponseReturnValue:
    """Partners with published records; organisers see every partner, with edit links."""
    language = current_language()
    manage = services.may_manage(None, current_user)
    listed = services.all_partners() if manage else services.partners_in_use(language)
    return render_template("cooperation/partners.html", partners=listed, manage=manage,
                           counts=services.record_counts(language), **_labels())


@bp.route("/partners/<id:partner_id>")
def partner(partner_id: int) -> ResponseReturnValue:
    found = db.session.get(Partner, partner_id)
    if found is None:
        abort(404)
    language = current_language()
    records = services.brief(services.listing(services.Filters(partner=found.id), language))
    if not records and not services.may_manage(None, current_user):
        abort(404)  # a partner with nothing published is not public yet
    return render_template("cooperation/partner.html", partner=found, records=records,
                           **_labels())


# A record --------------------------------------------------------------------------------------


@bp.route("/<id:record_id>")
def detail(record_id: int) -> ResponseReturnValue:
    record = record_of(record_id)
    return render_template(
        "cooperation/detail.html", record=record,
        summary=render(record.summary).html, outcomes=render(record.outcomes).html,
        translations=services.translations(record, current_user),
        documents=attachments.for_item("cooperation", record.id),
        courses=services.visible_courses(record, current_user),
        webinars=services.visible_webinars(record, current_user),
        moves=workflow.available_moves(record, current_user),
        can_edit=workflow.can_edit(record, current_user),
        manage=services.may_manage(record, current_user),
        workflow_form=WorkflowForm(), language_names=LANGUAGE_NAMES, **_labels())


@bp.route("/feed.atom")
def feed() -> ResponseReturnValue:
    language = request.args.get("language")
    items = services.latest(prefer_language=language if language in LANGUAGE_NAMES else None)
    updated = max((r.updated_at for r in items), default=datetime(2026, 1, 1, tzinfo=UTC))
    xml = render_template("cooperation/feed.xml", items=items, updated=updated, **_labels())
    return Response(xml, mimetype="application/atom+xml")


def linked_section(item_type: str, item_id: int) -> str:
    """The published records that link to a course or a webinar, for that item's page."""
    if item_type not in {"course", "webinar"}:
        return ""
    records = services.linked_to(item_type, item_id, current_language())
    if not records:
        return ""
    return render_template("cooperation/_linked.html", records=records, **_labels())


def sitemap_urls() -> Iterable[str]:
    return [url_for("cooperation.detail", record_id=record_id, _external=True)
            for record_id in services.public_ids()] + [
        url_for("cooperation.index", _external=True),
        url_for("cooperation.by_country", _external=True),
        url_for("cooperation.timeline", _external=True)]
