"""Time the cooperation register with a large register: the table (plain, filtered, sorted,
a late page), the countries page with its chart, the timeline, a record page and the CSV and
JSON exports of the whole register.

Prints figures, not assertions. Run: .venv/bin/python bench/cooperation.py [RECORDS] [ROUNDS]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from portal import create_app
from portal.accounts import services as accounts
from portal.content import workflow
from portal.content.topics import ensure_default_topics
from portal.cooperation import countries, services
from portal.cooperation.models import PartnerKind, RecordKind, RecordStatus
from portal.extensions import db

PASSWORD = "Lantern-river-42"  # noqa: S105 - a throw-away account in a temporary database


def report(name: str, times: list[float]) -> None:
    times.sort()
    print(f"{name:34s} p50 {statistics.median(times):7.1f} ms   "
          f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:7.1f} ms")


def timed(rounds: int, step: Callable[[], Any]) -> list[float]:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    return times


def get(client: FlaskClient, url: str) -> Callable[[], None]:
    def step() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return step


def main(records: int = 2000, rounds: int = 30) -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False},
                     instance_path=str(folder))
    rng = random.Random(7)
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        editor = accounts.create_user("e@bench.uz", "Editor", PASSWORD, roles={"editor"})
        codes = sorted(countries.CODES)
        partners = [services.create_partner(services.PartnerInput(
            name=f"Partner {n}", kind=rng.choice(list(PartnerKind)).value,
            country=rng.choice(codes[:60])), editor.id) for n in range(200)]
        started = time.perf_counter()
        for n in range(records):
            record = services.create_record(services.RecordInput(
                title=f"Record {n} on cooperation against crime", language=rng.choice(
                    ["uz", "ru", "en"]),
                kind=rng.choice(list(RecordKind)).value,
                status=rng.choice(list(RecordStatus)).value,
                summary="A summary of the cooperation. " * 20,
                year=rng.randint(1992, 2026),
                signed_on=date(rng.randint(1992, 2026), rng.randint(1, 12), rng.randint(1, 28)),
                partner_ids=tuple(p.id for p in rng.sample(partners, rng.randint(1, 3))),
                topics=("international-cooperation",)), editor.id)
            workflow.transition(record, "submit", editor)
            workflow.transition(record, "publish", editor)
            if n % 200 == 199:
                db.session.commit()
        db.session.commit()
        print(f"{records} records, 200 partners written in "
              f"{time.perf_counter() - started:.1f} s")
        germany = next(p for p in partners if p.country)
        some_country = germany.country

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with app.app_context():
        record_url = "/cooperation/1"
    pages = [
        ("table, first page", "/cooperation/"),
        ("table, filtered by country", f"/cooperation/?country={some_country}"),
        ("table, kind + status + year", "/cooperation/?kind=training&status=completed"
                                        "&year=2010"),
        ("table, sorted by title, page 50", "/cooperation/?sort=title&dir=asc&page=50"),
        ("by country (chart)", "/cooperation/countries"),
        ("country page", f"/cooperation/countries/{some_country}"),
        ("timeline", "/cooperation/timeline"),
        ("record page", record_url),
        ("Atom feed", "/cooperation/feed.atom"),
    ]
    for name, url in pages:
        get(client, url)()  # warm up
        report(name, timed(rounds, get(client, url)))
    for name, url in (("CSV export, whole register", "/cooperation/export.csv"),
                      ("JSON export, whole register", "/cooperation/export.json")):
        get(client, url)()
        size = len(client.get(url).data)
        report(f"{name} ({size // 1024} KB)", timed(max(5, rounds // 5), get(client, url)))


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
