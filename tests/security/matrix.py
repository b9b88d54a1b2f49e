# ruff: noqa: E501 - one endpoint per line reads better than a wrapped table
"""The access-control matrix: every endpoint (rule + method) x every role, and what each gets.

Read a line as "method rule: anonymous citizen inspector trainer editor consultant admin".
Outcomes: ``ok`` 200; ``login`` a redirect to the login form; ``redir`` another redirect;
a number: that status (403 refused, 404 hidden, 400/422 an empty form rejected, 405 ...);
``+`` a POST this role may make: not sent, because it would change the seeded data.
Every other POST cell is sent with an empty body and must also leave the database unchanged.

URL arguments come from the seeded rows (tests/security/urls.py): the course is an
inspectors-only one (so anonymous visitors and citizens get 404), the attempt, certificate and
registration token are the role users' own (inspector's, citizen's), the consultation request is
the citizen's, taken by the consultant.

A new endpoint fails tests/security/test_access_matrix.py until it has a line here; the failure
prints a suggested line with the outcomes it saw: check each before pasting it. The JSON API's
endpoints (/api/v1/...) have their lines in TOKEN_TABLE below instead (``401`` is a valid
outcome there): the API ignores browser sessions by design, so with any role's session an API
endpoint is checked against that table's first column (no token), for every role.
"""

from __future__ import annotations

from tests.security.conftest import ROLES

