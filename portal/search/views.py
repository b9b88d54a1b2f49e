"""The search page and the archive of everything published."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.content.topics import all_topics
from portal.i18n import LANGUAGE_NAMES
from portal.search import engine, query
from portal.web import page_number

bp = Blueprint("search", __name__)

#: Labels of the document types, for results and facets.
TYPE_LABELS = {
    "material": _l("Guide"),
    "course": _l("Course"),
    "lesson": _l("Lesson"),
    "webinar": _l("Webinar"),
    "cooperation": _l("Cooperation record"),
    "partner": _l("Cooperation partner"),
}

PER_PAGE = 10


def may_see_restricted() -> bool:
    """Users who may see what is meant for inspectors only (a guide, a course, a webinar)."""
    return bool(current_user.is_authenticated and any(
        current_user.can(f"{kind}.view_restricted")
        for kind in ("material", "course", "webinar")))


def narrowing(args: Mapping[str, str | None]) -> dict[str, str]:
    """The facet values chosen in *args* (``type``, ``topic``, ``language``, ``year``, as the
    page's query string names them), those that make sense, by the index's field names. The
    search page and the API's search both read them here."""
    narrow = {}
    for name, arg in (("type", "type"), ("topics", "topic"), ("language", "language"),
                      ("year", "year")):
        value = (args.get(arg) or "").strip()[:40]
        if value:
            narrow[name] = value
    return narrow


def labels() -> dict[str, Any]:
    """What results and facets show for stored values: type labels, language names and topic
    names (in the request's language)."""
    return {"type_labels": TYPE_LABELS, "language_names": LANGUAGE_NAMES,
            "topic_names": {t.slug: t.name for t in all_topics()}}


def _links(text: str, sort: str, narrow: dict[str, str]) -> Callable[..., str]:
    """``link_with(**changes)``: this search's address with some arguments changed."""
    current = {"q": text, "sort": "date" if sort == "date" else None,
               "type": narrow.get("type"), "topic": narrow.get("topics"),
               "language": narrow.get("language"), "year": narrow.get("year")}

    def link_with(**changes: Any) -> str:
        args = {**current, **changes}
        return url_for("search.search", **{k: v for k, v in args.items() if v})
    return link_with


def find(parsed: query.Parsed, narrow: dict[str, str], sort: str, page: int,
         per_page: int) -> tuple[query.Results | None, str | None]:
    """One page of results for what the current user may see (None for an empty query), and
    a "did you mean" when there are fewer than three: for the search page and the API."""
    if parsed.empty:
        return None, None
    restricted = may_see_restricted()
    with engine.snapshot() as snap:
        results = query.run(snap, parsed, may_see_restricted=restricted, narrow=narrow,
                            sort=sort, page=page, per_page=per_page)
        suggestion = query.suggest(snap, parsed, restricted) if results.total < 3 else None
    return results, suggestion


@bp.route("/search")
def search() -> ResponseReturnValue:
    text = request.args.get("q", "")
    parsed = query.parse(text)
    sort = "date" if request.args.get("sort") == "date" else "relevance"
    narrow = narrowing(request.args)
    results, suggestion = find(parsed, narrow, sort, page_number(), PER_PAGE)
    return render_template("search/results.html", q=text[:query.MAX_QUERY], parsed=parsed,
                           results=results, suggestion=suggestion, sort=sort,
                           narrow=narrow, link_with=_links(text, sort, narrow), **labels())


@bp.route("/archive/")
@bp.route("/archive/<int:year>")
@bp.route("/archive/<int:year>/<int:month>")
def archive(year: int | None = None, month: int | None = None) -> ResponseReturnValue:
    """Everything published, latest first, by year and month and by type."""
    if year is not None and not 1900 <= year <= 2100 or month is not None and not 1 <= month <= 12:
        abort(404)
    kind = request.args.get("type", "").strip()[:40]
    page = page_number()
    with engine.snapshot() as snap:
        shown = query.visible(snap, may_see_restricted())
        if month is not None:
            shown &= snap.value_mask("month", f"{year:04d}-{month:02d}")
        elif year is not None:
            shown &= snap.value_mask("year", str(year))
        if kind:
            shown &= snap.value_mask("type", kind)
        total = int(shown.sum())
        entries = [dict(snap.searcher.stored_fields(docnum))
                   for docnum in snap.top(shown, None, page * PER_PAGE)[(page - 1) * PER_PAGE:]]
        counts = {name: sorted(snap.counts(name, shown), reverse=True)
                  for name in ("year", "month", "type")}
    return render_template("search/archive.html", entries=entries, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), counts=counts, year=year,
                           month=month, kind=kind, **labels())
