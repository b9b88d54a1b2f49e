"""The search page and the archive of everything published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from whoosh import query as wq
from whoosh.sorting import FieldFacet

from portal.content.topics import all_topics
from portal.i18n import LANGUAGE_NAMES
from portal.search import index, query
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


def _narrowing() -> dict[str, str]:
    """The facet values chosen in the query string, those that make sense."""
    narrow = {}
    for name, value in (("type", request.args.get("type", "")),
                        ("topics", request.args.get("topic", "")),
                        ("language", request.args.get("language", "")),
                        ("year", request.args.get("year", ""))):
        value = value.strip()[:40]
        if value:
            narrow[name] = value
    return narrow


def _labels() -> dict[str, Any]:
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


@bp.route("/search")
def search() -> ResponseReturnValue:
    text = request.args.get("q", "")
    parsed = query.parse(text)
    sort = "date" if request.args.get("sort") == "date" else "relevance"
    narrow = _narrowing()
    results = None
    suggestion = None
    if not parsed.empty:
        with index.open_index().searcher() as searcher:
            results = query.run(searcher, parsed, may_see_restricted=may_see_restricted(),
                                narrow=narrow, sort=sort, page=page_number(),
                                per_page=PER_PAGE, index_folder=str(index.folder()))
            if results.total < 3:
                suggestion = query.suggest(searcher, parsed)
    return render_template("search/results.html", q=text[:query.MAX_QUERY], parsed=parsed,
                           results=results, suggestion=suggestion, sort=sort,
                           narrow=narrow, link_with=_links(text, sort, narrow), **_labels())


@bp.route("/archive/")
@bp.route("/archive/<int:year>")
@bp.route("/archive/<int:year>/<int:month>")
def archive(year: int | None = None, month: int | None = None) -> ResponseReturnValue:
    """Everything published, latest first, by year and month and by type."""
    if year is not None and not 1900 <= year <= 2100 or month is not None and not 1 <= month <= 12:
        abort(404)
    conditions: list[wq.Query] = []
    if month is not None:
        conditions.append(wq.Term("month", f"{year:04d}-{month:02d}"))
    elif year is not None:
        conditions.append(wq.Term("year", str(year)))
    kind = request.args.get("type", "").strip()[:40]
    if kind:
        conditions.append(wq.Term("type", kind))
    conditions.extend(query.visibility(may_see_restricted()))
    page = page_number()
    with index.open_index().searcher() as searcher:
        found = searcher.search(wq.And([wq.Every(), *conditions]) if conditions else wq.Every(),
                                limit=page * PER_PAGE, sortedby="date", reverse=True,
                                groupedby={name: FieldFacet(name)
                                           for name in ("year", "month", "type")})
        total = len(found)
        entries = [dict(hit.fields()) for hit in found[(page - 1) * PER_PAGE: page * PER_PAGE]]
        counts = {name: sorted(((str(value), len(docs)) for value, docs
                                in found.groups(name).items() if value), reverse=True)
                  for name in ("year", "month", "type")}
    return render_template("search/archive.html", entries=entries, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), counts=counts, year=year,
                           month=month, kind=kind, **_labels())
