"""Read endpoints for published content: guides, topics, courses, webinars, the cooperation
register and search. Each reads through its domain's own helpers (the same queries as the
pages), as the anonymous public or, with a token, as the token's owner."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import abort, g, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false, func, select

from portal.api import schemas as s
from portal.api.registry import Api, Reply, page_of, page_slice, paginate
from portal.content.markdown import reading_minutes, render
from portal.content.topics import all_topics
from portal.cooperation import exporting
from portal.cooperation import services as cooperation
from portal.courses import services as courses
from portal.courses.models import Course
from portal.database import utcnow
from portal.extensions import db
from portal.materials import services as materials
from portal.materials.models import Audience, Material
from portal.webinars import services as webinars

#: A slug as the portal makes them; anything else names nothing (and never reaches SQL).
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
SLUG_PARAM = {"type": "string", "pattern": SLUG.pattern, "maxLength": 120}


def last_change(model: Any) -> datetime | None:
    """When anything a listing of *model* shows last changed: the latest save of any row
    (publishing, withdrawing and archiving save the row too), or the latest expiry that has
    passed (an expired item leaves listings without a save)."""
    saved = db.session.scalar(select(func.max(model.updated_at)))
    expired = None
    if hasattr(model, "expires_at"):
        expired = db.session.scalar(select(func.max(model.expires_at)).where(
            model.expires_at <= utcnow()))
    moments = [m for m in (saved, expired) if m is not None]
    return max(moments) if moments else None


def register(api: Api) -> None:
    # Topics ---------------------------------------------------------------------------------

    @api.operation("/topics", summary=_l("The shared topics"), tag="content",
                   query=s.PageQuery, response=s.TopicList)
    def topics(query: s.PageQuery) -> s.TopicList:
        found = all_topics()
        items = [s.TopicOut(slug=t.slug, name=t.name) for t in page_slice(found, query)]
        return s.TopicList(**page_of(items, len(found), query))

    # Guides ---------------------------------------------------------------------------------

    def guide_summary(m: Material) -> dict[str, Any]:
        return {"slug": m.slug, "title": m.title, "summary": m.summary,
                "language": m.language, "audience": m.audience.value,
                "topics": [t.slug for t in m.topics], "published_at": m.published_at,
                "updated_at": m.updated_at,
                "url": url_for("materials.detail", slug=m.slug, _external=True),
                "api_url": url_for("api.guide", slug=m.slug, _external=True)}

    @api.operation("/guides", summary=_l("Published guides"), tag="content",
                   description=_l("Newest first. A guide translated into several languages "
                                  "is listed once, in the asked language when it has it."),
                   query=s.GuideQuery, response=s.GuideList)
    def guides(query: s.GuideQuery) -> Reply:
        # A topic that does not exist matches nothing, as on the guides' page.
        select_ = materials.listing(
            current_user, topic=query.topic, language=query.language,
            audience=query.audience.value if query.audience else None,
            prefer_language=g.api_language)
        page = paginate(select_, query)
        items = [s.GuideSummary(**guide_summary(m)) for m in page.items]
        # Only guides' own rows make the listing (its translations are guides too).
        return Reply(s.GuideList(**page_of(items, page.total or 0, query)),
                     last_modified=last_change(Material))

    @api.operation("/guides/<slug>", summary=_l("One published guide"), tag="content",
                   description=_l("With its Markdown and its text rendered to safe HTML."),
                   query=s.LangQuery, response=s.Guide,
                   path_params={"slug": SLUG_PARAM})
    def guide(slug: str, query: s.LangQuery) -> Reply:
        found = materials.by_slug(slug) if SLUG.match(slug) else None
        # Live guides only, as the listing has them: a manager's view of drafts stays on the
        # portal's pages.
        if found is None or not found.is_live or (
                found.audience == Audience.inspectors
                and not materials.may_see_restricted(current_user)):
            abort(404)
        translations = [
            s.Translation(language=t.language, slug=t.slug,
                          api_url=url_for("api.guide", slug=t.slug, _external=True))
            for t in materials.translations(found, current_user) if t.is_live]
        body = s.Guide(**guide_summary(found), body_markdown=found.body,
                       body_html=str(render(found.body).html),
                       legal_references=found.references, reviewed_on=found.reviewed_on,
                       expires_at=found.expires_at, reading_minutes=reading_minutes(found.body),
                       translations=translations)
        # No Last-Modified: the translations are other rows, saved (or expiring) apart from
        # this one. The ETag, made from the body, sees them.
        return Reply(body)

    # Courses --------------------------------------------------------------------------------

    @api.operation("/courses", summary=_l("The course catalogue"), tag="content",
                   query=s.PageQuery, response=s.CourseList)
    def course_list(query: s.PageQuery) -> Reply:
        page = paginate(courses.listing(current_user), query)
        items = [s.CourseOut(
            slug=c.slug, title=c.title, summary=c.summary, language=c.language,
            audience=c.audience.value, topics=[t.slug for t in c.topics],
            credit_hours=float(c.credit_hours),
            certificate_valid_months=c.certificate_valid_months,
            published_at=c.published_at,
            url=url_for("courses.detail", slug=c.slug, _external=True)) for c in page.items]
        return Reply(s.CourseList(**page_of(items, page.total or 0, query)),
                     last_modified=last_change(Course))

    # Webinars -------------------------------------------------------------------------------

    @api.operation("/webinars", summary=_l("Upcoming and past webinars"), tag="content",
                   query=s.WebinarQuery, response=s.WebinarList)
    def webinar_list(query: s.WebinarQuery) -> s.WebinarList:
        finder = webinars.upcoming if query.when == "upcoming" else webinars.past
        page = paginate(finder(current_user, topic=query.topic, language=query.language),
                        query)
        items = [s.WebinarOut(
            id=w.id, title=w.title, summary=w.summary,
            speakers=[line for line in w.speakers.splitlines() if line.strip()],
            language=w.language, audience=w.audience.value,
            topics=[t.slug for t in w.topics], starts_at=w.starts_at,
            duration_minutes=w.duration_minutes, capacity=w.capacity,
            seats_taken=w.seats_taken, registration=w.registration_state(),
            credit_hours=float(w.credit_hours), recording_url=w.recording_url or None,
            url=url_for("webinars.detail", webinar_id=w.id, _external=True))
            for w in page.items]
        # No Last-Modified: registrations change the seats without saving the webinar, and
        # the clock moves webinars from upcoming to past. The ETag sees both.
        return s.WebinarList(**page_of(items, page.total or 0, query))

    # Cooperation ----------------------------------------------------------------------------

    @api.operation("/cooperation/records", summary=_l("The international cooperation "
                                                         "register"), tag="content",
                   description=_l("Published records with the register's filters; one per "
                                  "translation, in the asked language when it has it."),
                   query=s.CooperationQuery, response=s.CooperationList)
    def cooperation_records(query: s.CooperationQuery) -> s.CooperationList:
        return cooperation_page(query)

    @api.operation("/cooperation/partners", summary=_l("Partners named by published "
                                                          "records"), tag="content",
                   query=s.PageQuery, response=s.PartnerList)
    def cooperation_partners(query: s.PageQuery) -> s.PartnerList:
        found = cooperation.partners_in_use(g.api_language)
        counts = cooperation.record_counts(g.api_language)
        items = [s.PartnerWithCount(**exporting.partner_json(p), records=counts.get(p.id, 0))
                 for p in page_slice(found, query)]
        # No Last-Modified: partners and the records naming them change apart.
        return s.PartnerList(**page_of(items, len(found), query))

    # Search ---------------------------------------------------------------------------------

    @api.operation("/search", summary=_l("Search everything published"), tag="content",
                   description=_l("The search page's query language and facets: words, "
                                  "\"quoted phrases\", -excluded words; narrowed by type, "
                                  "topic, language and year."),
                   query=s.SearchQuery, response=s.SearchResults)
    def search(query: s.SearchQuery) -> s.SearchResults:
        from portal.search import query as searching
        from portal.search.views import TYPE_LABELS, find, labels, narrowing

        parsed = searching.parse(query.q)
        narrow = narrowing(query.model_dump(include={"type", "topic", "language", "year"}))
        hits: list[s.Hit] = []
        total, facets = 0, {}
        results, suggestion = find(parsed, narrow, query.sort, query.page, query.per_page)
        if results is not None:
            total = results.total
            hits = [s.Hit(key=h.key, type=h.type, type_label=str(TYPE_LABELS.get(h.type, h.type)),
                          title=h.title, url=h.url, language=h.language, date=h.date,
                          summary=h.summary, snippet_html=h.snippet) for h in results.hits]
            names = labels()
            by_facet = {"type": names["type_labels"], "topics": names["topic_names"],
                        "language": names["language_names"]}
            facets = {name: [s.FacetValue(value=v, count=n,
                                          label=str(by_facet.get(name, {}).get(v, v)))
                             for v, n in pairs] for name, pairs in results.facets.items()}
        return s.SearchResults(**page_of(hits, total, query), facets=facets,
                               suggestion=suggestion)


def cooperation_page(query: s.CooperationQuery) -> s.CooperationList:
    """A page of the register's published records: the public listing and the staff export
    are the same rows. No Last-Modified: a record shows its partners, saved apart from it."""
    page = paginate(cooperation_listing(query), query)
    items = [s.CooperationRecordOut.model_validate(exporting.record_json(r))
             for r in page.items]
    return s.CooperationList(**page_of(items, page.total or 0, query))


def cooperation_listing(query: s.CooperationQuery) -> Any:
    """The register's records for the query's filters, read by the register's own reader. A
    filter naming nothing (a country without records, a partner that does not exist) matches
    nothing: an empty page, as a filter of a listing should."""
    args = {name: str(value.value if hasattr(value, "value") else value)
            for name, value in query.model_dump(
                include={"country", "partner", "kind", "status", "year", "topic", "q", "sort",
                         "dir"}).items() if value is not None}
    filters, errors = exporting.read_filters(args)
    listing = cooperation.listing(filters, g.api_language)
    return listing.where(false()) if errors else listing
