"""Writing and finding cooperation records and partners.

Writes take plain arguments and an actor, flush, never commit. Listings count a record
translated into several languages once, in the reader's language when it has it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload, load_only

from portal import mail
from portal.accounts.models import User, UserRole
from portal.accounts.permissions import ROLE_PERMISSIONS
from portal.content import audit, revisions
from portal.content.topics import Topic
from portal.content.translations import one_per_group
from portal.content.workflow import State
from portal.cooperation import countries
from portal.cooperation.models import (
    RUNNING,
    CooperationRecord,
    Partner,
    PartnerKind,
    RecordKind,
    RecordStatus,
)
from portal.database import utcnow
from portal.extensions import db

# Partners ---------------------------------------------------------------------------------------


@dataclass
class PartnerInput:
    name: str
    kind: str
    country: str | None = None
    short_name: str = ""
    website: str = ""


def _apply_partner(partner: Partner, data: PartnerInput) -> None:
    partner.name = " ".join(data.name.split())
    partner.short_name = data.short_name.strip()
    partner.kind = PartnerKind(data.kind)
    partner.country = (data.country or "").upper() or None
    partner.website = data.website.strip()


def create_partner(data: PartnerInput, actor_id: int | None) -> Partner:
    partner = Partner()
    _apply_partner(partner, data)
    db.session.add(partner)
    db.session.flush()
    audit.log("partner.create", "partner", partner.id, actor_id, label=partner.name)
    return partner


def update_partner(partner: Partner, data: PartnerInput, actor_id: int | None) -> None:
    _apply_partner(partner, data)
    if db.session.is_modified(partner):
        db.session.flush()
        audit.log("partner.edit", "partner", partner.id, actor_id, label=partner.name)


def delete_partner(partner: Partner, actor_id: int | None) -> bool:
    """Delete a partner no record names; False (nothing done) when one does."""
    if record_count(partner) > 0:
        return False
    audit.log("partner.delete", "partner", partner.id, actor_id, label=partner.name)
    db.session.delete(partner)
    db.session.flush()
    return True


def record_count(partner: Partner) -> int:
    return db.session.scalar(select(func.count()).select_from(CooperationRecord).where(
        CooperationRecord.partners.any(Partner.id == partner.id))) or 0


def partner_by_name(name: str, country: str | None) -> Partner | None:
    return db.session.scalar(select(Partner).where(
        func.lower(Partner.name) == " ".join(name.split()).lower(),
        Partner.country.is_(None) if not country else Partner.country == country.upper()))


def all_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.name)))


# Records ----------------------------------------------------------------------------------------


@dataclass
class RecordInput:
    """What a record's form carries, as plain values (ids for partners and links)."""

    title: str
    kind: str
    status: str
    language: str = "en"
    summary: str = ""
    outcomes: str = ""
    people_trained: int | None = None
    year: int | None = None
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    renew_on: date | None = None
    remind_days: int = 60
    partner_ids: tuple[int, ...] = ()
    course_ids: tuple[int, ...] = ()
    webinar_ids: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    expires_at: datetime | None = None


def filing_year(data: RecordInput) -> int | None:
    """The year given, else the year of the first date known."""
    if data.year:
        return data.year
    first = data.signed_on or data.starts_on or data.ends_on
    return first.year if first else None


def _by_ids(model: Any, ids: tuple[int, ...]) -> list[Any]:
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)))


def _apply(record: CooperationRecord, data: RecordInput) -> None:
    from portal.courses.models import Course
    from portal.webinars.models import Webinar

    record.title = " ".join(data.title.split())
    record.kind = RecordKind(data.kind)
    record.status = RecordStatus(data.status)
    record.language = data.language
    record.summary = data.summary.replace("\r\n", "\n").strip()
    record.outcomes = data.outcomes.replace("\r\n", "\n").strip()
    record.people_trained = data.people_trained
    record.year = filing_year(data)
    record.signed_on = data.signed_on
    record.starts_on = data.starts_on
    record.ends_on = data.ends_on
    record.renew_on = data.renew_on
    record.remind_days = data.remind_days
    record.expires_at = data.expires_at
    record.partners = _by_ids(Partner, data.partner_ids)
    record.courses = _by_ids(Course, data.course_ids)
    record.webinars = _by_ids(Webinar, data.webinar_ids)
    record.topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(data.topics))))


