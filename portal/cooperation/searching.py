"""The cooperation register in the search index: records (with their documents' text) and the
partners that have published records."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import inspect, select

from portal.content.attachments import Attachment
from portal.cooperation import countries
from portal.cooperation.models import (
    KIND_LABELS,
    CooperationRecord,
    Partner,
    record_partners,
)
from portal.extensions import db
from portal.search.extract import files_text, path_for, plain
from portal.search.sources import Document, Source, files_of, live_ids_of, register


def record_documents(record_id: int) -> list[Document]:
    record = db.session.get(CooperationRecord, record_id)
    if record is None or not record.is_live:
        return []
    partners = [p.label for p in record.partners]
    places = [countries.name(code, record.language) for code in record.countries]
    with force_locale(record.language):  # the record's words, whoever's request indexes it
        kind = str(KIND_LABELS[record.kind])
    return [Document(
        key=f"cooperation:{record.id}", owner=f"cooperation:{record.id}", type="cooperation",
        title=record.title, language=record.language,
        body="\n".join([*partners, *places, kind,
                        plain(record.summary), plain(record.outcomes),
                        files_text("cooperation", record.id)]),
        url=path_for("cooperation.detail", record_id=record.id),
        date=record.published_at or record.created_at, summary=", ".join(partners),
        topics=[t.slug for t in record.topics], expires=record.expires_at)]



def _live_records(partner_id: int) -> list[CooperationRecord]:
    return list(db.session.scalars(select(CooperationRecord).where(
        CooperationRecord.live_clause(),
        CooperationRecord.partners.any(Partner.id == partner_id)).order_by(
        CooperationRecord.published_at)))


def partner_documents(partner_id: int) -> list[Document]:
    """A partner is found once a published record names it."""
    partner = db.session.get(Partner, partner_id)
    records = _live_records(partner_id) if partner is not None else []
    if partner is None or not records:
        return []
    place = countries.name(partner.country, "en") if partner.country else ""
    # Found until its last record expires: nothing in the database changes then, so the
    # partner's entry carries that moment for the search and the next sync to see.
    ends = [record.expires_at for record in records]
    return [Document(
        key=f"partner:{partner.id}", owner=f"partner:{partner.id}", type="partner",
        title=partner.label, language="en",
        body="\n".join([place, *(r.title for r in records)]),
        url=path_for("cooperation.partner", partner_id=partner.id),
        date=records[0].published_at or records[0].created_at, summary=place,
        expires=None if None in ends else max(e for e in ends if e is not None))]


def partner_ids() -> list[int]:
    live = select(CooperationRecord.id).where(CooperationRecord.live_clause())
    return list(db.session.scalars(select(record_partners.c.partner_id).distinct().where(
        record_partners.c.record_id.in_(live))))


def _partners_of(record: CooperationRecord) -> list[int]:
    """The partners a record names, and those a change has just taken off it (they may have
    no published record left)."""
    taken_off = inspect(record).attrs.partners.history.deleted
    return [p.id for p in (*record.partners, *taken_off)]


def _records_of(partner: Partner) -> list[int]:
    return list(db.session.scalars(select(record_partners.c.record_id).where(
        record_partners.c.partner_id == partner.id)))


register(Source("cooperation", record_documents, live_ids_of(CooperationRecord), watches={
    CooperationRecord: lambda record: [record.id],
    Partner: _records_of,
    Attachment: files_of("cooperation"),
}))
register(Source("partner", partner_documents, partner_ids, watches={
    Partner: lambda partner: [partner.id],
    # A record published, withdrawn or edited changes which partners are found.
    CooperationRecord: _partners_of,
}))
