"""Calendar files (RFC 5545) for webinars: one webinar, the public schedule, a personal feed.

Times are written in the portal's time zone with its VTIMEZONE, so a calendar program shows
them right wherever it is. The join link goes only into entries made for a participant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Alarm, Calendar, Event, Timezone

from portal.database import utcnow
from portal.webinars.models import Webinar


@dataclass(frozen=True)
class Entry:
    webinar: Webinar
    #: The webinar's page, absolute.
    url: str
    #: For a confirmed participant: the join link goes into the entry, with reminder alarms.
    participant: bool = False


#: Alarms in a participant's entry: a day and an hour before the start.
ALARMS = (timedelta(days=1), timedelta(hours=1))


def _domain() -> str:
    return str(current_app.config["MAIL_FROM"]).rpartition("@")[2] or "huquq.local"


def _event(entry: Entry, zone: ZoneInfo) -> Event:
    webinar = entry.webinar
    event = Event()
    event.add("uid", f"webinar-{webinar.id}@{_domain()}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", webinar.starts_at.astimezone(zone))
    event.add("dtend", webinar.ends_at.astimezone(zone))
    event.add("summary", webinar.title)
    # A calendar program takes a newer entry for the same UID only with a higher sequence.
    event.add("sequence", webinar.version)
    event.add("url", entry.url)
    lines = [webinar.summary, "", *webinar.speaker_list, "", entry.url]
    if entry.participant and webinar.join_url:
        event.add("location", webinar.join_url)
        lines[-1:-1] = [webinar.join_url]
        for before in ALARMS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", webinar.title)
            alarm.add("trigger", -before)
            event.add_component(alarm)
    else:
        event.add("location", "Online")
    event.add("description", "\n".join(lines).strip())
    return event


def calendar(entries: Iterable[Entry], name: str) -> bytes:
    """A calendar holding *entries*, with the time zone they are written in."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    cal = Calendar()
    cal.add("prodid", "-//Huquq Portal//Webinars//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    for entry in entries:
        cal.add_component(_event(entry, zone))
    cal.add_component(_vtimezone(zone.key))
    return bytes(cal.to_ical())


@cache
def _vtimezone(key: str) -> Timezone:
    """The zone's VTIMEZONE, from 2000 on (the years webinars are planned in). Built once per
    process: working out the transitions takes tens of milliseconds."""
    return Timezone.from_tzinfo(ZoneInfo(key), first_date=date(2000, 1, 1))
