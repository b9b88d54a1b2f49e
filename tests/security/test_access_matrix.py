"""Who gets what, for every endpoint of ``app.url_map`` and every role (tests/security/matrix.py).

The table is the contract: an endpoint missing from it, or a line for an endpoint that no longer
exists, fails the first test; an outcome that differs from it fails the second. Refused POSTs
must also leave the database exactly as it was (SQLite's data_version, read on a separate
connection, moves on any commit by anyone). The JSON API's endpoints are checked a second time
with each role's personal access token (TOKEN_TABLE), where each of them needs a line too.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.accounts import tokens
from tests.conftest import SWEEPS
from tests.security.conftest import ROLES, Seed, data_version
from tests.security.matrix import MATRIX, TOKEN_MATRIX, line_for
from tests.security.urls import url_for_rule

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def outcome(response: TestResponse) -> str:
    """The matrix word for what a visitor sees."""
    if response.status_code == 200:
        return "ok"
    if 300 <= response.status_code < 400:
        return "login" if "/auth/login" in response.headers.get("Location", "") else "redir"
    return str(response.status_code)


def endpoints(app: Flask) -> dict[str, str]:
    """``{"METHOD /rule": endpoint}`` for every routed method."""
    found = {}
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found[f"{method} {rule.rule}"] = rule.endpoint
    return found


def table_problems(app: Flask, seed: Seed, routed: dict[str, str],
                   table: dict[str, dict[str, str]], name: str,
                   get: Callable[[str, str], TestResponse]) -> str:
    """What makes *table* out of date for the *routed* endpoints (empty when nothing): each
    missing endpoint with a suggested line (what each role sees now for a GET, so adding the
    line is a paste after a careful look; POSTs are not sent: they could change data, fill
    them in by hand), and each line for an endpoint that no longer exists."""
    missing = sorted(set(routed) - set(table))
    stale = sorted(set(table) - set(routed))
    if not missing and not stale:
        return ""
    rules = {f"{m} {r.rule}": r for r in app.url_map.iter_rules() for m in r.methods or ()}
    suggestions = []
    for key in missing:
        try:
            path = url_for_rule(rules[key], seed)
        except KeyError as error:
            suggestions.append(f"{key}: {error}")
            continue
        seen = {role: "?" for role in ROLES}
        if key.startswith("GET "):
            for role in ROLES:
                response = get(role, path)
                seen[role] = outcome(response)
                response.close()
        suggestions.append(f"{line_for(key, seen)}    # {routed[key]}")
    return (f"{name} in tests/security/matrix.py is out of date.\n"
            + ("Endpoints missing from it (suggested lines, check each):\n"
               + "\n".join(suggestions) + "\n" if missing else "")
            + ("Lines for endpoints that no longer exist:\n" + "\n".join(stale) if stale else ""))


def test_every_endpoint_is_in_the_matrix(sweep_app: Flask, seed: Seed,
                                         clients: dict[str, FlaskClient]) -> None:
    problems = table_problems(sweep_app, seed, endpoints(sweep_app), MATRIX, "The table",
                              lambda role, path: clients[role].get(path))
    assert not problems, problems


def check_cell(send: Callable[[], TestResponse], who: str, expected: str,
               database_version: sqlite3.Connection,
               detail: Callable[[TestResponse], str]) -> list[str]:
    """Send one request of the matrix; what was wrong with it: another outcome than
    *expected*, or (for anything but a GET) a change to the database."""
    before = data_version(database_version)
    response = send()
    got = outcome(response)
    problems = []
    if got != expected:
        problems.append(f"{who}: expected {expected}, got {got} "
                        f"({response.status_code} {detail(response)})")
    response.close()  # file downloads stream from an open file
    if response.request.method != "GET" and data_version(database_version) != before:
        problems.append(f"{who}: answered {got} but changed the database")
    return problems


def test_each_role_gets_what_the_matrix_says(sweep_app: Flask, seed: Seed,
                                             clients: dict[str, FlaskClient],
                                             database_version: sqlite3.Connection) -> None:
    started = time.perf_counter()
    rules = {f"{m} {r.rule}": r for r in sweep_app.url_map.iter_rules() for m in r.methods or ()}
    wrong: list[str] = []
    checked = sent_posts = skipped = 0
    timings: dict[str, float] = {}
    # GETs first, then POSTs, deletions last: a refusal that wrongly went through would show
    # in the data_version check without taking an attachment away from a later GET.
    keys = sorted((k for k in MATRIX if k in rules),
                  key=lambda k: (not k.startswith("GET "), "/delete" in k, k))
    for key in keys:
        method = key.split(" ", 1)[0]
        path = url_for_rule(rules[key], seed)
        key_started = time.perf_counter()
        for role, expected in MATRIX[key].items():
            if expected == "+":
                skipped += 1
                continue
            wrong += check_cell(partial(clients[role].open, path, method=method),
                                f"{key} as {role}", expected, database_version,
                                lambda r: r.headers.get("Location", ""))
            checked += 1
            sent_posts += method != "GET"
        timings[key] = time.perf_counter() - key_started
    elapsed = time.perf_counter() - started
    SWEEPS["access matrix"] = (
          f"{len(MATRIX)} endpoints x {len(ROLES)} roles = "
          f"{len(MATRIX) * len(ROLES)} cells; {checked} requests checked ({sent_posts} refused "
          f"or rejected POSTs with the database unchanged), {skipped} permitted POSTs not sent; "
          f"{elapsed:.1f} s; slowest: " + ", ".join(
              f"{k} {t:.2f} s" for k, t in sorted(timings.items(), key=lambda kv: -kv[1])[:5])
          + f"; failures {len(wrong)}")
    assert not wrong, "\n".join(wrong)


def api_endpoints(app: Flask) -> dict[str, str]:
    """The JSON API's part of :func:`endpoints`: what TOKEN_TABLE must cover."""
    return {key: endpoint for key, endpoint in endpoints(app).items()
            if endpoint.startswith("api.")}


