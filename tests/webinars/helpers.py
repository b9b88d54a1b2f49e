"""Building blocks for webinar tests: a published webinar, registrations, the outbox, calendars.

Every helper takes the app and opens its own app context, and hands back plain values or
detached rows, so tests can mix them freely with requests through the test client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.content import workflow
from portal.database import utcnow
from portal.extensions import db
from portal.mail import OutboxMail
from portal.webinars import registration as seats
from portal.webinars import services
from portal.webinars.models import Registration, RegistrationStatus, Webinar
from tests.conftest import Auth, make_user

ORGANISER = "organiser@example.uz"
JOIN_URL = "https://meet.example.org/huquq-room-42"
RECORDING_URL = "https://video.example.org/recordings/huquq-42"
ZONE = ZoneInfo("Asia/Tashkent")


def minute(moment: datetime) -> datetime:
    """*moment* without seconds: what the organisers' form (minute precision) would save."""
    return moment.replace(second=0, microsecond=0)


def organiser_id(app: Flask) -> int:
    """The trainer who runs the test webinars (made on first use)."""
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == ORGANISER))
        if found is not None:
            return int(found)
        return make_user("trainer", ORGANISER, name="Webinar Organiser").id


def make_webinar(app: Flask, title: str = "Tenants and the law", *,
                 starts_in: timedelta = timedelta(days=3), duration: int = 60,
                 capacity: int = 100, published: bool = True, audience: str = "everyone",
                 language: str = "en", topics: tuple[str, ...] = ("family",),
                 join_url: str = JOIN_URL, credit_hours: str = "1.5",
                 registration_closes_in: timedelta | None = None,
                 registration_opens_in: timedelta | None = None, recording_url: str = "",
                 summary: str | None = None, speakers: str = "Dilnoza Karimova, lawyer") -> int:
    """A webinar made through the services (and published through the workflow); its id."""
    author = organiser_id(app)
    with app.app_context():
        now = minute(utcnow())
        data = services.WebinarInput(
            title=title, starts_at=now + starts_in, duration_minutes=duration,
            summary=summary if summary is not None else f"About {title.lower()}.",
            description=f"## Programme\n\nWhat {title} covers.\n", speakers=speakers,
            topics=topics, language=language, audience=audience, join_url=join_url,
            capacity=capacity,
            registration_opens_at=(now + registration_opens_in
                                   if registration_opens_in is not None else None),
            registration_closes_at=(now + registration_closes_in
                                    if registration_closes_in is not None else None),
            credit_hours=Decimal(credit_hours), recording_url=recording_url)
        webinar = services.create_webinar(data, author)
        db.session.flush()
        if published:
            actor = db.session.get(User, author)
            workflow.transition(webinar, "submit", actor)
            workflow.transition(webinar, "publish", actor)
        db.session.commit()
        return webinar.id


def webinar(app: Flask, webinar_id: int) -> Webinar:
    """The webinar as the database has it now (detached)."""
    with app.app_context():
        found = db.session.get(Webinar, webinar_id)
        assert found is not None
        db.session.refresh(found)
        _ = found.topics
        db.session.expunge(found)
        return found


def move_start(app: Flask, webinar_id: int, starts_at: datetime) -> None:
    """Put the webinar at another time directly in the database (e.g. into the past, to
    mark attendance), as time passing would."""
    with app.app_context():
        found = db.session.get(Webinar, webinar_id)
        assert found is not None
        found.starts_at = starts_at
        db.session.commit()


def register(app: Flask, webinar_id: int, email: str, name: str | None = None, *,
             user_id: int | None = None, language: str = "en") -> tuple[int, str]:
    """Register through the service (as the view does) and commit; (registration id, token)."""
    with app.app_context():
        found = db.session.get(Webinar, webinar_id)
        assert found is not None
        outcome = seats.register(found, name=name or email.split("@")[0].title(), email=email,
                                 language=language, user_id=user_id, consent=user_id is None)
        db.session.commit()
        return outcome.registration.id, seats.token_for(outcome.registration)


def cancel(app: Flask, registration_id: int) -> list[str]:
    """Cancel through the service and commit; the emails of the people promoted."""
    with app.app_context():
        found = db.session.get(Registration, registration_id)
        assert found is not None
        promoted = [r.email for r in seats.cancel(found)]
        db.session.commit()
        return promoted


def token_of(app: Flask, registration_id: int) -> str:
    with app.app_context():
        found = db.session.get(Registration, registration_id)
        assert found is not None
        return seats.token_for(found)


@dataclass(frozen=True)
class Row:
    id: int
    email: str
    name: str
    status: str
    attended: bool
    rating: int | None
    comment: str
    user_id: int | None


def rows(app: Flask, webinar_id: int) -> list[Row]:
    """Every registration row of the webinar (cancelled ones too), oldest first."""
    with app.app_context():
        found = db.session.scalars(select(Registration).where(
            Registration.webinar_id == webinar_id).order_by(Registration.id))
        return [Row(r.id, r.email, r.name, str(r.status), r.attended, r.rating, r.comment,
                    r.user_id) for r in found]


