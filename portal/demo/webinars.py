"""Demo webinars from ``webinar_files/webinars.toml``: upcoming ones (two of them full, with a
waiting list) and past ones with recordings, attendance and feedback.

Times are relative to the day the demo is loaded, so the schedule always has something ahead.
Registrations are made through the real registration code; the mails they queue to invented
people are dropped at the end (nobody would read them).
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, select

from portal.accounts.models import User
from portal.content import formkeys, workflow
from portal.demo.keys import webinar_key
from portal.extensions import db
from portal.mail import OutboxMail
from portal.webinars import registration, services
from portal.webinars.models import Registration, RegistrationStatus, Webinar

#: People who register for demo webinars (no accounts): name, email local part.
PEOPLE = (
    "Aziza Qodirova", "Rustam Ergashev", "Feruza Xolmatova", "Oybek Sobirov", "Madina Ismoilova",
    "Sherzod Tursunov", "Nigora Abdullayeva", "Javlon Mirzayev", "Kamola Rahimova",
    "Ulugʻbek Hasanov", "Zarina Yoqubova", "Bobur Karimov", "Shahnoza Umarova", "Akmal Usmonov",
    "Lola Nurmatova", "Doniyor Qosimov", "Gulchehra Salimova", "Temur Xoliqov", "Sevara Aliyeva",
    "Anvar Raximov", "Dildora Jurayeva", "Farrux Toshpoʻlatov", "Muxlisa Sharipova",
    "Elyor Nazarov", "Nilufar Hamidova", "Sanjar Yoʻldoshev", "Barno Ahmedova", "Islom Valiyev",
    "Malohat Sultonova", "Otabek Jalilov",
)


def read_webinars() -> list[dict[str, Any]]:
    folder = resources.files("portal.demo").joinpath("webinar_files")
    data = tomllib.loads(folder.joinpath("webinars.toml").read_text("utf-8"))
    return list(data["webinar"])


def _start(entry: dict[str, Any], today: date) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    hour, minute = (int(part) for part in entry["start_time"].split(":"))
    return datetime.combine(today + timedelta(days=int(entry["starts_in_days"])),
                            time(hour, minute), zone)


def _register_people(webinar: Webinar, count: int, offset: int) -> None:
    for n in range(count):
        name = PEOPLE[(offset + n) % len(PEOPLE)]
        email = f"webinar.guest{offset + n}@demo.huquq.uz"
        registration.register(webinar, name=name, email=email, language=webinar.language,
                              consent=True)


def load_webinars(trainer: User, inspectors: list[User]) -> int:
    """Create, publish and fill the demo webinars that are not there yet."""
    today = date.today()
    first_mail = db.session.scalar(select(func.max(OutboxMail.id))) or 0
    added = 0
    for number, entry in enumerate(read_webinars()):
        key = webinar_key(entry["key"])
        if formkeys.already_created(Webinar, key) is not None:
            continue
        starts_at = _start(entry, today)
        past = starts_at <= datetime.now(starts_at.tzinfo)
        # A past webinar is made as if registration were still open, then moved to its date.
        planned = starts_at if not past else datetime.now(starts_at.tzinfo) + timedelta(days=7)
        webinar = services.create_webinar(services.WebinarInput(
            title=entry["title"], summary=entry["summary"], description=entry["description"],
            speakers="\n".join(entry["speakers"]), topics=tuple(entry["topics"]),
            language=entry["language"], audience=entry["audience"], starts_at=planned,
            duration_minutes=int(entry["duration_minutes"]), join_url=entry["join_url"],
            capacity=int(entry["capacity"]), credit_hours=Decimal(entry["credit_hours"]),
            recording_url=entry["recording_url"]), trainer.id, form_key=key)
        workflow.transition(webinar, "submit", trainer)
        workflow.transition(webinar, "publish", trainer, "demo content")
        db.session.flush()
        people = int(entry["demo_registrations"]) + (4 if entry["full"] else 0)
        if entry["audience"] == "inspectors" and inspectors:
            for inspector in inspectors[:2]:
                registration.register(webinar, name=inspector.name, email=inspector.email,
                                      language=inspector.language, user_id=inspector.id)
            people = max(0, people - 2)
        _register_people(webinar, people, number * 7)
        if past:
            webinar.starts_at = starts_at
            db.session.flush()
            _attend(webinar, entry["feedback"])
        added += 1
    # Mails to invented guests (and the demo staff's reminders) would only fill instance/mail.
    db.session.execute(delete(OutboxMail).where(OutboxMail.id > first_mail))
    return added


def _attend(webinar: Webinar, feedback: list[list[Any]]) -> None:
    """Most confirmed participants attended; some left a rating and a comment."""
    confirmed = [r for r in registration.participants(webinar)
                 if r.status == RegistrationStatus.confirmed]
    present = {r.id for n, r in enumerate(confirmed) if n % 5 != 4}
    registration.set_attendance(webinar, present, None)
    rated: list[Registration] = [r for r in confirmed if r.id in present and r.user_id is None]
    for entry, (rating, comment) in zip(rated, feedback, strict=False):
        registration.give_feedback(entry, int(rating), str(comment))