TABLE = """
#    rule                                                                   anon   citizn inspct trainr editor consul admin
GET  /                                                                      ok     ok     ok     ok     ok     ok     ok
GET  /account                                                               login  ok     ok     ok     ok     ok     ok
POST /account                                                               login  +      +      +      +      +      +
GET  /account/password                                                      login  ok     ok     ok     ok     ok     ok
POST /account/password                                                      login  422    422    422    422    422    422
GET  /admin/                                                                login  403    403    403    403    403    redir
GET  /admin/audit                                                           login  403    403    403    403    403    ok
GET  /admin/users                                                           login  403    403    403    403    403    ok
GET  /admin/users/<id:user_id>                                              login  403    403    403    403    403    ok
POST /admin/users/<id:user_id>                                              login  403    403    403    403    403    +
GET  /archive/                                                              ok     ok     ok     ok     ok     ok     ok
GET  /archive/<int:year>                                                    ok     ok     ok     ok     ok     ok     ok
GET  /archive/<int:year>/<int:month>                                        ok     ok     ok     ok     ok     ok     ok
GET  /attachments/<id:attachment_id>/<path:name>                            ok     ok     ok     ok     ok     ok     ok
GET  /auth/login                                                            ok     redir  redir  redir  redir  redir  redir
POST /auth/logout                                                           login  +      +      +      +      +      +
POST /auth/login                                                            +      +      +      +      +      +      +
GET  /auth/register                                                         ok     redir  redir  redir  redir  redir  redir
POST /auth/register                                                         422    +      +      +      +      +      +
GET  /certificates/<code>                                                   ok     ok     ok     ok     ok     ok     ok
GET  /certificates/<code>.pdf                                               login  404    ok     ok     404    404    ok
POST /certificates/<code>/revoke                                            login  403    403    422    403    403    422
GET  /consultations/admin/consent                                           login  403    403    403    403    403    ok
POST /consultations/admin/consent                                           login  403    403    403    403    403    422
GET  /consultations/admin/topics                                            login  403    403    403    403    403    ok
GET  /consultations/admin/topics/<id:topic_id>                              login  403    403    403    403    403    ok
POST /consultations/admin/topics/<id:topic_id>                              login  403    403    403    403    403    422
GET  /consultations/admin/topics/<id:topic_id>/fields/<id:field_id>         login  403    403    403    403    403    ok
POST /consultations/admin/topics/<id:topic_id>/fields/<id:field_id>         login  403    403    403    403    403    422
POST /consultations/admin/topics/<id:topic_id>/fields/<id:field_id>/delete  login  403    403    403    403    403    +
GET  /consultations/admin/topics/<id:topic_id>/fields/new                   login  403    403    403    403    403    ok
POST /consultations/admin/topics/<id:topic_id>/fields/new                   login  403    403    403    403    403    422
GET  /consultations/admin/topics/new                                        login  403    403    403    403    403    ok
POST /consultations/admin/topics/new                                        login  403    403    403    403    403    422
GET  /consultations/mine/<reference>                                        login  ok     404    404    404    404    404
POST /consultations/mine/<reference>/follow-up                              login  422    404    404    404    404    404
GET  /consultations/mine/<reference>/withdraw                               login  ok     404    404    404    404    404
POST /consultations/mine/<reference>/withdraw                               login  422    404    404    404    404    404
GET  /consultations/my-data.json                                            login  ok     ok     ok     ok     ok     ok
GET  /consultations/new                                                     ok     ok     ok     ok     ok     ok     ok
GET  /consultations/new/<slug>                                              ok     ok     ok     ok     ok     ok     ok
GET  /consultations/new/<slug>/form                                         ok     ok     ok     ok     ok     ok     ok
POST /consultations/new/<slug>/form                                         422    422    422    422    422    422    422
GET  /consultations/queue                                                   login  403    403    403    403    ok     ok
GET  /consultations/queue/<reference>                                       login  403    403    403    403    ok     ok
POST /consultations/queue/<reference>/assign                                login  403    403    403    403    403    +
GET  /consultations/queue/<reference>/attachment                            login  403    403    403    403    404    404
POST /consultations/queue/<reference>/note                                  login  403    403    403    403    +      +
POST /consultations/queue/<reference>/reopen                                login  403    403    403    403    +      +
POST /consultations/queue/<reference>/reply                                 login  403    403    403    403    +      +
POST /consultations/queue/<reference>/status                                login  403    403    403    403    +      +
POST /consultations/queue/<reference>/take                                  login  403    403    403    403    +      409
GET  /consultations/sent                                                    ok     ok     ok     ok     ok     ok     ok
GET  /consultations/track                                                   ok     ok     ok     ok     ok     ok     ok
POST /consultations/track                                                   422    422    422    422    422    422    422
GET  /consultations/track/request                                           redir  redir  redir  redir  redir  redir  redir
POST /consultations/track/request/follow-up                                 +      +      +      +      +      +      +
GET  /consultations/track/request/withdraw                                  redir  redir  redir  redir  redir  redir  redir
POST /consultations/track/request/withdraw                                  +      +      +      +      +      +      +
GET  /cooperation/                                                          ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/<id:record_id>                                            ok     ok     ok     ok     ok     ok     ok
POST /cooperation/<id:record_id>/attachments                                403    403    403    403    422    403    422
POST /cooperation/<id:record_id>/attachments/<id:attachment_id>/delete      403    403    403    403    404    403    404
GET  /cooperation/<id:record_id>/edit                                       login  403    403    403    ok     403    ok
POST /cooperation/<id:record_id>/edit                                       login  403    403    403    422    403    422
GET  /cooperation/<id:record_id>/history                                    403    403    403    403    ok     403    ok
POST /cooperation/<id:record_id>/history/<id:number>/restore                403    403    403    403    +      403    +
GET  /cooperation/<id:record_id>/history/diff                               403    403    403    403    400    403    400
POST /cooperation/<id:record_id>/workflow                                   400    400    400    400    400    400    400
GET  /cooperation/countries                                                 ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/countries/<code>                                          ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/export.csv                                                ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/export.json                                               ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/feed.atom                                                 ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/manage                                                    login  403    403    403    ok     403    ok
GET  /cooperation/new                                                       login  403    403    403    ok     403    ok
POST /cooperation/new                                                       login  403    403    403    422    403    422
GET  /cooperation/partners/                                                 ok     ok     ok     ok     ok     ok     ok
GET  /cooperation/partners/<id:partner_id>                                  ok     ok     ok     ok     ok     ok     ok
POST /cooperation/partners/<id:partner_id>/delete                           login  403    403    403    +      403    +
GET  /cooperation/partners/<id:partner_id>/edit                             login  403    403    403    ok     403    ok
POST /cooperation/partners/<id:partner_id>/edit                             login  403    403    403    +      403    +
GET  /cooperation/partners/new                                              login  403    403    403    ok     403    ok
POST /cooperation/partners/new                                              login  403    403    403    422    403    422
GET  /cooperation/timeline                                                  ok     ok     ok     ok     ok     ok     ok
GET  /courses/                                                              ok     ok     ok     ok     ok     ok     ok
GET  /courses/<slug>                                                        404    404    ok     ok     ok     ok     ok
GET  /courses/<slug>/assign                                                 login  403    403    ok     403    403    ok
POST /courses/<slug>/assign                                                 login  403    403    422    403    403    422
GET  /courses/<slug>/attempts/<id:attempt_id>                               login  404    redir  404    404    404    404
POST /courses/<slug>/attempts/<id:attempt_id>                               login  404    400    404    404    404    404
POST /courses/<slug>/attempts/<id:attempt_id>/finish                        login  404    +      404    404    404    404
GET  /courses/<slug>/attempts/<id:attempt_id>/review                        login  404    ok     ok     ok     404    ok
POST /courses/<slug>/cover                                                  404    404    403    422    422    403    422
POST /courses/<slug>/cover/delete                                           404    404    403    +      +      403    +
GET  /courses/<slug>/edit                                                   login  404    403    ok     ok     403    ok
POST /courses/<slug>/edit                                                   login  404    403    422    422    403    422
POST /courses/<slug>/enrol                                                  login  404    +      +      +      +      +
GET  /courses/<slug>/history                                                404    404    403    ok     ok     403    ok
POST /courses/<slug>/history/<id:number>/restore                            404    404    403    +      +      403    +
GET  /courses/<slug>/history/diff                                           404    404    403    400    400    403    400
GET  /courses/<slug>/lessons/<id:lesson_id>                                 404    404    ok     ok     ok     ok     ok
POST /courses/<slug>/lessons/<id:lesson_id>/done                            login  404    +      +      +      +      +
GET  /courses/<slug>/lessons/<id:lesson_id>/edit                            404    404    403    ok     ok     403    ok
POST /courses/<slug>/lessons/<id:lesson_id>/edit                            404    404    403    +      +      403    +
POST /courses/<slug>/lessons/<id:lesson_id>/files                           404    404    403    422    422    403    422
POST /courses/<slug>/lessons/<id:lesson_id>/files/<id:attachment_id>/delete 404    404    403    404    404    403    404
POST /courses/<slug>/lessons/<id:lesson_id>/move                            404    404    403    +      +      403    +
POST /courses/<slug>/modules                                                404    404    403    422    422    403    422
GET  /courses/<slug>/modules/<id:module_id>/lessons/new                     404    404    403    ok     ok     403    ok
POST /courses/<slug>/modules/<id:module_id>/lessons/new                     404    404    403    422    422    403    422
POST /courses/<slug>/modules/<id:module_id>/move                            404    404    403    +      +      403    +
GET  /courses/<slug>/modules/<id:module_id>/quizzes/new                     404    404    403    ok     ok     403    ok
POST /courses/<slug>/modules/<id:module_id>/quizzes/new                     404    404    403    422    422    403    422
GET  /courses/<slug>/questions                                              404    404    403    ok     ok     403    ok
POST /courses/<slug>/questions                                              404    404    403    422    422    403    422
GET  /courses/<slug>/questions.gift                                         404    404    403    ok     ok     403    ok
POST /courses/<slug>/questions/<id:question_id>/delete                      404    404    403    +      +      403    +
GET  /courses/<slug>/questions/<id:question_id>/edit                        404    404    403    ok     ok     403    ok
POST /courses/<slug>/questions/<id:question_id>/edit                        404    404    403    422    422    403    422
GET  /courses/<slug>/questions/new                                          404    404    403    ok     ok     403    ok
POST /courses/<slug>/questions/new                                          404    404    403    422    422    403    422
GET  /courses/<slug>/quizzes/<id:quiz_id>                                   404    404    ok     ok     ok     ok     ok
GET  /courses/<slug>/quizzes/<id:quiz_id>/edit                              404    404    403    ok     ok     403    ok
POST /courses/<slug>/quizzes/<id:quiz_id>/edit                              404    404    403    +      +      403    +
POST /courses/<slug>/quizzes/<id:quiz_id>/move                              404    404    403    +      +      403    +
GET  /courses/<slug>/quizzes/<id:quiz_id>/questions                         404    404    403    ok     ok     403    ok
POST /courses/<slug>/quizzes/<id:quiz_id>/questions                         404    404    403    +      +      403    +
GET  /courses/<slug>/quizzes/<id:quiz_id>/report                            404    404    403    ok     ok     403    ok
POST /courses/<slug>/quizzes/<id:quiz_id>/start                             login  404    +      +      +      +      +
GET  /courses/<slug>/report                                                 404    404    403    ok     ok     403    ok
POST /courses/<slug>/workflow                                               404    404    400    400    400    400    400
GET  /courses/new                                                           login  403    403    ok     ok     403    ok
POST /courses/new                                                           login  403    403    422    422    403    422
GET  /healthz                                                               ok     ok     ok     ok     ok     ok     ok
POST /language                                                              +      +      +      +      +      +      +
GET  /materials/                                                            ok     ok     ok     ok     ok     ok     ok
GET  /materials/<slug>                                                      ok     ok     ok     ok     ok     ok     ok
POST /materials/<slug>/attachments                                          403    403    403    403    422    403    422
POST /materials/<slug>/attachments/<id:attachment_id>/delete                403    403    403    403    +      403    +
GET  /materials/<slug>/edit                                                 login  403    403    403    ok     403    ok
POST /materials/<slug>/edit                                                 login  403    403    403    422    403    422
GET  /materials/<slug>/history                                              403    403    403    403    ok     403    ok
POST /materials/<slug>/history/<id:number>/restore                          403    403    403    403    +      403    +
GET  /materials/<slug>/history/diff                                         403    403    403    403    400    403    400
GET  /materials/<slug>/print                                                ok     ok     ok     ok     ok     ok     ok
POST /materials/<slug>/useful                                               400    400    400    400    400    400    400
POST /materials/<slug>/workflow                                             400    400    400    400    400    400    400
GET  /materials/feed.atom                                                   ok     ok     ok     ok     ok     ok     ok
GET  /materials/manage                                                      login  403    403    403    ok     403    ok
GET  /materials/new                                                         login  403    403    403    ok     403    ok
POST /materials/new                                                         login  403    403    403    422    403    422
GET  /my/learning                                                           login  ok     ok     ok     ok     ok     ok
GET  /search                                                                ok     ok     ok     ok     ok     ok     ok
GET  /sitemap.xml                                                           ok     ok     ok     ok     ok     ok     ok
GET  /static/<path:filename>                                                ok     ok     ok     ok     ok     ok     ok
GET  /webinars/                                                             ok     ok     ok     ok     ok     ok     ok
GET  /webinars/<id:webinar_id>                                              ok     ok     ok     ok     ok     ok     ok
GET  /webinars/<id:webinar_id>.ics                                          ok     ok     ok     ok     ok     ok     ok
POST /webinars/<id:webinar_id>/attachments                                  403    403    403    422    422    403    422
POST /webinars/<id:webinar_id>/attachments/<id:attachment_id>/delete        403    403    403    +      +      403    +
POST /webinars/<id:webinar_id>/attendance                                   403    403    403    +      +      403    +
GET  /webinars/<id:webinar_id>/edit                                         login  403    403    ok     ok     403    ok
POST /webinars/<id:webinar_id>/edit                                         login  403    403    422    422    403    422
GET  /webinars/<id:webinar_id>/history                                      403    403    403    ok     ok     403    ok
POST /webinars/<id:webinar_id>/history/<id:number>/restore                  403    403    403    +      +      403    +
GET  /webinars/<id:webinar_id>/history/diff                                 403    403    403    400    400    403    400
GET  /webinars/<id:webinar_id>/participants                                 403    403    403    ok     ok     403    ok
GET  /webinars/<id:webinar_id>/participants.csv                             403    403    403    ok     ok     403    ok
POST /webinars/<id:webinar_id>/register                                     422    +      +      +      +      +      +
GET  /webinars/<id:webinar_id>/registration/<token>                         ok     ok     ok     ok     ok     ok     ok
GET  /webinars/<id:webinar_id>/registration/<token>/calendar.ics            ok     ok     ok     ok     ok     ok     ok
POST /webinars/<id:webinar_id>/registration/<token>/cancel                  +      +      +      +      +      +      +
POST /webinars/<id:webinar_id>/registration/<token>/claim                   login  403    403    403    403    403    403
POST /webinars/<id:webinar_id>/registration/<token>/feedback                403    403    403    403    403    403    403
POST /webinars/<id:webinar_id>/workflow                                     400    400    400    400    400    400    400
GET  /webinars/archive                                                      ok     ok     ok     ok     ok     ok     ok
GET  /webinars/calendar                                                     ok     ok     ok     ok     ok     ok     ok
GET  /webinars/calendar.ics                                                 ok     ok     ok     ok     ok     ok     ok
GET  /webinars/manage                                                       login  403    403    ok     ok     403    ok
GET  /webinars/mine                                                         login  ok     ok     ok     ok     ok     ok
POST /webinars/mine/feed                                                    login  +      +      +      +      +      +
GET  /webinars/my-calendar/<token>.ics                                      ok     ok     ok     ok     ok     ok     ok
GET  /webinars/new                                                          login  403    403    ok     ok     403    ok
POST /webinars/new                                                          login  403    403    422    422    403    422
GET  /account/tokens                                                        login  ok     ok     ok     ok     ok     ok
POST /account/tokens                                                        login  422    422    422    422    422    422
GET  /account/tokens/revoke                                                 login  404    404    404    404    404    404
POST /account/tokens/revoke                                                 login  400    400    400    400    400    400
GET  /account/two-factor                                                    login  404    404    ok     ok     ok     ok
POST /account/two-factor/start                                              login  404    404    +      +      +      +
POST /account/two-factor/confirm                                            login  404    404    422    422    422    422
POST /account/two-factor/disable                                            login  404    404    redir  redir  redir  redir
GET  /account/two-factor/recovery-codes                                     login  404    404    redir  redir  redir  redir
POST /account/two-factor/recovery-codes                                     login  404    404    redir  redir  redir  redir
GET  /admin/settings                                                        login  403    403    403    403    403    ok
POST /admin/settings                                                        login  403    403    403    403    403    redir
GET  /auth/login/code                                                       login  redir  redir  redir  redir  redir  redir
POST /auth/login/code                                                       login  redir  redir  redir  redir  redir  redir
# The JSON API's endpoints are in TOKEN_TABLE (a browser session is not enough: each role
# gets what a request without a token gets); here only its reference page.
GET  /api/                                                                  ok     ok     ok     ok     ok     ok     ok
"""

