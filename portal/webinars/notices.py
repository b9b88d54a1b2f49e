"""Mails to webinar participants, queued in the outbox within the change they report.

Every mail is written in the participant's language, gives times in their time zone with the
zone's name, and ends with the link to their registration page, where they can cancel (a
signed token: no account needed). Reminders are queued when a seat is confirmed, with
``send_after`` 24 hours and 1 hour before the start and a key naming the registration and the
start time: the outbox sends a keyed mail once, and a new time re-schedules them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import mail
from portal.database import utcnow
from portal.webinars import ical
from portal.webinars.models import Registration, RegistrationStatus, Webinar

#: How long before the start each reminder goes out, and its key suffix.
REMINDERS = ((timedelta(hours=24), "24h"), (timedelta(hours=1), "1h"))


def zone_of(registration: Registration) -> ZoneInfo:
    name = registration.user.timezone if registration.user else None
    try:
        return ZoneInfo(name or current_app.config["BABEL_DEFAULT_TIMEZONE"])
    except (ValueError, KeyError):
        return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def when(webinar: Webinar, zone: ZoneInfo, language: str) -> str:
    """``Tuesday, 8 December 2026, 15:00 (Uzbekistan Time)`` in *language*."""
    start = format_datetime(webinar.starts_at, "EEEE, d MMMM y, HH:mm", tzinfo=zone,
                            locale=language)
    return f"{start} ({get_timezone_name(zone, locale=language)}, {zone.key})"


def page_link(registration: Registration) -> str:
    from portal.webinars.registration import token_for

    return mail.link("webinars.my_registration", webinar_id=registration.webinar_id,
                     token=token_for(registration))


def calendar_entry(registration: Registration) -> mail.TextAttachment:
    """The webinar as an .ics attachment, with the join link and alarms."""
    webinar = registration.webinar
    data = ical.calendar([ical.Entry(webinar, mail.link("webinars.detail", webinar_id=webinar.id),
                                     participant=True)], webinar.title)
    return mail.TextAttachment(f"webinar-{webinar.id}.ics", "text/calendar",
                               data.decode("utf-8"))


def _send(registration: Registration, subject: str, text: str, *, key: str | None = None,
          send_after: datetime | None = None, with_calendar: bool = False) -> None:
    footer = _("Your registration (cancel it there if you cannot come): %(link)s",
               link=page_link(registration))
    body = "\n\n".join([_("Hello %(name)s,", name=registration.name), text, footer]) + "\n"
    mail.queue(registration.email, subject, body, key=key, send_after=send_after,
               attachment=calendar_entry(registration) if with_calendar else None)


def _details(registration: Registration, *, join: bool) -> str:
    webinar = registration.webinar
    lines = [f"“{webinar.title}”",
             _("When: %(when)s", when=when(webinar, zone_of(registration),
                                          registration.language)),
             _("Duration: %(minutes)s minutes", minutes=webinar.duration_minutes)]
    if join and webinar.join_url:
        lines.append(_("Join link: %(url)s", url=webinar.join_url))
    return "\n".join(lines)


def confirmed(registration: Registration) -> None:
    """You have a seat: the details, the join link and a calendar entry; and the reminders."""
    with force_locale(registration.language):
        _send(registration, _("Registered: %(title)s", title=registration.webinar.title),
              _("You are registered for the webinar:") + "\n\n"
              + _details(registration, join=True) + "\n\n"
              + _("The calendar entry is attached; we will remind you a day and an hour "
                  "before the start."),
              with_calendar=True)
    schedule_reminders(registration)


def waiting(registration: Registration) -> None:
    from portal.webinars.registration import waiting_position

    with force_locale(registration.language):
        _send(registration, _("Waiting list: %(title)s", title=registration.webinar.title),
              _("The webinar is full, so you are on the waiting list (number %(n)s). If a "
                "seat becomes free you get it automatically and we mail you the join link.",
                n=waiting_position(registration) or 1) + "\n\n"
              + _details(registration, join=False))


def promoted(registration: Registration) -> None:
    with force_locale(registration.language):
        _send(registration, _("A seat is yours: %(title)s", title=registration.webinar.title),
              _("A seat became free and it is yours: you are now registered for the "
                "webinar.") + "\n\n" + _details(registration, join=True),
              with_calendar=True)
    schedule_reminders(registration)


def changed(registration: Registration) -> None:
    """The time or the join link changed: the new details, and the reminders moved."""
    if registration.webinar.starts_at <= utcnow():
        return
    seated = registration.status == RegistrationStatus.confirmed
    with force_locale(registration.language):
        _send(registration, _("Changed: %(title)s", title=registration.webinar.title),
              _("The webinar you registered for has changed. The new details:") + "\n\n"
              + _details(registration, join=seated), with_calendar=seated)
    if seated:
        schedule_reminders(registration)


def _reminder_key(registration: Registration) -> str:
    return f"webinar-reminder:{registration.id}:"


def schedule_reminders(registration: Registration) -> None:
    """Queue the reminders still ahead, each keyed by registration, start time and offset."""
    webinar = registration.webinar
    now = utcnow()
    for before, suffix in REMINDERS:
        moment = webinar.starts_at - before
        if moment <= now:
            continue  # registered later than that: the confirmation has said it all
        key = f"{_reminder_key(registration)}{webinar.starts_at.isoformat()}:{suffix}"
        with force_locale(registration.language):
            subject = (_("Tomorrow: %(title)s", title=webinar.title) if suffix == "24h"
                       else _("In an hour: %(title)s", title=webinar.title))
            _send(registration, subject,
                  _("A reminder: your webinar starts soon.") + "\n\n"
                  + _details(registration, join=True),
                  key=key, send_after=moment)


def withdraw_reminders(registration: Registration) -> None:
    mail.withdraw(_reminder_key(registration))


def recording(registration: Registration) -> None:
    webinar = registration.webinar
    with force_locale(registration.language):
        _send(registration, _("Recording: %(title)s", title=webinar.title),
              _("The recording of the webinar “%(title)s” is online: %(url)s",
                title=webinar.title, url=webinar.recording_url) + "\n\n"
              + _("Webinar page, with its materials: %(link)s",
                  link=mail.link("webinars.detail", webinar_id=webinar.id)),
              key=f"webinar-recording:{registration.id}")


def feedback_request(registration: Registration) -> None:
    with force_locale(registration.language):
        _send(registration, _("How was it? %(title)s", title=registration.webinar.title),
              _("Thank you for attending. Two questions, a minute of your time: how useful "
                "was the webinar (1 to 5), and what should we change? Answer on your "
                "registration page (link below)."),
              key=f"webinar-feedback:{registration.id}")
