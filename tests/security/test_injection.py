"""Injection and output: stored XSS through the real forms, and SQL metacharacters in every
search box and filter of the list pages.

The forms are found, not listed field by field: each form page is parsed with html.parser and
every text input and textarea is filled with a payload (hidden fields, selects, checkboxes keep
the page's values), then submitted. The pages that show the values are then parsed and must hold
no live script, event-handler attribute or ``javascript:`` link, and no evaluated template.

The same filling reaches course content (modules, lessons, quizzes, questions by form and GIFT
import, an attempt's typed answers), consultation follow-ups, replies and notes, and webinar
registrations and feedback; each part checks that its marker reached the pages it scans.
Spreadsheet formulas typed into records, partners, participants and learners' names must come
out of the CSV downloads neutralised (a leading apostrophe).
"""

from __future__ import annotations

import html
import io
import time
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.conftest import SWEEPS
from tests.security.conftest import Seed

MARK = "zq9x"
#: Each payload carries MARK so a page can be searched for where it landed.
PAYLOADS = (
    f"<script>alert('{MARK}')</script>",
    f'"><img src=x onerror=alert("{MARK}")>',
    f"[{MARK} link](javascript:alert(1)) <a href=\"javascript:alert(1)\">{MARK}</a>",
    f"{{{{7*7}}}}{MARK}",
)
#: What a payload becomes if something evaluated it.
EVALUATED = f"49{MARK}"


