"""The array engine against Whoosh's own reading and scoring, on a real index with several
segments and deleted documents; the shared searcher following commits and rebuilds."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from whoosh import query as wq
from whoosh.reading import TermNotFound

from portal.search import engine, index
from portal.search.engine import Term
from portal.search.sources import Document
from tests.conftest import make_app

WORDS = ["bola", "huquq", "oila", "mahalla", "qonun", "himoya", "yordam", "sud", "maktab",
         "ariza", "order", "inspektor", "profilaktika", "jarima", "nikoh", "tarbiya"]


def document(n: int, rng: random.Random) -> Document:
    body = " ".join(rng.choices(WORDS, k=rng.randint(5, 400)))
    return Document(key=f"material:{n}", owner=f"material:{n}", type="material",
                    title=" ".join(rng.choices(WORDS, k=rng.randint(1, 6))), body=body,
                    language="uz", url=f"/m/{n}", date=datetime(2020, 1, 1, tzinfo=UTC)
                    + timedelta(days=n), summary="", topics=["family"],
                    audience="public",
                    expires=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n)
                    if n % 7 == 0 else None)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An index of 600 documents in four segments (four commits, no merging), with a tenth
    of them deleted. Tests only read it."""
    app = make_app(tmp_path_factory.mktemp("engine"))
    rng = random.Random(7)
    with app.app_context(), index.locked():
        ix = index.recreate()
        for batch in range(4):
            with index.writing(ix) as writer:
                writer.merge = False  # keep every segment
                for n in range(batch * 150, batch * 150 + 150):
                    writer.add_document(**index.fields_of(document(n, rng)))
        with index.writing(ix) as writer:
            writer.merge = False
            for n in range(0, 600, 10):
                writer.delete_by_term("key", f"material:{n}")
    yield app


def whoosh_postings(searcher: object, field: str, text: str) -> dict[int, float]:
    try:
        matcher = searcher.postings(field, text)  # type: ignore[attr-defined]
    except TermNotFound:
        return {}
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.weight()
        matcher.next()
    return found


def test_the_index_has_several_segments_and_deletions(app: Flask) -> None:
    with app.app_context(), engine.snapshot() as snap:
        assert len(snap.parts) >= 4
        assert snap.size == 600
        assert int(snap.live.sum()) == 540


@pytest.mark.parametrize("field,text", [("body_uz", "bola"), ("title_uz", "huquq"),
                                        ("words", "mahalla"), ("body_uz", "bola huquq"),
                                        ("type", "material"), ("body_uz", "nowhere")])
def test_postings_read_a_block_at_a_time_equal_whoosh_reading(app: Flask, field: str,
                                                               text: str) -> None:
    with app.app_context(), engine.snapshot() as snap:
        ids, weights = snap.postings(field, text)
        expected = whoosh_postings(snap.searcher, field, text)
    assert dict(zip(ids.tolist(), weights.tolist(), strict=True)) == pytest.approx(expected)
    assert ids.tolist() == sorted(expected)


def test_field_lengths_are_those_whoosh_scores_with(app: Flask) -> None:
    with app.app_context(), engine.snapshot() as snap:
        lengths = snap.lengths("body_uz")
        for docnum in range(0, 600, 7):
            assert lengths[docnum] == (snap.searcher.reader().doc_field_length(
                docnum, "body_uz") or 1)


def test_ranking_is_whoosh_bm25f(app: Flask) -> None:
    terms = [Term("body_uz", "bola"), Term("title_uz", "huquq"), Term("words", "oila", 0.5)]
    with app.app_context(), engine.snapshot() as snap:
        everything = snap.live.copy()
        mine = snap.scores(terms, everything)
        query = wq.Or([wq.Term(t.field, t.text, boost=t.boost) for t in terms])
        theirs = {hit.docnum: hit.score for hit in snap.searcher.search(query, limit=None)}
    assert set(np.flatnonzero(mine).tolist()) == set(theirs)
    for docnum, score in theirs.items():
        assert mine[docnum] == pytest.approx(score, rel=1e-4)


def test_the_best_come_first_and_dates_sort_newest_first(app: Flask) -> None:
    with app.app_context(), engine.snapshot() as snap:
        within = snap.mask([Term("body_uz", "bola")])
        scores = snap.scores([Term("body_uz", "bola")], within)
        best = snap.top(within, scores, 5)
        assert [scores[d] for d in best] == sorted(scores[within], reverse=True)[:5]
        newest = snap.top(within, None, 3)
        dates = [snap.searcher.stored_fields(d)["date"] for d in newest]
        assert dates == sorted(dates, reverse=True)
        assert dates[0] == max(snap.searcher.stored_fields(int(d))["date"]
                               for d in np.flatnonzero(within))


def test_facet_counts_count_live_documents(app: Flask) -> None:
    with app.app_context(), engine.snapshot() as snap:
        assert snap.counts("type", snap.live) == [("material", 540)]
        assert snap.counts("topics", snap.live) == [("family", 540)]
        years = dict(snap.counts("year", snap.live))
        assert sum(years.values()) == 540 and set(years) == {"2020", "2021"}


@pytest.mark.parametrize("now", [datetime(2024, 12, 31), datetime(2025, 1, 1),
                                 datetime(2025, 6, 30, 12), datetime(2030, 1, 1)])
def test_expired_documents_are_those_of_whoosh_date_range(app: Flask, now: datetime) -> None:
    with app.app_context(), engine.snapshot() as snap:
        expected = sorted(d for d in snap.searcher.docs_for_query(
            wq.DateRange("expires", None, now)) if snap.live[d])
        assert np.flatnonzero(snap.expired(now)).tolist() == expected
        assert bool(expected) is (now > datetime(2025, 6, 1))  # the first, n=0, is deleted


def test_the_shared_searcher_follows_a_commit_and_a_rebuild(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    rng = random.Random(1)
    with app.app_context():
        with index.writing() as writer:
            for n in range(540):
                writer.add_document(**index.fields_of(document(n, rng)))
        with engine.snapshot() as snap:
            first = snap.searcher
            assert int(snap.live.sum()) == 540
        with engine.snapshot() as snap:
            assert snap.searcher is first  # nothing changed: the same searcher
        with index.writing() as writer:
            writer.add_document(**index.fields_of(document(1000, rng)))
        with engine.snapshot() as snap:
            assert int(snap.live.sum()) == 541
        with index.locked():
            ix = index.recreate()
            with index.writing(ix) as writer:
                writer.add_document(**index.fields_of(document(2000, rng)))
        with engine.snapshot() as snap:
            assert int(snap.live.sum()) == 1
            assert snap.searcher.stored_fields(0)["key"] == "material:2000"
