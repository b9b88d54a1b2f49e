"""Demo cooperation records: both languages, valid partners, documents, links, loaded once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.content import attachments
from portal.content.topics import ensure_default_topics
from portal.content.workflow import State
from portal.cooperation.countries import CODES
from portal.cooperation.models import CooperationRecord, Partner, RecordKind, RecordStatus
from portal.demo.cooperation import read_cooperation
from portal.extensions import db
from tests.conftest import make_app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app with the whole demo loaded once, shared by the module's tests."""
    app = make_app(tmp_path_factory.mktemp("demo-cooperation"))
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "50 new cooperation records" in result.output
    yield app
    # The per-test clean-up disposed of it after its first test; later tests opened more.
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_file_is_well_formed() -> None:
    data = read_cooperation()
    partner_keys = {p["key"] for p in data["partner"]}
    assert 15 <= len(partner_keys) <= 20
    assert 22 <= len(data["record"]) <= 30
    for entry in data["record"]:
        assert set(entry["partners"]) <= partner_keys, entry["key"]
        uz = entry["uz"]["title"] + entry["uz"]["summary"] + entry["uz"].get("outcomes", "")
        assert "'" not in uz and "’" not in uz, entry["key"]


def test_every_record_is_published_in_english_and_uzbek(demo_app: Flask) -> None:
    with demo_app.app_context():
        records = db.session.scalars(select(CooperationRecord)).all()
        groups: dict[str, set[str]] = defaultdict(set)
        for record in records:
            assert record.state == State.published
            assert record.partners and record.topics, record.title
            groups[record.translation_group].add(record.language)
        assert len(groups) == len(read_cooperation()["record"])
        assert all(languages == {"en", "uz"} for languages in groups.values())
        # A convention of the UN drug treaties is filed under 1995, its year of accession.
        drugs = [r for r in records if r.kind == RecordKind.convention and any(
            p.short_name == "UNODC" for p in r.partners) and "1988" in r.title]
        assert len(drugs) == 2 and all(r.year == 1995 for r in drugs)
        assert sum(1 for r in records if r.year == 1995) == 6
        shanghai = [r for r in records if r.signed_on is not None]
        assert {(r.year, r.signed_on.isoformat()) for r in shanghai} == {(2001, "2001-06-15")}


def test_partners_have_valid_countries(demo_app: Flask) -> None:
    with demo_app.app_context():
        partners = db.session.scalars(select(Partner)).all()
        assert all(p.country is None or p.country in CODES for p in partners)
        assert all((p.country is None) == (p.kind == "international") for p in partners)


def test_germany_has_a_document_a_course_and_webinars(demo_app: Flask) -> None:
    with demo_app.app_context():
        germany = db.session.scalars(select(CooperationRecord).where(
            CooperationRecord.partners.any(Partner.country == "DE"))).all()
        assert {r.language for r in germany} == {"en", "uz"}
        for record in germany:
            assert record.state == State.published and record.status == RecordStatus.completed
            assert [c.language for c in record.courses] == [record.language]
            assert len(record.webinars) == 2
            documents = attachments.for_item("cooperation", record.id)
            assert [d.content_type for d in documents] == ["application/pdf"]
            stored = Path(attachments.storage_dir() / documents[0].stored_name).read_bytes()
            assert stored.startswith(b"%PDF-") and documents[0].size == len(stored)


def test_a_second_load_adds_nothing(demo_app: Flask) -> None:
    with demo_app.app_context():
        before = (db.session.scalar(select(func.count(CooperationRecord.id))),
                  db.session.scalar(select(func.count(Partner.id))),
                  db.session.scalar(select(func.count(attachments.Attachment.id))))

    result = demo_app.test_cli_runner().invoke(args=["demo", "load"])

    assert "0 new cooperation records" in result.output
    with demo_app.app_context():
        after = (db.session.scalar(select(func.count(CooperationRecord.id))),
                 db.session.scalar(select(func.count(Partner.id))),
                 db.session.scalar(select(func.count(attachments.Attachment.id))))
    assert before == after
