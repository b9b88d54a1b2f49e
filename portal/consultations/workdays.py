"""Working days: Monday to Friday, less the public holidays. Pure functions, no Flask."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def parse_holidays(entries: Iterable[str | date] | str
                   ) -> tuple[frozenset[date], frozenset[tuple[int, int]]]:
    """Split holiday settings into fixed dates (``2026-03-20``) and every-year days (``03-21``).
    One string (an environment variable: ``"01-01,03-08"``) is split on commas.

    An entry that is neither is ignored rather than failing every due date of the portal.
    """
    if isinstance(entries, str):
        entries = entries.split(",")
    dates: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    for entry in entries:
        if isinstance(entry, date):
            dates.add(entry)
            continue
        text = str(entry).strip()
        try:
            if len(text) == 5:  # MM-DD
                month, day = (int(part) for part in text.split("-"))
                date(2024, month, day)  # a leap year accepts 02-29
                yearly.add((month, day))
            else:
                dates.add(date.fromisoformat(text))
        except ValueError:
            continue
    return frozenset(dates), frozenset(yearly)


def is_working_day(day: date, holidays: Iterable[str | date] | str = ()) -> bool:
    dates, yearly = parse_holidays(holidays)
    return _working(day, dates, yearly)


def _working(day: date, dates: frozenset[date], yearly: frozenset[tuple[int, int]]) -> bool:
    return day.weekday() < 5 and day not in dates and (day.month, day.day) not in yearly


def add_working_days(start: datetime, days: int, holidays: Iterable[str | date] | str = (),
                     zone: str = "Asia/Tashkent") -> datetime:
    """The moment *days* working days after *start*: the same local time of day, on the
    *days*-th working day after the local date of *start* (a request sent on Saturday with one
    day to answer is due on Monday). Returned in *start*'s time zone."""
    if start.tzinfo is None:
        raise ValueError("naive datetime")
    dates, yearly = parse_holidays(holidays)
    local = start.astimezone(ZoneInfo(zone))
    day = local.date()
    left = max(0, days)
    while left:
        day += timedelta(days=1)
        if _working(day, dates, yearly):
            left -= 1
    moment = datetime.combine(day, local.timetz())
    return moment.astimezone(start.tzinfo)