def statuses(app: Flask, webinar_id: int) -> dict[str, str]:
    """email -> status."""
    return {r.email: r.status for r in rows(app, webinar_id)}


def row_of(app: Flask, webinar_id: int, email: str) -> Row:
    [found] = [r for r in rows(app, webinar_id) if r.email == email]
    return found


def seats_taken(app: Flask, webinar_id: int) -> int:
    with app.app_context():
        return int(db.session.scalar(select(Webinar.seats_taken).where(
            Webinar.id == webinar_id)))


def confirmed_count(app: Flask, webinar_id: int) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.webinar_id == webinar_id,
            Registration.status == RegistrationStatus.confirmed)))


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)))


# The outbox -----------------------------------------------------------------------------------

def outbox(app: Flask, to: str | None = None) -> list[OutboxMail]:
    """The outbox rows (to one address, when given), in the order they were queued."""
    with app.app_context():
        query = select(OutboxMail).order_by(OutboxMail.id)
        if to is not None:
            query = query.where(OutboxMail.to_address == to)
        found = list(db.session.scalars(query))
        for mail in found:
            db.session.expunge(mail)
        return found


def reminders(app: Flask, to: str | None = None) -> list[OutboxMail]:
    return [m for m in outbox(app, to) if (m.key or "").startswith("webinar-reminder:")]


def not_reminders(app: Flask, to: str | None = None) -> list[OutboxMail]:
    return [m for m in outbox(app, to) if not (m.key or "").startswith("webinar-reminder:")]


REGISTRATION_LINK = re.compile(r"/webinars/(\d+)/registration/([A-Za-z0-9_.\-]+)")


def registration_link(body: str) -> tuple[int, str]:
    """The (webinar id, token) of the registration page a mail links to."""
    found = REGISTRATION_LINK.search(body)
    assert found, f"no registration link in the mail:\n{body}"
    return int(found.group(1)), found.group(2)


# Pages ----------------------------------------------------------------------------------------

def login(app: Flask, client: FlaskClient, role: str, email: str, name: str | None = None
          ) -> int:
    """Log *client* in as the user with *email*, made with *role* unless they exist; their id."""
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        user_id = found if found is not None else make_user(
            role, email, name=name or f"{role.title()} {email[0].upper()}").id
    response = Auth(client).login(email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return user_id


def register_anonymously(client: FlaskClient, webinar_id: int, email: str,
                         name: str = "Malika Yusupova", consent: bool = True, **extra: str
                         ) -> Any:
    data = {"name": name, "email": email, **extra}
    if consent:
        data["consent"] = "y"
    return client.post(f"/webinars/{webinar_id}/register", data=data)


def field_error(page: str, field: str) -> str | None:
    """The error message shown next to the form field *field*, if any."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', page,
                      re.S)
    return found.group(1) if found else None


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# Calendars ------------------------------------------------------------------------------------

def parse_ics(data: bytes | str) -> Calendar:
    return Calendar.from_ical(data)


def events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def alarms(event: Any) -> list[Any]:
    return list(event.walk("VALARM"))


def event_text(event: Any) -> str:
    """Everything of an event a calendar program shows: location and description."""
    return f"{event.get('LOCATION', '')}\n{event.get('DESCRIPTION', '')}"


# The organisers' form -------------------------------------------------------------------------

def local(moment: datetime | None) -> str:
    """A time as the organiser's datetime-local field holds it (their zone, to the minute)."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M") if moment else ""


def new_webinar_form(**changes: Any) -> dict[str, Any]:
    """A complete, valid /webinars/new form (starting in a week, an hour long)."""
    starts = minute(utcnow()) + timedelta(days=7)
    data: dict[str, Any] = {
        "title": "Protecting children online", "summary": "Parents' questions answered.",
        "description": "## Programme\n\nQuestions and answers.\n",
        "speakers": "Dilnoza Karimova, lawyer", "topics": ["childrens-rights"],
        "language": "en", "audience": "everyone", "starts": local(starts),
        "ends": local(starts + timedelta(minutes=90)), "join_url": JOIN_URL,
        "capacity": "40", "registration_opens": "", "registration_closes": "",
        "credit_hours": "1.5", "recording_url": "", "form_key": "webinar-form-key-1"}
    data.update(changes)
    return data


def edit_form(app: Flask, webinar_id: int, **changes: Any) -> dict[str, Any]:
    """The edit form as the page would fill it for the saved webinar, with *changes*."""
    saved = webinar(app, webinar_id)
    data: dict[str, Any] = {
        "title": saved.title, "summary": saved.summary, "description": saved.description,
        "speakers": saved.speakers, "topics": [t.slug for t in saved.topics],
        "language": saved.language, "audience": saved.audience.value,
        "starts": local(saved.starts_at), "ends": local(saved.ends_at),
        "join_url": saved.join_url, "capacity": str(saved.capacity),
        "registration_opens": local(saved.registration_opens_at),
        "registration_closes": local(saved.registration_closes_at),
        "credit_hours": str(saved.credit_hours), "recording_url": saved.recording_url,
        "comment": "", "version": str(saved.version)}
    data.update(changes)
    return data