#: The JSON API (the ``api.*`` endpoints) called with a personal access token,
#: ``Authorization: Bearer ...``. Each role's token holds every scope the role may hold
#: (portal.accounts.tokens.allowed_scopes): ``learning:read`` for everyone, ``exports:read``
#: for staff with an export permission (trainer, editor, consultant, admin). The first column
#: sends no token at all. Outcomes as above: 401 no token, 403 a scope or permission missing,
#: ``+`` a write not sent. Read the exports as "scope, then the page's own permission": a
#: consultant may export the register and the queue's figures but manages no webinar; trainers
#: and editors manage webinars but see no consultation queue.
TOKEN_TABLE = """
#    rule                                                                   none   citizn inspct trainr editor consul admin
GET  /api/v1/                                                               ok     ok     ok     ok     ok     ok     ok
POST /api/v1/                                                               405    405    405    405    405    405    405
PUT  /api/v1/                                                               405    405    405    405    405    405    405
PATCH /api/v1/                                                              405    405    405    405    405    405    405
DELETE /api/v1/                                                             405    405    405    405    405    405    405
GET  /api/v1/<path:rest>                                                    404    404    404    404    404    404    404
POST /api/v1/<path:rest>                                                    404    404    404    404    404    404    404
PUT  /api/v1/<path:rest>                                                    404    404    404    404    404    404    404
PATCH /api/v1/<path:rest>                                                   404    404    404    404    404    404    404
DELETE /api/v1/<path:rest>                                                  404    404    404    404    404    404    404
GET  /api/v1/consultations/topics                                           ok     ok     ok     ok     ok     ok     ok
POST /api/v1/consultations                                                  +      +      +      +      +      +      +
POST /api/v1/consultations/track                                            +      +      +      +      +      +      +
GET  /api/v1/cooperation/partners                                           ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/cooperation/records                                            ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/courses                                                        ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/exports/consultations/statistics                               401    403    403    403    403    ok     ok
GET  /api/v1/exports/cooperation                                            401    403    403    ok     ok     ok     ok
GET  /api/v1/exports/webinars/<int:webinar_id>/participants                 401    403    403    ok     ok     403    ok
GET  /api/v1/guides                                                         ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/guides/<slug>                                                  ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/me/learning                                                    401    ok     ok     ok     ok     ok     ok
GET  /api/v1/openapi.json                                                   ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/search                                                         ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/topics                                                         ok     ok     ok     ok     ok     ok     ok
GET  /api/v1/webinars                                                       ok     ok     ok     ok     ok     ok     ok
"""

