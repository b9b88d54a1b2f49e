"""Several processes at once, and processes that die: nothing published is lost from the index.

The processes share the database (the same SQLite file, or the PostgreSQL test database) and
the index folder, as the workers of one server do.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from portal.materials.models import Material
from portal.search import index, indexer
from tests.conftest import PASSWORD, make_app, make_material
from tests.search.helpers import (
    guide,
    guide_slug,
    indexed,
    outbox,
    pending,
    sync,
    titles,
    user_id,
    verify,
)

WORKERS = 4
GUIDES_EACH = 5
EDITOR = "maker@example.uz"  # the author make_material uses


def config(app: Flask) -> dict[str, Any]:
    """What another process needs to work on the same database and index as *app*."""
    return {"TESTING": True, "SECRET_KEY": "test-secret",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": str(index_dir(app)), "SEARCH_SYNC_AFTER_REQUEST": False,
            "SERVER_NAME": "portal.test"}


def index_dir(app: Flask) -> Path:
    with app.app_context():
        return index.folder()


@pytest.fixture
def shared_app(tmp_path: Path) -> Flask:
    """An app whose index lives in a folder of its own, named in its configuration."""
    app = make_app(tmp_path, SEARCH_INDEX_DIR=str(tmp_path / "shared-index"))
    with app.app_context():
        from portal.content.topics import ensure_default_topics

        db.create_all()
        ensure_default_topics()
        db.session.commit()
    user_id(app, "editor", EDITOR, "Guide Maker")
    return app


def publish_guides(settings: dict[str, Any], instance: str, worker: int, count: int,
                   start: Any) -> None:
    """In a process of its own: publish *count* guides, applying the outbox after each."""
    app = create_app(settings, instance_path=instance)
    try:
        with app.app_context():
            editor = db.session.scalar(select(User).where(User.email == EDITOR))
            start.wait(timeout=60)  # every process ready: now all at once
            for n in range(count):
                make_material(f"Guide {worker}-{n}", author=editor,
                              body=f"The word quagga{worker}x{n} is in this guide only.")
                indexer.sync_all()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_processes_publishing_at_once_lose_nothing(shared_app: Flask, tmp_path: Path) -> None:
    started = time.monotonic()
    # Forked, not spawned: a spawned process spends seconds importing the portal again.
    fork = multiprocessing.get_context("fork")
    start = fork.Barrier(WORKERS)
    workers = [fork.Process(target=publish_guides, args=(
        config(shared_app), str(tmp_path / f"instance-{n}"), n, GUIDES_EACH, start))
        for n in range(WORKERS)]
    with shared_app.app_context():
        db.engine.dispose()  # no connection of this process is shared with the children
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() in a threaded process
        for process in workers:
            process.start()
    try:
        for process in workers:
            process.join(timeout=60)
    finally:
        for process in workers:
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in workers] == [0] * WORKERS

    assert pending(shared_app) == 0
    difference = verify(shared_app)
    assert difference.clean, difference
    assert len(indexed(shared_app)) == WORKERS * GUIDES_EACH
    client = shared_app.test_client()
    for worker in range(WORKERS):
        for n in range(GUIDES_EACH):
            assert titles(client, f"quagga{worker}x{n}") == [f"Guide {worker}-{n}"]
    assert time.monotonic() - started < 20


# A sync killed half-way -----------------------------------------------------------------------

#: Runs ``flask search sync`` on the shared database and index, applying the outbox six rows
#: (three guides: each was written twice) at a time; the fifth guide it reads makes it stop
#: and wait, to be killed there.
KILLED_SYNC = textwrap.dedent("""\
    import functools, json, sys, time
    from pathlib import Path

    from portal import create_app
    from portal.search import indexer, sources

    settings, instance, marker = json.loads(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    app = create_app(settings, instance_path=instance)
    material = sources.SOURCES["material"]
    documents, seen = material.documents, []

    def documents_then_hang(item_id):
        seen.append(item_id)
        if len(seen) == 5:
            marker.write_text("in the middle")
            time.sleep(120)
        return documents(item_id)

    material.documents = documents_then_hang
    indexer.BATCH = 6
    indexer.sync = functools.partial(indexer.sync, limit=indexer.BATCH)
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    print(result.output)
""")


def test_a_sync_killed_half_way_is_finished_by_the_next_one(shared_app: Flask,
                                                             tmp_path: Path) -> None:
    import json

    ids = [guide(shared_app, f"Guide {n}", f"The word okapi{n} is here.") for n in range(8)]
    assert outbox(shared_app) == [("material", i) for i in ids for _ in range(2)]
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "-c", KILLED_SYNC, json.dumps(config(shared_app)),
         str(tmp_path / "instance-sync"), str(marker)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the sync never got half-way"
            time.sleep(0.05)
    finally:
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()

    # The first batch of three made it; the rest is still in the outbox.
    assert sorted(indexed(shared_app)) == sorted(f"material:{i}" for i in ids[:3])
    assert sorted(set(outbox(shared_app))) == [("material", i) for i in ids[3:]]
    assert verify(shared_app).missing == sorted(f"material:{i}" for i in ids[3:])

    # The dead process's lock on the index went with it: the next writer gets it at once.
    shared_app.config["SEARCH_LOCK_TIMEOUT"] = 1
    started = time.monotonic()
    assert sync(shared_app) == 10
    assert time.monotonic() - started < 5
    assert pending(shared_app) == 0
    difference = verify(shared_app)
    assert difference.clean, difference
    client = shared_app.test_client()
    assert all(titles(client, f"okapi{n}") == [f"Guide {n}"] for n in range(8))


def test_a_request_that_finds_the_index_busy_leaves_its_change_to_the_next_sync(
        tmp_path: Path) -> None:
    app = make_app(tmp_path, SEARCH_SYNC_AFTER_REQUEST=True, SEARCH_LOCK_TIMEOUT=0.2)
    with app.app_context():
        from portal.content.topics import ensure_default_topics

        db.create_all()
        ensure_default_topics()
        db.session.commit()
    guide_id = guide(app, "Tenancy deposits")
    sync(app)
    client = app.test_client()
    client.post("/auth/login", data={"email": EDITOR, "password": PASSWORD})
    slug = guide_slug(app, guide_id)
    with app.app_context():
        busy = index.open_index().writer()  # another process's writer, as far as locks go
    try:
        response = client.post(f"/materials/{slug}/workflow", data={"move": "unpublish"})
        assert response.status_code == 302  # the change is saved all the same
        assert outbox(app) == [("material", guide_id)]
        assert titles(client, "tenancy") == ["Tenancy deposits"]
    finally:
        busy.cancel()
    sync(app)
    assert titles(app.test_client(), "tenancy") == []
    with app.app_context():
        assert db.session.get(Material, guide_id).state == "draft"