def create_record(data: RecordInput, actor_id: int | None, *, form_key: str | None = None,
                  translation_group: str | None = None) -> CooperationRecord:
    """Create a draft record, its first revision and the editors' reminders."""
    record = CooperationRecord(author_id=actor_id, state=State.draft, form_key=form_key,
                               translation_group=translation_group or str(uuid.uuid4()))
    _apply(record, data)
    revisions.record_created(record, actor_id)
    schedule_reminders(record)
    return record


def update_record(record: CooperationRecord, data: RecordInput, actor_id: int | None,
                  comment: str = "") -> revisions.Revision | None:
    """Save new details; a save that changes nothing keeps no revision. Reminders follow the
    new dates."""
    before = record.revision_snapshot()
    _apply(record, data)
    changed = revisions.record_edit(record, before, actor_id, comment)
    if changed is not None:
        schedule_reminders(record)
    return changed


def translation_in(record: CooperationRecord, language: str) -> CooperationRecord | None:
    """The record's other version in *language*, whatever its state."""
    return db.session.scalar(select(CooperationRecord).where(
        CooperationRecord.translation_group == record.translation_group,
        CooperationRecord.language == language, CooperationRecord.id != (record.id or 0)))


def translations(record: CooperationRecord, user: Any) -> list[CooperationRecord]:
    others = db.session.scalars(select(CooperationRecord).where(
        CooperationRecord.translation_group == record.translation_group,
        CooperationRecord.id != record.id).order_by(CooperationRecord.language))
    return [r for r in others if can_view(r, user)]


# Reminders ------------------------------------------------------------------------------------

#: Outbox keys: ``cooperation-reminder:<translation group>:<ends|renew>:<date>:<days>:<user>``.
#: Translations of one record share the group, so editors get one reminder, not one a language.
REMINDER_PREFIX = "cooperation-reminder:"


def editors() -> list[User]:
    """Active users who publish cooperation records: the ones reminded."""
    roles = [role.value for role, granted in ROLE_PERMISSIONS.items()
             if "cooperation.publish" in granted]
    return list(db.session.scalars(select(User).where(
        User.active.is_(True), User.role_rows.any(UserRole.role.in_(roles))).order_by(User.id)))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def reminder_dates(record: CooperationRecord) -> list[tuple[str, date]]:
    """The dates editors are reminded of: the end and the renewal date still ahead."""
    if record.state == State.archived or record.status not in RUNNING:
        return []
    today = utcnow().astimezone(_zone()).date()
    return [(what, when) for what, when in (("ends", record.ends_on), ("renew", record.renew_on))
            if when is not None and when >= today]


def schedule_reminders(record: CooperationRecord) -> int:
    """Queue (again) the editors' reminders for *record*: each one ``remind_days`` before the
    date at 9:00 portal time, at once when that moment has passed. An unsent reminder of an
    older date is withdrawn; one already sent is not sent again. Returns how many were queued.
    """
    group_prefix = f"{REMINDER_PREFIX}{record.translation_group}:"
    mail.withdraw(group_prefix)
    record = _reminding(record)
    dates = reminder_dates(record)
    if not dates:
        return 0
    link = mail.link("cooperation.detail", record_id=record.id)
    queued = 0
    now = utcnow()
    for what, when in dates:
        moment = datetime.combine(when - timedelta(days=record.remind_days), time(9),
                                  tzinfo=_zone())
        send_after = moment if moment > now else None
        for editor in editors():
            key = f"{group_prefix}{what}:{when.isoformat()}:{record.remind_days}:{editor.id}"
            with force_locale(editor.language or "uz"):
                subject, body = _reminder_text(record, what, when, editor, link)
            if mail.queue(editor.email, subject, body, send_after=send_after,
                          key=key) is not None:
                queued += 1
    return queued


def _reminding(record: CooperationRecord) -> CooperationRecord:
    """The version whose dates remind the editors of *record*'s group: the record itself,
    unless it is archived and another version is not (archiving one translation withdraws a
    page, not the agreement: the group's reminders stay)."""
    if record.state != State.archived:
        return record
    other = db.session.scalar(select(CooperationRecord).where(
        CooperationRecord.translation_group == record.translation_group,
        CooperationRecord.id != record.id, CooperationRecord.state != State.archived,
    ).order_by(CooperationRecord.updated_at.desc(), CooperationRecord.id.desc()).limit(1))
    return other or record


