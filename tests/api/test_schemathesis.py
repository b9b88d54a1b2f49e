"""schemathesis against the live API, from its own OpenAPI document: every operation, every
built-in check, positive and negative cases, a fixed seed; zero failures allowed. The figures
(operations, cases, failures) appear in pytest's terminal summary."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from werkzeug.serving import make_server

from portal.consultations.configuration import ensure_defaults
from portal.extensions import db
from tests.conftest import SWEEPS, make_app, make_material

load_all_checks()
#: Every check schemathesis has, named: not only those its configuration turns on by default.
ALL_CHECKS = CHECKS.get_all()
#: Cases generated per operation and generation mode: the whole sweep stays well under a minute.
EXAMPLES = 12


@pytest.fixture
def live_api(tmp_path: Path) -> Iterator[str]:
    """The portal on a free loopback port, as tests/e2e serves it (with some content)."""
    app = make_app(tmp_path, SERVER_NAME=None, SEARCH_SYNC_AFTER_REQUEST=True,
                   # Generated requests come from one address; the limits are tested apart.
                   CONSULTATION_REQUESTS_PER_ADDRESS_PER_DAY=10_000,
                   CONSULTATION_TRACK_ATTEMPTS_PER_ADDRESS=10_000,
                   CONSULTATION_TRACK_ATTEMPTS_PER_REFERENCE=10_000)
    with app.app_context():
        db.create_all()
        ensure_defaults()
        db.session.commit()
        make_material("Tenant rights")
        make_material("Inspector checklist", audience="inspectors")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def sweep(operation: Any, mode: GenerationMode, failures: list[str]) -> int:
    """Run one operation's cases of one generation mode; findings go to *failures* (each
    distinct one once); returns how many cases ran."""
    ran = 0
    seen: set[str] = set()

    @hypothesis.settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal ran
        ran += 1
        try:
            case.call_and_validate(timeout=10, checks=ALL_CHECKS)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every finding
            lines = [line for line in str(error).splitlines() if line.strip()]
            text = (f"{operation.method.upper()} {operation.path} [{mode.value}]: "
                    + " | ".join(lines[:8]))
            if text not in seen:
                seen.add(text)
                failures.append(text)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to get wrong (no parameters, no body): no negative case exists.
        assert mode == GenerationMode.NEGATIVE
    return ran


def test_the_api_passes_schemathesis(live_api: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    started = time.monotonic()

    cases = sum(sweep(operation, mode, failures) for operation in operations
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))

    SWEEPS["schemathesis"] = (f"operations {len(operations)}, cases {cases}, failures "
                              f"{len(failures)}, {time.monotonic() - started:.1f} s")
    assert not failures, "\n".join(failures)