def test_every_api_endpoint_is_in_the_token_matrix(sweep_app: Flask, seed: Seed,
                                                   bearers: dict[str, dict[str, str]]) -> None:
    client = sweep_app.test_client()
    problems = table_problems(sweep_app, seed, api_endpoints(sweep_app), TOKEN_MATRIX,
                              "TOKEN_TABLE", lambda role, path: client.get(
                                  path, headers=bearers[role]))
    assert not problems, problems


def test_each_roles_token_gets_what_the_matrix_says(
        sweep_app: Flask, seed: Seed, bearers: dict[str, dict[str, str]],
        database_version: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sent without any cookie (a fresh client): only the token may count."""
    rules = {f"{m} {r.rule}": r for r in sweep_app.url_map.iter_rules() for m in r.methods or ()}
    client = sweep_app.test_client()
    # A token's first use notes the time; later ones would again after a minute, and a
    # refused POST must leave the database as it was.
    monkeypatch.setattr(tokens, "TOUCH_INTERVAL", timedelta(days=365))
    for role in ROLES[1:]:
        assert client.get("/api/v1/me/learning", headers=bearers[role]).status_code == 200
    wrong: list[str] = []
    checked = sent_posts = skipped = 0
    keys = sorted((k for k in TOKEN_MATRIX if k in rules),
                  key=lambda k: (not k.startswith("GET "), k))
    for key in keys:
        method = key.split(" ", 1)[0]
        path = url_for_rule(rules[key], seed)
        for role, expected in TOKEN_MATRIX[key].items():
            if expected == "+":
                skipped += 1
                continue
            wrong += check_cell(
                partial(client.open, path, method=method, headers=bearers[role]),
                f"{key} with the {role} token", expected, database_version,
                lambda r: r.get_data(as_text=True)[:200])
            checked += 1
            sent_posts += method != "GET"
    SWEEPS["access matrix, API tokens"] = (
        f"{len(TOKEN_MATRIX)} endpoints x {len(ROLES)} tokens (none included); {checked} "
        f"requests checked ({sent_posts} refused POSTs with the database unchanged), "
        f"{skipped} permitted POSTs not sent; failures {len(wrong)}")
    assert not wrong, "\n".join(wrong)
