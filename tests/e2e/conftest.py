"""The real-browser tests: the portal served by a real HTTP server on loopback (its own
database and search index), Debian's Chromium driven by Playwright, at desktop and phone
width, with axe-core for the accessibility rules.

* ``live``: the running portal (``live.url("/path")``, ``live.app`` for setting data up and
  reading it back).
* ``page``: a fresh browser context and page for the test, in English unless the test asks
  otherwise; the ``width`` it runs at comes from the ``screen`` parameter (``desktop`` 1280 px,
  ``phone`` 375 px) of tests marked ``@pytest.mark.screens``.
* ``accessible(page)``: axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is: fails
  listing every violation.
* ``fits(page)``: nothing on the page needs horizontal scrolling.
* A failing test leaves a screenshot and the page's HTML in ``test-results/e2e/<test>/``.

Chromium comes from Debian (`.ci/run` installs it) and axe-core from the npm registry
(`make setup` installs it into node_modules); the tests are skipped where either is missing.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from portal.consultations.configuration import ensure_defaults as consultation_defaults
from portal.content.topics import ensure_default_topics
from portal.extensions import db
from tests.conftest import PASSWORD, make_app

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results" / "e2e"

#: Widths the journeys run at.
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
#: The rules checked: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Chromium's flags on a machine without internet: no background connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "screens: run the test at desktop and at phone width")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "screen" in metafunc.fixturenames:
        screens = list(SCREENS) if metafunc.definition.get_closest_marker("screens") else [
            "desktop"]
        metafunc.parametrize("screen", screens)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class Live:
    base: str
    app: Flask

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """The portal on a free loopback port, CSRF on, the search index updated as requests
    change content; topics and consultation topics in place."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, SERVER_NAME=None,
                   SEARCH_SYNC_AFTER_REQUEST=True)
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        consultation_defaults()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screen() -> str:  # parametrised by pytest_generate_tests
    return "desktop"


@pytest.fixture
def page(browser: Any, screen: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport=SCREENS[screen],
                                  is_mobile=screen == "phone", has_touch=screen == "phone",
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        keep_evidence(page, request.node.nodeid)
    context.close()


def keep_evidence(page: Any, nodeid: str) -> None:
    """A screenshot and the HTML of the page a failing test was on."""
    folder = RESULTS / re.sub(r"[^\w.-]+", "_", nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / "page.png"), full_page=True)
        (folder / "page.html").write_text(page.content(), encoding="utf-8")
        (folder / "url.txt").write_text(page.url + "\n", encoding="utf-8")
    except Exception as error:  # noqa: BLE001 - the evidence must not hide the failure
        (folder / "error.txt").write_text(f"no evidence: {error!r}\n", encoding="utf-8")


def accessible(page: Any, context: str = "") -> None:
    """axe-core's WCAG 2.x A and AA rules on the page as it is now: no violation."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make setup installs it with npm)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, which the portal's Content-Security-Policy (no
        # inline scripts) does not stop, as it would a <script> added to the page.
        page.evaluate(f"() => {{ {_axe_source()} }}")
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                          ".then(r => r.violations.map(v => ({id: v.id, help: v.help, "
                          "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
                          AXE_TAGS)
    assert not found, (f"axe-core on {page.url} {context}:\n"
                       + json.dumps(found, indent=1, ensure_ascii=False))


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def fits(page: Any) -> None:
    """Nothing needs horizontal scrolling at the page's width."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def log_in(page: Any, live: Live, email: str, password: str = PASSWORD) -> None:
    page.goto(live.url("/auth/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def tab_to(page: Any, locator: Any, limit: int = 150) -> None:
    """Press Tab until *locator* has the focus, as a keyboard user reaches a control; fails
    when it never does (the control cannot be reached by keyboard)."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", target):
            return
    raise AssertionError(f"Tab never reaches {locator} on {page.url}")


def press(page: Any, locator: Any, key: str = "Enter") -> None:
    """Tab to the control and press *key* on it, as a keyboard user does."""
    tab_to(page, locator)
    page.keyboard.press(key)


def type_into(page: Any, locator: Any, text: str) -> None:
    """Tab to the field and type *text* into it."""
    tab_to(page, locator)
    page.keyboard.type(text)