class Scanner(HTMLParser):
    """Collects what would run in a browser: script bodies, on* attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and MARK in value:
                self.live.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and value.startswith(
                    ("javascript:", "data:text/html")):
                self.live.append(f"<{tag} {name}={value!r}>")
            if tag == "img" and name == "src" and value == "x":
                self.live.append("<img src=x> injected")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and MARK in data:
            self.live.append(f"<script>{data}</script>")


def live_parts(page: str) -> list[str]:
    scanner = Scanner()
    scanner.feed(page)
    found = list(scanner.live)
    if EVALUATED in page:
        found.append(f"template evaluated: {EVALUATED}")
    return found


class FormReader(HTMLParser):
    """The forms of a page: action, method and fields with their current values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, object]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get(
                "method", "get").lower(), "text": [], "data": {}})
        if not self.forms:
            return
        form = self.forms[-1]
        data: dict[str, str] = form["data"]  # type: ignore[assignment]
        # A select keeps its selected option, else its first option with a value.
        if tag == "option" and self._select and (
                "selected" in a or (self._select not in data and a.get("value", ""))):
            data[self._select] = a.get("value", "")
        if "name" not in a:
            return
        text: list[str] = form["text"]  # type: ignore[assignment]
        kind = a.get("type", "text").lower()
        if tag == "input" and kind in ("text", "search", "url", "email", "tel"):
            text.append(a["name"])
            data[a["name"]] = a.get("value", "")
        elif tag == "input" and kind in ("hidden", "number", "date", "datetime-local", "time"):
            data[a["name"]] = a.get("value", "")
        elif tag == "input" and kind in ("checkbox", "radio") and (
                "checked" in a or a["name"] in ("consent", "confirm")):
            data[a["name"]] = a.get("value", "y")
        elif tag == "textarea":
            text.append(a["name"])
            self._textarea = a["name"]
            data[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            form_data: dict[str, str] = self.forms[-1]["data"]  # type: ignore[assignment]
            form_data[self._textarea] += data


def post_forms(client: FlaskClient, page_url: str, payload: str,
               keep: dict[str, str] | None = None) -> tuple[int, list[int]]:
    """Fill every text field of the page's POST forms with *payload* and send each form;
    returns (fields filled, statuses)."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    reader = FormReader()
    reader.feed(page.get_data(as_text=True))
    filled, statuses = 0, []
    for form in reader.forms:
        text: list[str] = form["text"]  # type: ignore[assignment]
        if form["method"] != "post" or not text:
            continue
        data: dict[str, str] = dict(form["data"])  # type: ignore[arg-type]
        for name in text:
            # Fields with a format (email, phone, URL, slug) keep a valid value, else the
            # form would refuse everything; the payload still goes into the free text.
            if any(word in name for word in ("email", "phone", "url", "slug", "code",
                                             "reference", "password", "date", "year")):
                data[name] = data[name] or (keep or {}).get(name, "")
                continue
            data[name] = payload
            filled += 1
        data.update(keep or {})
        response = client.post(str(form["action"]) or page_url, data=data)
        statuses.append(response.status_code)
        assert response.status_code < 500, (page_url, form["action"], response.status_code)
    return filled, statuses


#: (role, form page, fields kept valid): the forms users submit with free text.
FORM_PAGES = (
    ("editor", "/materials/new", {"audience": "everyone", "language": "en",
                                  "topics": "family"}),
    ("trainer", "/courses/new", {"language": "en", "credit_hours": "1", "topics": "family"}),
    ("trainer", "/webinars/new", {"starts": "2031-01-01T10:00", "ends": "2031-01-01T11:00",
                                  "capacity": "30", "join_url": "https://meet.example/x",
                                  "language": "en", "topics": "family"}),
    ("editor", "/cooperation/new", {"language": "en"}),
    ("editor", "/cooperation/partners/new", {"country": "DE",
                                             "website": "https://partner.example"}),
    ("citizen", "/account", {}),
    # "website" is the form's honeypot: filled, the form answers as if sent and keeps nothing.
    ("anonymous", "/consultations/new/family/form", {"phone": "+998 90 123-45-67",
                                                     "email": "x@example.uz",
                                                     "consent": "y", "website": ""}),
)

#: Pages that show what was submitted (listings, management queues, search, admin).
SHOW_PAGES = ("/", "/materials/", "/materials/manage", "/courses/", "/webinars/",
              "/webinars/manage", "/cooperation/", "/cooperation/manage",
              "/cooperation/partners/", "/cooperation/timeline", "/consultations/queue",
              "/admin/users", "/admin/audit", "/account", f"/search?q={MARK}")


def test_stored_payloads_render_inert(sweep_app: Flask, seed: Seed,
                                      clients: dict[str, FlaskClient]) -> None:
    started = time.perf_counter()
    fields, accepted = 0, dict.fromkeys((url for _, url, _ in FORM_PAGES), 0)
    for payload in PAYLOADS:
        for role, url, keep in FORM_PAGES:
            filled, statuses = post_forms(clients[role], url, payload, keep)
            fields += filled
            accepted[url] += bool({302, 303} & set(statuses))
    # A form that refuses every payload (a field left invalid) stores nothing to check.
    assert all(accepted.values()), f"forms that took no payload: {accepted}"
    # Every page that lists the new items, as the admin (who sees every queue), and each
    # item's own page reached from the management lists.
    viewer = clients["admin"]
    pages = list(SHOW_PAGES)
    for manage in ("/materials/manage", "/webinars/manage", "/cooperation/manage"):
        reader = LinkReader()
        reader.feed(viewer.get(manage).get_data(as_text=True))
        pages += [link for link in reader.links if link.count("/") >= 2][:40]
    found: list[str] = []
    seen_mark = False
    for url in dict.fromkeys(pages):
        response = viewer.get(url)
        page = response.get_data(as_text=True)
        response.close()
        assert response.status_code < 500, url
        seen_mark = seen_mark or MARK in page
        found += [f"{url}: {part}" for part in live_parts(page)]
    SWEEPS["stored XSS"] = (
        f"{len(PAYLOADS)} payloads x {fields // len(PAYLOADS)} text fields = {fields} "
        f"submissions ({sum(accepted.values())} of {len(PAYLOADS) * len(FORM_PAGES)} forms "
        f"taken), {len(dict.fromkeys(pages))} pages scanned, failures {len(found)}, "
        f"{time.perf_counter() - started:.1f} s")
    assert seen_mark, "no payload reached any page: the sweep proved nothing"
    assert not found, "\n".join(found)


class LinkReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and not href.endswith((".atom", ".ics", ".csv")):
            self.links.append(href.split("#")[0])


def test_scanner_sees_live_markup() -> None:
    """The check itself can fail: unescaped payloads are reported, escaped ones are not."""
    assert live_parts(PAYLOADS[0])
    assert live_parts(PAYLOADS[1])
    assert live_parts('<a href="javascript:alert(1)">x</a>')
    assert live_parts(EVALUATED)
    from markupsafe import escape
    assert not any(live_parts(str(escape(p))) for p in PAYLOADS)


SQL = ("'", '"', ";--", "%", "_", "\\", "' OR 1=1 --")
SQL_ERRORS = ("sqlite3.", "OperationalError", "syntax error", "SQLAlchemy", "psycopg",
              "Traceback")

#: List pages and their query parameters (search box and every filter).
LIST_PAGES = {
    "/materials/": ("q", "topic", "language", "audience", "page"),
    "/materials/manage": ("q", "state", "page"),
    "/courses/": ("q", "topic", "language", "page"),
    "/webinars/": ("topic", "language", "page"),
    "/webinars/archive": ("topic", "language", "page"),
    "/webinars/manage": ("q", "state"),
    "/cooperation/": ("q", "kind", "country", "partner", "year", "status", "language",
                      "topic", "page"),
    "/cooperation/export.csv": ("q", "kind", "country", "partner", "year", "status"),
    "/cooperation/manage": ("q", "state"),
    "/consultations/queue": ("q", "status", "topic", "assignee", "page"),
    "/search": ("q", "type", "topic", "language", "year", "page"),
    "/archive/": ("q", "type", "topic", "language"),
    "/admin/users": ("q", "role", "page"),
    "/admin/audit": ("q", "action", "page"),
}


@pytest.mark.parametrize("path", sorted(LIST_PAGES))
def test_sql_metacharacters_in_search_and_filters(path: str,
                                                  clients: dict[str, FlaskClient]) -> None:
    """Never a 500 or a database error; never more results than with no filter at all."""
    client = clients["admin"]
    baseline = client.get(path)
    assert baseline.status_code == 200
    base_size = baseline.get_data(as_text=True).count("<li") + baseline.get_data(
        as_text=True).count("<tr")
    for name in LIST_PAGES[path]:
        for value in SQL:
            response = client.get(path, query_string={name: value})
            page = response.get_data(as_text=True)
            assert response.status_code in (200, 400), (path, name, value, response.status_code)
            assert not [e for e in SQL_ERRORS if e in page], (path, name, value)
            if path.endswith(".csv") and response.status_code == 200:
                assert page.count("\n") <= baseline.get_data(as_text=True).count("\n")
            elif value == "' OR 1=1 --" and response.status_code == 200:
                # "OR 1=1" must not widen a filter past the unfiltered listing.
                assert page.count("<li") + page.count("<tr") <= base_size + 5, (path, name)


# Course content, consultation conversations, webinar feedback and the CSV downloads -----------

#: Values a spreadsheet would run as formulas (OWASP's CSV injection examples).
FORMULAS = ('=HYPERLINK("http://x.test","y")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0")
#: What a spreadsheet reads as a formula at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def gift_of(payload: str, category: str, kinds: slice = slice(None)) -> str:
    """Questions of every kind whose text, choices, pairs and feedback all carry *payload*,
    written as GIFT by the portal's own writer (which escapes GIFT's special characters)."""
    from portal.courses import gift
    from portal.courses.questions import Choice, MatchPair, NumericAnswer, QuestionData

    def q(kind: str, n: int, **parts: object) -> QuestionData:
        return QuestionData(kind=kind, text=f"{payload} {kind}", name=f"{payload} {n}",
                            category=category, general_feedback=f"{payload} general",
                            **parts)  # type: ignore[arg-type]

    questions = [
        q("single", 1, choices=[Choice(f"{payload} right", 1.0, f"{payload} fb right"),
                                Choice(f"{payload} wrong", 0.0, f"{payload} fb wrong")]),
        q("multiple", 2, choices=[Choice(f"{payload} a", 0.5, f"{payload} fb a"),
                                  Choice(f"{payload} b", 0.5, f"{payload} fb b"),
                                  Choice(f"{payload} c", -1.0, f"{payload} fb c")]),
        q("truefalse", 3, correct=True, feedback_true=f"{payload} fb true",
          feedback_false=f"{payload} fb false"),
        q("short", 4, choices=[Choice(f"answer {MARK}", 1.0, f"{payload} fb short")]),
        q("numerical", 5, numeric=[NumericAnswer(7.0, 0.5, 1.0, f"{payload} fb num")]),
        q("matching", 6, pairs=[MatchPair(f"{payload} p1", f"{MARK} a1"),
                                MatchPair(f"{payload} p2", f"{MARK} a2"),
                                MatchPair(f"{payload} p3", f"{MARK} a3")]),
    ][kinds]
    text = gift.dump(questions)
    back = gift.parse(text)
    assert [b.text for b in back] == [x.text for x in questions], "GIFT lost the payload"
    return text


class Pages:
    """Pages to scan, each with the client that views it; counts what it scanned."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.scanned = 0
        self.marked: set[str] = set()

    def scan(self, client: FlaskClient, url: str, part: str) -> str:
        response = client.get(url)
        page = response.get_data(as_text=True)
        response.close()
        assert response.status_code == 200, (url, response.status_code)
        self.scanned += 1
        if MARK in page:
            self.marked.add(part)
        self.found += [f"{url}: {p}" for p in live_parts(page)]
        return page