def _reminder_text(record: CooperationRecord, what: str, when: date, editor: User,
                   link: str) -> tuple[str, str]:
    from flask_babel import format_date

    day = format_date(when, "long")
    if what == "ends":
        subject = _("Ends on %(date)s: %(title)s", date=day, title=record.title)
        line = _("“%(title)s” ends on %(date)s. Plan its renewal or its completion, and "
                 "update its status in the register.", title=record.title, date=day)
    else:
        subject = _("Renewal due on %(date)s: %(title)s", date=day, title=record.title)
        line = _("“%(title)s” is due for renewal on %(date)s.", title=record.title, date=day)
    body = "\n\n".join([_("Hello %(name)s,", name=editor.name), line,
                        _("The record: %(link)s", link=link)]) + "\n"
    return subject, body


def remind_all() -> int:
    """Schedule the reminders of every record (after editors joined, or from cron); keyed
    mails make it safe to run any number of times."""
    queued = 0
    groups: set[str] = set()
    for record in db.session.scalars(select(CooperationRecord).where(
            CooperationRecord.state != State.archived,
            CooperationRecord.status.in_([s.value for s in RUNNING])).order_by(
            CooperationRecord.id)):
        if record.translation_group in groups:
            continue
        groups.add(record.translation_group)
        queued += schedule_reminders(record)
    return queued


# Who sees what --------------------------------------------------------------------------------


def may_manage(record: CooperationRecord | None, user: Any) -> bool:
    if not user.is_authenticated:
        return False
    if user.can("cooperation.edit") or user.can("cooperation.publish"):
        return True
    return (record is not None and record.author_id == user.id
            and user.can("cooperation.create"))


def can_view(record: CooperationRecord, user: Any) -> bool:
    return record.is_live or may_manage(record, user)


# The register's table -------------------------------------------------------------------------

SORTS = {
    "year": (CooperationRecord.year, ),
    "title": (func.lower(CooperationRecord.title), ),
    "kind": (CooperationRecord.kind, ),
    "status": (CooperationRecord.status, ),
}


@dataclass
class Filters:
    """The table's filters as the query string gives them (already checked)."""

    country: str | None = None
    partner: int | None = None
    kind: str | None = None
    status: str | None = None
    year: int | None = None
    topic: str | None = None
    q: str = ""
    sort: str = "year"
    descending: bool = True

    def conditions(self) -> list[Any]:
        rec = CooperationRecord
        found: list[Any] = []
        if self.country:
            found.append(rec.partners.any(Partner.country == self.country))
        if self.partner:
            found.append(rec.partners.any(Partner.id == self.partner))
        if self.kind:
            found.append(rec.kind == self.kind)
        if self.status:
            found.append(rec.status == self.status)
        if self.year:
            found.append(rec.year == self.year)
        if self.topic:
            found.append(rec.topics.any(Topic.slug == self.topic))
        if self.q:
            found.append(rec.title.ilike(f"%{self.q}%"))
        return found


def _chosen(prefer_language: str | None) -> Any:
    """Ids of the live records, one per translation group."""
    return one_per_group(CooperationRecord, [CooperationRecord.live_clause()], prefer_language)


def listing(filters: Filters, prefer_language: str | None) -> Select[CooperationRecord]:
    """The published records matching *filters*, sorted as asked (records without a year
    last), ties broken by title."""
    column = SORTS.get(filters.sort, SORTS["year"])[0]
    order = column.desc() if filters.descending else column.asc()
    return select(CooperationRecord).where(
        CooperationRecord.id.in_(_chosen(prefer_language)), *filters.conditions(),
    ).order_by(order.nulls_last(), func.lower(CooperationRecord.title), CooperationRecord.id)


def years(prefer_language: str | None) -> list[int]:
    """The years that have published records, latest first (for the filter)."""
    return list(db.session.scalars(select(CooperationRecord.year).where(
        CooperationRecord.id.in_(_chosen(prefer_language)),
        CooperationRecord.year.is_not(None)).distinct().order_by(
        CooperationRecord.year.desc())))


def partners_in_use(prefer_language: str | None) -> list[Partner]:
    """Partners named by at least one published record (for the filter and partner pages)."""
    from portal.cooperation.models import record_partners

    used = select(record_partners.c.partner_id).where(
        record_partners.c.record_id.in_(_chosen(prefer_language)))
    return list(db.session.scalars(select(Partner).where(Partner.id.in_(used)).order_by(
        Partner.name)))


