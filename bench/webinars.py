"""Time the webinar pages and the registration rush: how many registrations a second go through
when many people register for one webinar at once (threads, each its own client), and the
schedule, the webinar page and the calendar feeds with many webinars.

Prints figures, not assertions. Run: .venv/bin/python bench/webinars.py [PEOPLE] [THREADS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal import create_app
from portal.accounts import services as accounts
from portal.content import workflow
from portal.content.topics import ensure_default_topics
from portal.database import utcnow
from portal.extensions import db
from portal.webinars import services
from portal.webinars.models import Registration, RegistrationStatus, Webinar

PASSWORD = "Lantern-river-42"  # noqa: S105 - a throw-away account in a temporary database


def report(name: str, times: list[float]) -> None:
    times.sort()
    print(f"{name:34s} p50 {statistics.median(times):7.1f} ms   "
          f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:7.1f} ms")


def timed(rounds: int, step: Callable[[int], Any]) -> list[float]:
    times = []
    for n in range(rounds):
        t = time.perf_counter()
        step(n)
        times.append((time.perf_counter() - t) * 1000)
    return times


def main(people: int = 400, threads: int = 8, rounds: int = 50) -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "WEBINAR_REGISTRATIONS_PER_HOUR": 10**9},
                     instance_path=str(folder))
    with app.app_context():
        db.create_all()
        ensure_default_topics()
        trainer = accounts.create_user("t@bench.uz", "Trainer", PASSWORD, roles={"trainer"})
        start = utcnow() + timedelta(days=3)
        ids = []
        for n in range(100):
            webinar = services.create_webinar(services.WebinarInput(
                title=f"Webinar {n}", summary="For timing.", description="## Programme\n\n- a\n",
                topics=("family",), language="en", starts_at=start + timedelta(hours=n),
                duration_minutes=60, join_url="https://meet.example.uz/x",
                capacity=people // 2), trainer.id)
            workflow.transition(webinar, "submit", trainer)
            workflow.transition(webinar, "publish", trainer)
            ids.append(webinar.id)
        db.session.commit()
    target = ids[0]

    barrier = threading.Barrier(threads)
    per_thread = people // threads

    def rush(offset: int) -> None:
        client = app.test_client()
        barrier.wait()
        for n in range(per_thread):
            client.post(f"/webinars/{target}/register", data={
                "name": f"Person {offset}-{n}", "email": f"p{offset}-{n}@bench.uz",
                "consent": "y"})

    workers = [threading.Thread(target=rush, args=(t,)) for t in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    with app.app_context():
        confirmed = db.session.scalar(select(func.count()).where(
            Registration.webinar_id == target,
            Registration.status == RegistrationStatus.confirmed))
        waiting = db.session.scalar(select(func.count()).where(
            Registration.webinar_id == target, Registration.status == RegistrationStatus.waiting))
        webinar = db.session.get(Webinar, target)
        assert webinar is not None
        print(f"registration rush: {per_thread * threads} people, {threads} threads, "
              f"{per_thread * threads / elapsed:.0f} registrations/s; capacity "
              f"{webinar.capacity}: {confirmed} confirmed, {waiting} waiting, "
              f"seats_taken {webinar.seats_taken}")

    client = app.test_client()
    report("schedule (100 webinars, page 1)", timed(rounds, lambda _: client.get("/webinars/")))
    report("month calendar", timed(rounds, lambda _: client.get("/webinars/calendar")))
    report("webinar page", timed(rounds, lambda _: client.get(f"/webinars/{target}")))
    report("calendar.ics (100 events)",
           timed(rounds, lambda _: client.get("/webinars/calendar.ics")))
    report("one webinar .ics", timed(rounds, lambda _: client.get(f"/webinars/{target}.ics")))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
