"""What a failing browser test leaves for whoever debugs it: a screenshot and the page's HTML
(and its address) in test-results/e2e/<test>/."""

from __future__ import annotations

import shutil
from typing import Any

from tests.e2e.conftest import RESULTS, Live, keep_evidence


def test_a_failing_step_leaves_a_screenshot_and_the_html(live: Live, page: Any) -> None:
    page.goto(live.url("/cooperation/"))
    nodeid = "tests/e2e/test_evidence.py::a step that failed[phone]"
    folder = RESULTS / "tests_e2e_test_evidence.py_a_step_that_failed_phone_"
    shutil.rmtree(folder, ignore_errors=True)

    keep_evidence(page, nodeid)

    try:
        assert (folder / "page.png").read_bytes().startswith(b"\x89PNG")
        assert "Cooperation" in (folder / "page.html").read_text(encoding="utf-8")
        assert (folder / "url.txt").read_text(encoding="utf-8").strip().endswith(
            "/cooperation/")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
