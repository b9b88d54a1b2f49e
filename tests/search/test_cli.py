"""``flask search reindex | sync | verify``: what an administrator runs and reads."""

from __future__ import annotations

import shutil

import pytest
from flask import Flask
from sqlalchemy import update

from portal.extensions import db
from portal.materials.models import Material
from portal.search import engine, index, indexer
from tests.search.helpers import (
    course,
    delete,
    guide,
    indexed,
    pending,
    sync,
    titles,
    verify,
)


def test_reindex_rebuilds_everything_showing_progress_and_the_count(app: Flask, runner) -> None:
    guide(app, "Tenancy deposits")
    guide(app, "Family mediation")
    course(app, "Preventive talks", [("Open questions", "Ask."), ("Silence", "Wait.")])
    guide(app, "Draft deposits", state="draft")

    result = runner.invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert "Indexing" in result.stderr  # the progress bar, on the terminal's error stream
    assert result.stdout.strip() == "5 documents indexed from 3 items"
    assert pending(app) == 0
    assert len(indexed(app)) == 5
    assert titles(app.test_client(), "deposits") == ["Tenancy deposits"]


def test_reindex_replaces_an_index_that_went_wrong(app: Flask, runner) -> None:
    guide(app, "Tenancy deposits")
    sync(app)
    with app.app_context():
        shutil.rmtree(index.folder())
        # A title changed behind the outbox's back (by hand, in SQL).
        db.session.execute(update(Material).values(title="Tenancy deposits, 2026"))
        db.session.commit()

    assert runner.invoke(args=["search", "reindex"]).exit_code == 0

    assert titles(app.test_client(), "deposits") == ["Tenancy deposits, 2026"]
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_verify_says_when_the_index_matches(app: Flask, runner) -> None:
    guide(app, "Tenancy deposits")
    sync(app)

    result = runner.invoke(args=["search", "verify"])

    assert result.exit_code == 0
    assert result.output == "The index matches the database.\n"


def test_verify_lists_what_is_missing_extra_or_stale_and_exits_1(app: Flask, runner) -> None:
    kept = guide(app, "Tenancy deposits")
    gone = guide(app, "Family mediation")
    renamed = guide(app, "Preventive talks")
    sync(app)
    added = guide(app, "Added without a sync")  # in the outbox, not in the index yet
    delete(app, Material, gone)
    with app.app_context():
        db.session.execute(update(Material).where(Material.id == renamed).values(
            title="Preventive conversations"))  # by hand: no outbox row
        db.session.commit()

    result = runner.invoke(args=["search", "verify"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"missing: material:{added}",
                                          f"extra: material:{gone}",
                                          f"stale: material:{renamed}"]
    assert result.stderr.strip() == "1 missing, 1 extra, 1 stale"
    assert kept

    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1  # the hand-made change is not in the outbox
    assert result.stdout.splitlines() == [f"stale: material:{renamed}"]
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_verify_reports_an_index_that_was_lost(app: Flask, runner) -> None:
    first = guide(app, "Tenancy deposits")
    second = guide(app, "Family mediation")
    sync(app)
    with app.app_context():
        shutil.rmtree(index.folder())

    result = runner.invoke(args=["search", "verify"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"missing: material:{first}",
                                          f"missing: material:{second}"]


def test_verify_asks_for_a_rebuild_of_an_index_from_another_version(app: Flask,
                                                                    runner) -> None:
    guide(app, "Tenancy deposits")
    sync(app)
    with app.app_context():
        (index.folder() / "portal-schema-version").write_text("1\n")

    result = runner.invoke(args=["search", "verify"])

    assert result.exit_code == 1
    assert "run `flask search reindex`" in result.stdout
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_sync_with_nothing_to_apply_leaves_the_index_as_it_was(app: Flask, runner) -> None:
    guide(app, "Tenancy deposits")
    sync(app)
    with app.app_context():
        generation = index.open_index().latest_generation()

    assert runner.invoke(args=["search", "sync"]).output == "0 changes applied\n"

    with app.app_context():
        assert index.open_index().latest_generation() == generation


def segments(app: Flask) -> int:
    with app.app_context(), engine.snapshot() as snap:
        return len(snap.parts)


def test_each_sync_adds_a_segment_and_tidy_merges_them_when_there_are_many(app: Flask) -> None:
    for n in range(indexer.MOST_SEGMENTS + 1):
        guide(app, f"Tenancy deposits, part {n}")
        sync(app)
    assert segments(app) == indexer.MOST_SEGMENTS + 1

    with app.app_context():
        assert indexer.tidy()
        assert not indexer.tidy()  # nothing left to merge

    assert segments(app) < indexer.MOST_SEGMENTS
    assert len(titles(app.test_client(), "deposits")) == indexer.MOST_SEGMENTS + 1
    assert verify(app).clean


def test_sync_applies_the_outbox(app: Flask, runner) -> None:
    guide(app, "Tenancy deposits")
    guide(app, "Family mediation")
    assert pending(app) == 4  # each guide: written as a draft, then published
    assert titles(app.test_client(), "deposits") == []

    result = runner.invoke(args=["search", "sync"])

    assert result.exit_code == 0
    assert result.output == "4 changes applied\n"
    assert pending(app) == 0
    assert titles(app.test_client(), "deposits") == ["Tenancy deposits"]
    assert runner.invoke(args=["search", "sync"]).output == "0 changes applied\n"


def test_sync_every_n_seconds_keeps_applying(app: Flask, runner, monkeypatch) -> None:
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            guide(app, "Published meanwhile")
        else:
            raise KeyboardInterrupt  # the administrator stops the worker

    monkeypatch.setattr("portal.search.time.sleep", nap)
    guide(app, "Tenancy deposits")

    result = runner.invoke(args=["search", "sync", "--every", "5"])

    assert naps == [5, 5]
    assert pending(app) == 0
    assert titles(app.test_client(), "published") == ["Published meanwhile"]
    assert result.exit_code == 1 and "Aborted!" in result.output


def test_the_worker_tidies_only_after_changes_have_stopped_for_a_while(
        app: Flask, runner, monkeypatch) -> None:
    # The clock at the start, then one reading a turn: a change applied at 1.0, nothing
    # at 2.0 (too soon to merge), nothing at 1.0 + TIDY_AFTER (time to merge).
    clock = iter([0.0, 1.0, 2.0, 1.0 + indexer.TIDY_AFTER])
    turns: list[float] = []
    tidied: list[int] = []
    monkeypatch.setattr(indexer, "tidy", lambda: tidied.append(len(turns)) or True)

    def nap(seconds: float) -> None:
        turns.append(seconds)
        if len(turns) == 3:
            raise KeyboardInterrupt

    class Time:  # the worker's clock and naps only (time itself is left alone)
        monotonic = staticmethod(lambda: next(clock))
        sleep = staticmethod(nap)

    monkeypatch.setattr("portal.search.time", Time)
    guide(app, "Tenancy deposits")
    runner.invoke(args=["search", "sync", "--every", "0.2"])

    assert pending(app) == 0
    assert tidied == [2]  # in the third turn only


@pytest.mark.parametrize("command", ["reindex", "sync", "verify"])
def test_every_command_explains_itself(runner, command: str) -> None:
    result = runner.invoke(args=["search", command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