def checkbox_values(page: str, name: str) -> list[str]:
    """The values of the checkboxes called *name* on *page*."""
    values: list[str] = []

    class Boxes(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "input" and a.get("type") == "checkbox" and a.get("name") == name:
                values.append(a.get("value") or "")

    Boxes().feed(page)
    return values


def csv_rows(text: str) -> list[list[str]]:
    import csv
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


class Inputs(HTMLParser):
    """Every field of the page's form sent to *action*, in order, repeated names included:
    (tag, type, name, value); a select gives its first option with a value, a text field
    typed as a number (``inputmode``) the type "numeric"."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str, str, str]] = []
        self._action = action
        self._inside = False
        self._select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = a.get("action") == self._action
        if not self._inside:
            return
        if tag in ("input", "textarea") and a.get("name"):
            kind = "numeric" if a.get("inputmode") in ("decimal", "numeric") else a.get(
                "type", "text").lower()
            self.fields.append((tag, kind, a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name", "")
        elif tag == "option" and self._select and a.get("value"):
            self.fields.append(("select", "", self._select, a["value"]))
            self._select = ""


def answer_all(client: FlaskClient, attempt_url: str, payload: str) -> int:
    """Answer every question of the attempt's page and finish: *payload* typed into each text
    answer, the first choice (with a value) of each radio group, every checkbox, the first
    option of each select. Returns the text answers typed."""
    page = client.get(attempt_url)
    assert page.status_code == 200, page.status_code
    inputs = Inputs(attempt_url)
    inputs.feed(page.get_data(as_text=True))
    data: list[tuple[str, str]] = []
    typed, radios = 0, set()
    for tag, kind, name, value in inputs.fields:
        if name == "csrf_token" or (tag == "input" and kind in ("hidden", "checkbox")) or (
                tag == "select"):
            data.append((name, value))
        elif kind == "radio" and value and name not in radios:
            radios.add(name)
            data.append((name, value))
        elif kind in ("numeric", "number"):
            data.append((name, "7"))  # a number answer takes numbers only
        elif tag == "textarea" or kind in ("text", "search"):
            data.append((name, payload))
            typed += 1
    response = client.post(attempt_url, data=MultiDict([*data, ("go", "finish")]))
    assert response.status_code in (302, 303), response.status_code
    assert "/review" in response.headers["Location"], response.headers["Location"]
    return typed


def errors_of(page: str) -> list[str]:
    """The messages a refused form shows (for the assertion messages)."""
    import re
    return re.findall(r'class="[^"]*(?:error|alert|flash)[^"]*"[^>]*>\s*([^<]+)', page)


def links_on(page: str, start: str) -> list[str]:
    reader = LinkReader()
    reader.feed(page)
    return list(dict.fromkeys(link for link in reader.links if link.startswith(start)))


def test_stored_payloads_in_courses_conversations_and_feedback(
        sweep_app: Flask, seed: Seed, clients: dict[str, FlaskClient]) -> None:
    """Lessons, modules, quizzes, questions (form and GIFT import), an attempt's typed answers,
    consultation follow-ups, replies and notes, and webinar registrations and feedback: every
    text field carries each payload, and every page that shows them is scanned."""
    from sqlalchemy import select

    from portal.courses.models import Question, Quiz
    from portal.database import utcnow
    from portal.extensions import db
    from portal.webinars import registration
    from portal.webinars.models import Registration, Webinar

    started = time.perf_counter()
    v = seed.values
    slug, module_id = v["course_slug"], v["module_id"]
    course = f"/courses/{slug}"
    trainer, inspector, anonymous = clients["trainer"], clients["inspector"], clients["anonymous"]
    citizen, consultant, admin = clients["citizen"], clients["consultant"], clients["admin"]
    reference = seed.users["citizen"].consultation_reference
    review = {"review_score": "after_attempt", "review_answers": "after_attempt",
              "review_feedback": "after_attempt", "questions_per_page": "50",
              "max_attempts": "10", "pass_mark": "50"}
    fields, statuses = 0, []

    def send(client: FlaskClient, url: str, payload: str,
             keep: dict[str, str] | None = None) -> None:
        nonlocal fields
        filled, codes = post_forms(client, url, payload, keep)
        fields += filled
        statuses.append((url, codes))
        # Each page's form with the payload was taken (a redirect), not refused as invalid.
        assert {302, 303} & set(codes), (url, codes)

    # 1. The course: modules, lessons, quizzes and questions, as its trainer.
    for n, payload in enumerate(PAYLOADS):
        send(trainer, course, payload)  # the module form (and any other form of the page)
        send(trainer, f"{course}/modules/{module_id}/lessons/new", payload, {"minutes": "5"})
        send(trainer, f"{course}/modules/{module_id}/quizzes/new", payload, review)
        for kind in range(6):  # the question form takes one question at a time
            send(trainer, f"{course}/questions/new", payload,
                 {"gift": gift_of(payload, f"sweep form {n}", slice(kind, kind + 1))})
        imported = trainer.post(f"{course}/questions", content_type="multipart/form-data",
                                data={"file": (io.BytesIO(gift_of(payload, f"sweep gift {n}")
                                                          .encode()), "sweep.gift")})
        assert imported.status_code == 302, imported.get_data(as_text=True)[:2000]
        fields += 1
    send(trainer, f"{course}/lessons/{v['lesson_id']}/edit", PAYLOADS[0], {"minutes": "5"})
    with sweep_app.app_context():
        quiz_ids = db.session.scalars(select(Quiz.id).where(Quiz.title.in_(PAYLOADS))).all()
    assert len(quiz_ids) == len(PAYLOADS), statuses
    # The questions with the payloads (form and import, all on one page of the attempt) make
    # up the payload quizzes.
    bank = trainer.get(f"{course}/quizzes/{quiz_ids[-1]}/questions")
    with sweep_app.app_context():
        ours = {str(i) for i in db.session.scalars(select(Question.id).where(
            Question.name.contains(MARK)))}
    fixed = [v for v in checkbox_values(bank.get_data(as_text=True), "fixed") if v in ours]
    assert len(fixed) == len(ours) == 2 * 6 * len(PAYLOADS), (len(fixed), len(ours))
    for quiz_id in quiz_ids:
        chosen = trainer.post(f"{course}/quizzes/{quiz_id}/questions", data={"fixed": fixed})
        assert chosen.status_code == 302, chosen.get_data(as_text=True)[:2000]

    # An enrolled inspector takes the last payload quiz, typing the payloads as answers.
    quiz_url = f"{course}/quizzes/{quiz_ids[-1]}"
    start = inspector.post(f"{quiz_url}/start")
    assert start.status_code == 302, start.status_code
    attempt_url = start.headers["Location"].replace("http://portal.test", "")
    pages = Pages()
    pages.scan(inspector, quiz_url, "quiz page")
    pages.scan(inspector, attempt_url, "attempt")
    fields += answer_all(inspector, attempt_url, PAYLOADS[1])
    review_url = f"{attempt_url}/review"

    # 2. Consultations: the citizen's follow-ups (signed in, and tracking by code), the staff
    # reply and internal note.
    tracked = anonymous.post("/consultations/track", data={
        "reference": reference, "code": seed.users["citizen"].consultation_code})
    assert tracked.status_code in (302, 303), tracked.status_code
    for payload in PAYLOADS:
        send(citizen, f"/consultations/mine/{reference}", payload)
        send(anonymous, "/consultations/track/request", payload)
        send(consultant, f"/consultations/queue/{reference}", payload)

    # 3. Webinars: participants register with the payloads (and formulas) as names, attend,
    # and leave feedback.
    webinar_id = v["webinar_id"]
    names = PAYLOADS + FORMULAS
    for n, name in enumerate(names):
        registered = anonymous.post(f"/webinars/{webinar_id}/register", data={
            "name": name, "email": f"sweep{n}@example.uz", "consent": "y"})
        assert registered.status_code in (302, 303), (
            registered.status_code, errors_of(registered.get_data(as_text=True)))
        fields += 1
    with sweep_app.app_context():
        webinar = db.session.get(Webinar, webinar_id)
        assert webinar is not None
        length = webinar.ends_at - webinar.starts_at
        webinar.starts_at = utcnow() - length - length  # it took place: feedback is open
        rows = db.session.scalars(select(Registration).where(
            Registration.webinar_id == webinar_id, Registration.email.like("sweep%"))).all()
        assert len(rows) == len(names), [r.email for r in rows]
        for row in rows:
            row.attended = True
        tokens = {row.email: registration.token_for(row) for row in rows}
        db.session.commit()
    for n, comment in enumerate(names):
        send(anonymous, f"/webinars/{webinar_id}/registration/{tokens[f'sweep{n}@example.uz']}",
             comment, {"rating": "5"})

    # The pages that show all of it.
    course_page = pages.scan(trainer, course, "course page")
    for link in links_on(course_page, f"{course}/lessons/"):
        pages.scan(inspector, link, "lesson page")
    for quiz_id in quiz_ids:
        pages.scan(trainer, f"{course}/quizzes/{quiz_id}", "quiz page (trainer)")
        pages.scan(trainer, f"{course}/quizzes/{quiz_id}/edit", "quiz settings")
        pages.scan(trainer, f"{course}/quizzes/{quiz_id}/questions", "quiz questions")
        pages.scan(trainer, f"{course}/quizzes/{quiz_id}/report", "quiz report")
    pages.scan(inspector, course, "course page (learner)")
    pages.scan(inspector, review_url, "attempt review")
    shown = pages.scan(trainer, review_url, "attempt review (trainer)")
    # The review shows the question text, the choices, the answers typed and the feedback of
    # the choices taken, each with the payload (here the one that stays text in Markdown).
    shown = html.unescape(shown)
    for parts in (("single",), ("wrong",), ("general",), ("fb right", "fb wrong"), ("fb a",),
                  ("fb c",), ("fb true", "fb false"), ("p1",)):  # choices come shuffled
        assert any(f"{PAYLOADS[3]} {part}" in shown for part in parts), (
            f"the review lacks the payload's {parts}")
    assert PAYLOADS[1] in shown, "review lacks the typed answer"
    bank_page = pages.scan(trainer, f"{course}/questions", "question bank")
    for link in links_on(bank_page, f"{course}/questions/")[:12]:
        if link.endswith("/edit"):
            pages.scan(trainer, link, "question form")
    pages.scan(trainer, f"{course}/report", "course report")
    pages.scan(inspector, "/account", "inspector account")
    pages.scan(citizen, f"/consultations/mine/{reference}", "citizen request")
    pages.scan(anonymous, "/consultations/track/request", "tracked request")
    pages.scan(consultant, f"/consultations/queue/{reference}", "staff request")
    pages.scan(admin, f"/consultations/queue/{reference}", "staff request (admin)")
    pages.scan(consultant, "/consultations/queue", "queue")
    pages.scan(trainer, f"/webinars/{webinar_id}/participants", "participants")
    pages.scan(admin, f"/webinars/{webinar_id}/participants", "participants (admin)")
    participants = trainer.get(f"/webinars/{webinar_id}/participants.csv")
    assert participants.status_code == 200
    text = participants.get_data(as_text=True)
    cells = [cell for row in csv_rows(text) for cell in row]
    csv_checked = assert_neutralised(text, FORMULAS, "participants CSV")

    expected = {"course page", "lesson page", "quiz page", "attempt", "attempt review",
                "question bank", "question form", "quiz settings", "quiz report",
                "citizen request", "tracked request", "staff request", "participants"}
    SWEEPS["stored XSS (courses, consultations, webinars)"] = (
        f"{len(PAYLOADS)} payloads, {fields} text fields filled, {pages.scanned} pages "
        f"scanned, failures {len(pages.found)}; participants CSV {csv_checked} cells "
        f"neutralised; {time.perf_counter() - started:.1f} s")
    assert expected <= pages.marked, (
        f"no payload reached {sorted(expected - pages.marked)}: {statuses}")
    assert sum(PAYLOADS[0] == c or PAYLOADS[1] == c for c in cells) >= 2, cells
    assert not pages.found, "\n".join(pages.found)


def assert_neutralised(text: str, formulas: tuple[str, ...], where: str) -> int:
    """No cell of the CSV *text* starts as a formula (plain numbers aside), and each of
    *formulas* is there, shown with the leading apostrophe; returns the cells checked."""
    import re

    cells = [cell for row in csv_rows(text) for cell in row]
    live = [cell for cell in cells if cell.startswith(FORMULA_STARTS)
            and not re.fullmatch(r"-?\d+(\.\d+)?", cell)]
    assert not live, f"{where}: cells a spreadsheet would run: {live}"
    missing = [f for f in formulas if not any(cell.startswith("'" + f) for cell in cells)]
    assert not missing, f"{where}: the formulas never reached the file: {missing}"
    return sum(cell.startswith("'") for cell in cells)


def test_formula_cells_come_out_neutralised(sweep_app: Flask, seed: Seed,
                                            clients: dict[str, FlaskClient]) -> None:
    """Formulas typed into cooperation records, partners and learners' names come out of the
    cooperation export and the course report as text (a leading apostrophe)."""
    from sqlalchemy import select

    from portal.cooperation.models import CooperationRecord
    from portal.extensions import db
    from tests.security.conftest import email_of, login

    started = time.perf_counter()
    admin, trainer = clients["admin"], clients["trainer"]
    with sweep_app.app_context():
        records = [(r.id, r.partners[0].id) for r in db.session.scalars(
            select(CooperationRecord).where(CooperationRecord.state == "published").order_by(
                CooperationRecord.id)) if len(r.partners) == 1]
    chosen: dict[int, int] = {}
    for record_id, partner_id in records:  # one partner per record, each partner once
        if partner_id not in chosen.values() and len(chosen) < len(FORMULAS):
            chosen[record_id] = partner_id
    assert chosen, "no published record with one partner"
    fields = 0
    for formula, (record_id, partner_id) in zip(FORMULAS, chosen.items(), strict=False):
        for url in (f"/cooperation/{record_id}/edit", f"/cooperation/partners/{partner_id}/edit"):
            filled, codes = post_forms(admin, url, formula, {"website": "https://x.example"}
                                       if "partners" in url else None)
            assert {302, 303} & set(codes), (url, codes)
            fields += filled
    export = admin.get("/cooperation/export.csv")
    assert export.status_code == 200
    used = FORMULAS[:len(chosen)]
    cells = assert_neutralised(export.get_data(as_text=True), used, "cooperation CSV")
    partner_cells = [row[8] for row in csv_rows(export.get_data(as_text=True))]
    assert sum(cell.startswith(tuple("'" + f for f in used)) for cell in partner_cells) >= len(used)

    learners = {"inspector": clients["inspector"],
                "inspector2": login(sweep_app, email_of("inspector", 2))}
    for formula, client in zip(FORMULAS, learners.values(), strict=False):
        filled, codes = post_forms(client, "/account", formula)
        assert {302, 303} & set(codes), codes
        fields += filled
    report = trainer.get(f"/courses/{seed.values['course_slug']}/report?format=csv")
    assert report.status_code == 200
    cells += assert_neutralised(report.get_data(as_text=True), FORMULAS[:len(learners)],
                                "course report CSV")
    SWEEPS["CSV formulas"] = (
        f"{len(FORMULAS)} formulas in {fields} text fields, cooperation export and course "
        f"report: {cells} cells neutralised, {time.perf_counter() - started:.1f} s")
