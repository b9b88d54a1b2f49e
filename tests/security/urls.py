"""Build a concrete URL for every rule of ``app.url_map`` from the seeded rows.

Arguments are looked up by rule prefix and argument name, so a new rule reusing a known name
(``slug`` under /materials, ``webinar_id``, ...) gets a URL without any change here.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule

from tests.security.conftest import Seed

#: Which seeded value fills an argument, by (rule prefix, argument name); the longest prefix
#: wins. Owned objects (attempts, requests, registrations) are those of the role users named
#: "inspector" and "citizen": the matrix shows who else may reach them.
ARGUMENTS: dict[tuple[str, str], str] = {
    ("/materials/", "slug"): "guide_slug",
    ("/materials/", "attachment_id"): "attachment_id",
    ("/materials/", "number"): "one",
    ("/courses/", "slug"): "course_slug",
    ("/courses/", "attempt_id"): "inspector.attempt_id",
    ("/courses/", "lesson_id"): "lesson_id",
    ("/courses/", "module_id"): "module_id",
    ("/courses/", "quiz_id"): "quiz_id",
    ("/courses/", "question_id"): "question_id",
    ("/courses/", "attachment_id"): "attachment_id",
    ("/courses/", "number"): "one",
    ("/certificates/", "code"): "inspector.certificate_code",
    ("/webinars/", "webinar_id"): "webinar_id",
    ("/webinars/", "token"): "citizen.registration_token",
    ("/webinars/", "attachment_id"): "webinar_attachment_id",
    ("/webinars/", "number"): "one",
    ("/webinars/my-calendar/", "token"): "feed_token",
    ("/cooperation/", "record_id"): "record_id",
    ("/cooperation/", "partner_id"): "partner_id",
    ("/cooperation/", "attachment_id"): "attachment_id",
    ("/cooperation/", "number"): "one",
    ("/cooperation/countries/", "code"): "country",
    ("/consultations/", "reference"): "citizen.consultation_reference",
    ("/consultations/new/", "slug"): "topic_slug",
    ("/consultations/admin/", "topic_id"): "topic_id",
    ("/consultations/admin/", "field_id"): "field_id",
    ("/admin/", "user_id"): "citizen.user_id",
    ("/attachments/", "attachment_id"): "attachment_id",
    ("/attachments/", "name"): "attachment_name",
    ("/archive/", "year"): "year",
    ("/archive/", "month"): "month",
    ("/static/", "filename"): "static_file",
    # The API (portal/api, /api/v1) reuses the same names; add its own prefixes here when
    # its ids differ from the pages' (e.g. ("/api/v1/guides/", "slug"): "guide_slug").
    ("/api/", "slug"): "guide_slug",
    ("/api/", "reference"): "citizen.consultation_reference",
    ("/api/", "webinar_id"): "webinar_id",
    ("/api/v1/", "rest"): "no/such/resource",
}

CONSTANTS: dict[str, Any] = {"one": 1, "static_file": "css/portal.css",
                             "no/such/resource": "no/such/resource"}


def value(seed: Seed, name: str) -> Any:
    if name in CONSTANTS:
        return CONSTANTS[name]
    if "." in name:
        owner, attribute = name.split(".", 1)
        return getattr(seed.users[owner], attribute)
    return seed.values[name]


def arguments(rule: Rule, seed: Seed) -> dict[str, Any]:
    """The URL arguments of *rule*; KeyError names an argument nobody taught this module."""
    found: dict[str, Any] = {}
    for argument in rule.arguments:
        candidates = [(prefix, key) for (prefix, arg), key in ARGUMENTS.items()
                      if arg == argument and rule.rule.startswith(prefix)]
        if not candidates:
            raise KeyError(f"no seeded value for <{argument}> in {rule.rule}: add it to "
                           "tests/security/urls.py ARGUMENTS")
        _, key = max(candidates, key=lambda c: len(c[0]))
        found[argument] = value(seed, key)
    return found


def url_for_rule(rule: Rule, seed: Seed) -> str:
    """The path of *rule* filled with seeded values (no host: the test client adds it)."""
    _, path = rule.build(arguments(rule, seed), append_unknown=False)  # type: ignore[misc]
    return path