#: Outcomes a cell may hold besides a status number.
WORDS = frozenset({"ok", "login", "redir", "+"})


def parse(table: str = TABLE) -> dict[str, dict[str, str]]:
    """``{"GET /rule": {role: outcome}}``; a malformed line is an error, not a silent skip."""
    rows: dict[str, dict[str, str]] = {}
    for number, line in enumerate(table.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        method, rule, *cells = line.split()
        key = f"{method} {rule}"
        if len(cells) != len(ROLES) or key in rows:
            raise ValueError(f"matrix line {number}: {line!r}")
        for cell in cells:
            if cell not in WORDS and not (cell.isdecimal() and len(cell) == 3):
                raise ValueError(f"matrix line {number}: unknown outcome {cell!r}")
        rows[key] = dict(zip(ROLES, cells, strict=True))
    return rows


def line_for(key: str, outcomes: dict[str, str]) -> str:
    """A table line, for the failure message of a missing endpoint."""
    method, rule = key.split(" ", 1)
    return f"{method} {rule}".ljust(76) + "".join(f"{outcomes[r]:7}" for r in ROLES).rstrip()


TOKEN_MATRIX = parse(TOKEN_TABLE)


def with_api(rows: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The API ignores browser sessions: with any role's session, an API endpoint answers
    as it answers a request without a token (TOKEN_TABLE's first column)."""
    api = {key: dict.fromkeys(ROLES, row[ROLES[0]]) for key, row in TOKEN_MATRIX.items()}
    if rows.keys() & api.keys():
        raise ValueError(f"API endpoints belong in TOKEN_TABLE: {sorted(rows.keys() & api.keys())}")
    return rows | api


MATRIX = with_api(parse())
