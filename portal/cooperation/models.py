"""The international cooperation register: partners and cooperation records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum, auto
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Enum,
    ForeignKey,
    SmallInteger,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.content.formkeys import FormKeyed
from portal.content.topics import Topic, TopicsRevisioned, topic_link_table
from portal.content.workflow import Publishable
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model, db

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.courses.models import Course
    from portal.webinars.models import Webinar


class PartnerKind(StrEnum):
    ministry = auto()
    academy = auto()
    international = auto()
    ngo = auto()


PARTNER_KIND_LABELS = {
    PartnerKind.ministry: _l("Ministry or government agency"),
    PartnerKind.academy: _l("Police academy or university"),
    PartnerKind.international: _l("International organisation"),
    PartnerKind.ngo: _l("Non-governmental organisation"),
}


class Partner(Model):
    """An organisation the country cooperates with. Reference data kept by editors: every
    change is audited, and a partner named by a record cannot be deleted."""

    __tablename__ = "cooperation_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: A short form shown in tables ("UNODC", "OSCE"); may be empty.
    short_name: Mapped[str] = mapped_column(String(40), default="")
    #: ISO 3166-1 alpha-2, upper case; None for an international organisation.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    kind: Mapped[PartnerKind] = mapped_column(
        Enum(PartnerKind, native_enum=False, length=20, validate_strings=True))
    website: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


class RecordKind(StrEnum):
    convention = auto()
    intergovernmental = auto()
    interagency = auto()
    training = auto()
    exchange = auto()
    conference = auto()


KIND_LABELS = {
    RecordKind.convention: _l("Convention or treaty accession"),
    RecordKind.intergovernmental: _l("Intergovernmental agreement"),
    RecordKind.interagency: _l("Interagency agreement or memorandum"),
    RecordKind.training: _l("Joint training or course"),
    RecordKind.exchange: _l("Internship or exchange visit"),
    RecordKind.conference: _l("Conference or seminar"),
}

#: Short forms for table columns and chart legends.
KIND_SHORT_LABELS = {
    RecordKind.convention: _l("Conventions"),
    RecordKind.intergovernmental: _l("Intergovernmental"),
    RecordKind.interagency: _l("Interagency"),
    RecordKind.training: _l("Trainings"),
    RecordKind.exchange: _l("Exchanges"),
    RecordKind.conference: _l("Conferences"),
}


class RecordStatus(StrEnum):
    planned = auto()
    in_force = auto()
    completed = auto()
    expired = auto()
    terminated = auto()


STATUS_LABELS = {
    RecordStatus.planned: _l("Planned"),
    RecordStatus.in_force: _l("In force"),
    RecordStatus.completed: _l("Completed"),
    RecordStatus.expired: _l("Expired"),
    RecordStatus.terminated: _l("Terminated"),
}

#: Records in these statuses still run out: their end and renewal dates remind the editors.
RUNNING = frozenset({RecordStatus.planned, RecordStatus.in_force})

record_topics = topic_link_table("cooperation_records", "cooperation_record_id")


def _link_table(name: str, target: str, target_key: str, ondelete: str) -> Table:
    return Table(
        name, db.metadata,
        Column("record_id", ForeignKey("cooperation_records.id", ondelete="CASCADE"),
               primary_key=True),
        Column(target_key, ForeignKey(f"{target}.id", ondelete=ondelete), primary_key=True,
               index=True),
    )


#: A partner named by a record cannot be deleted (RESTRICT): the record would lose its meaning.
record_partners = _link_table("cooperation_record_partners", "cooperation_partners",
                              "partner_id", "RESTRICT")
#: Links to the portal's own courses and webinars; deleting one of those drops the link.
record_courses = _link_table("cooperation_record_courses", "courses", "course_id", "CASCADE")
record_webinars = _link_table("cooperation_record_webinars", "webinars", "webinar_id",
                              "CASCADE")


class CooperationRecord(Publishable, TopicsRevisioned, FormKeyed, Model):
    """A convention, agreement, joint training, exchange or conference."""

    __tablename__ = "cooperation_records"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="cooperation_end_after_start"),
        CheckConstraint("year IS NULL OR year BETWEEN 1900 AND 2100",
                        name="cooperation_year_sensible"),
        CheckConstraint("remind_days BETWEEN 1 AND 730", name="cooperation_remind_days"),
        CheckConstraint("people_trained IS NULL OR people_trained >= 0",
                        name="cooperation_people_trained"),
    )

    permission_prefix = "cooperation"
    audit_type = "cooperation"
    revision_fields = ("title", "kind", "status", "summary", "outcomes", "people_trained",
                       "year", "signed_on", "starts_on", "ends_on", "renew_on", "remind_days",
                       "language")
    revision_labels = {
        "title": _l("Title"), "kind": _l("Kind"), "status": _l("Status"),
        "summary": _l("Summary"), "outcomes": _l("Outcomes"),
        "people_trained": _l("People trained"), "year": _l("Year"),
        "signed_on": _l("Signed"), "starts_on": _l("Starts"), "ends_on": _l("Ends"),
        "renew_on": _l("Renewal due"), "remind_days": _l("Remind editors (days before)"),
        "language": _l("Language"), "topics": _l("Topics"), "partners": _l("Partners"),
        "courses": _l("Linked courses"), "webinars": _l("Linked webinars"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RecordKind] = mapped_column(
        Enum(RecordKind, native_enum=False, length=20, validate_strings=True), index=True)
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Markdown: what came of it (officers trained, documents adopted, ...).
    outcomes: Mapped[str] = mapped_column(Text, default="")
    people_trained: Mapped[int | None] = mapped_column()
    status: Mapped[RecordStatus] = mapped_column(
        Enum(RecordStatus, native_enum=False, length=20, validate_strings=True), index=True)
    #: The year the register files the record under: given, or taken from the first date.
    #: A record may know its year and no exact date ("acceded in 1995").
    year: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    signed_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    #: Expiry of an agreement, last day of a training.
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: When an agreement must be renewed or extended.
    renew_on: Mapped[date | None] = mapped_column(Date)
    #: Editors are mailed this many days before the end and the renewal date.
    remind_days: Mapped[int] = mapped_column(default=60, server_default="60")

    author: Mapped[User | None] = relationship(foreign_keys="CooperationRecord.author_id",
                                               lazy="joined")
    topics: Mapped[list[Topic]] = relationship(secondary=record_topics, lazy="selectin",
                                               order_by=Topic.position)
    partners: Mapped[list[Partner]] = relationship(secondary=record_partners, lazy="selectin",
                                                   order_by=Partner.name)
    courses: Mapped[list[Course]] = relationship(secondary=record_courses, lazy="selectin")
    webinars: Mapped[list[Webinar]] = relationship(secondary=record_webinars, lazy="selectin")

    @property
    def countries(self) -> list[str]:
        """The partners' country codes, each once, in the partners' order."""
        return list(dict.fromkeys(p.country for p in self.partners if p.country))

    def revision_snapshot(self) -> dict[str, Any]:
        data = super().revision_snapshot()
        # "id name": the id brings the link back on restore, the name makes the diff readable.
        data["partners"] = _links(self.partners, lambda p: p.label)
        data["courses"] = _links(self.courses, lambda c: c.title)
        data["webinars"] = _links(self.webinars, lambda w: w.title)
        return data

    def apply_revision(self, data: dict[str, Any]) -> None:
        from portal.courses.models import Course
        from portal.webinars.models import Webinar

        super().apply_revision(data)
        # What was deleted since (a course, a webinar) is not brought back; partners cannot be.
        if "partners" in data:
            self.partners = list(db.session.scalars(
                select(Partner).where(Partner.id.in_(_ids(data["partners"])))))
        if "courses" in data:
            self.courses = list(db.session.scalars(
                select(Course).where(Course.id.in_(_ids(data["courses"])))))
        if "webinars" in data:
            self.webinars = list(db.session.scalars(
                select(Webinar).where(Webinar.id.in_(_ids(data["webinars"])))))


def _links(items: list[Any], name: Any) -> list[str]:
    return [f"{item.id} {name(item)}" for item in sorted(items, key=lambda i: i.id)]


def _ids(links: list[str]) -> list[int]:
    return [int(str(link).split(" ", 1)[0]) for link in links]