@dataclass
class CountryRow:
    code: str
    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def by_country(prefer_language: str | None) -> list[CountryRow]:
    """Every partner country of a published record with its records counted per kind, the
    busiest first. A record with partners from two countries counts for both."""
    from portal.cooperation.models import record_partners

    rec = CooperationRecord
    rows = db.session.execute(
        select(Partner.country, rec.kind, func.count(func.distinct(rec.id)))
        .join(record_partners, record_partners.c.partner_id == Partner.id)
        .join(rec, rec.id == record_partners.c.record_id)
        .where(rec.id.in_(_chosen(prefer_language)), Partner.country.is_not(None))
        .group_by(Partner.country, rec.kind))
    table: dict[str, Counter[str]] = {}
    for code, kind, n in rows:
        table.setdefault(str(code), Counter())[str(kind)] += int(n)
    result = [CountryRow(code, counts) for code, counts in table.items()]
    # The busiest first, then by name in the reader's language.
    return sorted(result, key=lambda row: (-row.total, countries.name(row.code).casefold()))


def kind_counts(filters: Filters, prefer_language: str | None) -> Counter[str]:
    rec = CooperationRecord
    rows = db.session.execute(select(rec.kind, func.count()).where(
        rec.id.in_(_chosen(prefer_language)), *filters.conditions()).group_by(rec.kind))
    return Counter({str(kind): int(n) for kind, n in rows})


def brief(query: Select[CooperationRecord]) -> list[CooperationRecord]:
    """The records of *query* with only what a list of titles shows (no partners, topics or
    links loaded): for the long lists of the timeline, a country and a partner."""
    rec = CooperationRecord
    return list(db.session.scalars(query.options(
        load_only(rec.id, rec.title, rec.language, rec.kind, rec.year, rec.status,
                  rec.version),
        lazyload("*"))))


def countries_in_use(prefer_language: str | None) -> list[str]:
    """Partner countries of the published records (for the table's filter)."""
    from portal.cooperation.models import record_partners

    return [str(code) for code in db.session.scalars(
        select(Partner.country).distinct()
        .join(record_partners, record_partners.c.partner_id == Partner.id)
        .where(record_partners.c.record_id.in_(_chosen(prefer_language)),
               Partner.country.is_not(None)))]


def timeline(prefer_language: str | None) -> list[tuple[int | None, list[CooperationRecord]]]:
    """Published records grouped by year, earliest first; records with no year at the end."""
    records = brief(listing(Filters(sort="year", descending=False), prefer_language))
    groups: dict[int | None, list[CooperationRecord]] = {}
    for record in records:
        groups.setdefault(record.year, []).append(record)
    return list(groups.items())


def linked_to(kind: str, item_id: int, prefer_language: str | None
              ) -> list[CooperationRecord]:
    """Published records that link to a course or a webinar of the portal."""
    rec = CooperationRecord
    condition = (rec.courses.any(id=item_id) if kind == "course"
                 else rec.webinars.any(id=item_id))
    return list(db.session.scalars(select(rec).where(
        rec.id.in_(_chosen(prefer_language)), condition).order_by(
        rec.year.desc().nulls_last(), rec.id)))


def visible_courses(record: CooperationRecord, user: Any) -> list[Any]:
    """The record's linked courses that *user* may open."""
    from portal.courses import services as courses

    return [c for c in sorted(record.courses, key=lambda c: c.title)
            if courses.can_view(c, user)]


def visible_webinars(record: CooperationRecord, user: Any) -> list[Any]:
    from portal.webinars import services as webinars

    return [w for w in sorted(record.webinars, key=lambda w: w.starts_at)
            if webinars.can_view(w, user)]


def record_counts(prefer_language: str | None) -> dict[int, int]:
    """Published records per partner id."""
    from portal.cooperation.models import record_partners

    rows = db.session.execute(
        select(record_partners.c.partner_id, func.count()).where(
            record_partners.c.record_id.in_(_chosen(prefer_language))).group_by(
            record_partners.c.partner_id))
    return {int(partner_id): int(n) for partner_id, n in rows}


def latest(limit: int = 30, prefer_language: str | None = None) -> list[CooperationRecord]:
    """The newest published records, one per translation group, for the Atom feed."""
    return list(db.session.scalars(select(CooperationRecord).where(
        CooperationRecord.id.in_(_chosen(prefer_language))).order_by(
        CooperationRecord.published_at.desc(), CooperationRecord.id.desc()).limit(limit)))


def manage_listing(state: str | None = None, q: str = "") -> Select[CooperationRecord]:
    query = select(CooperationRecord)
    if state in {s.value for s in State}:
        query = query.where(CooperationRecord.state == state)
    if q:
        query = query.where(CooperationRecord.title.ilike(f"%{q}%"))
    return query.order_by(CooperationRecord.updated_at.desc(), CooperationRecord.id.desc())


def public_ids() -> list[int]:
    return list(db.session.scalars(select(CooperationRecord.id).where(
        CooperationRecord.live_clause())))
