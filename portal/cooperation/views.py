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
from portal.cooperation import chart, countries, exporting, services
from portal.cooperation.exporting import filter_args
from portal.cooperation.models import (
    KIND_LABELS,
    KIND_SHORT_LABELS,
    PARTNER_KIND_LABELS,
    STATUS_LABELS,
    CooperationRecord,
    Partner,
    RecordKind,
)
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language
from portal.web import paginate

bp = Blueprint("cooperation", __name__, url_prefix="/cooperation")

#: Longest free-text query the table takes.
MAX_QUERY = exporting.MAX_QUERY


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
    """The table's filters from this request's query string (see :mod:`.exporting`)."""
    return exporting.read_filters(request.args)


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


def _bad_filters(errors: dict[str, str]) -> Response:
    return Response(json.dumps({"errors": errors}, ensure_ascii=False), status=400,
                    mimetype="application/json")


@bp.route("/export.csv")
def export_csv() -> ResponseReturnValue:
    filters, errors = read_filters()
    if errors:
        return _bad_filters(errors)
    rows = (exporting.csv_row(r) for r in exporting.export_rows(filters))
    return csv_response(_("cooperation-register") + ".csv", exporting.csv_header(), rows)


@bp.route("/export.json")
def export_json() -> ResponseReturnValue:
    filters, errors = read_filters()
    if errors:
        return _bad_filters(errors)
    records = [exporting.record_json(r) for r in exporting.export_rows(filters)]
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
