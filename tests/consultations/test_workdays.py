"""Due dates count working days: Monday to Friday, less the public holidays, in Tashkent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.consultations.workdays import add_working_days, is_working_day, parse_holidays
from tests.consultations.helpers import get, send

TASHKENT = ZoneInfo("Asia/Tashkent")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TASHKENT)  # type: ignore[misc]


def test_days_within_a_week() -> None:
    # Monday 10:00 + 3 working days: Thursday 10:00.
    assert add_working_days(local(2026, 8, 24, 10), 3) == local(2026, 8, 27, 10)


def test_a_weekend_is_skipped() -> None:
    # Friday + 1: Monday, not Saturday.
    assert add_working_days(local(2026, 8, 21, 10), 1) == local(2026, 8, 24, 10)


def test_a_request_sent_at_the_weekend_counts_from_monday() -> None:
    assert add_working_days(local(2026, 8, 22, 15), 1) == local(2026, 8, 24, 15)


def test_a_holiday_is_skipped_as_well() -> None:
    # Friday 28 August + 2: Monday 31 (1), Tuesday 1 September is Independence Day,
    # Wednesday 2 September (2).
    assert add_working_days(local(2026, 8, 28, 10), 2, ["09-01"]) == local(2026, 9, 2, 10)
    assert add_working_days(local(2026, 8, 28, 10), 2) == local(2026, 9, 1, 10)


def test_a_one_off_holiday_counts_only_in_its_year() -> None:
    holidays = ["2026-03-20"]  # Ramazon hayit, announced for 2026

    assert not is_working_day(date(2026, 3, 20), holidays)
    assert is_working_day(date(2027, 3, 19), holidays)
    # Thursday 19 March + 1: Friday is the holiday, so Monday 23.
    assert add_working_days(local(2026, 3, 19, 9), 1, holidays) == local(2026, 3, 23, 9)


def test_the_local_date_decides_not_the_utc_date() -> None:
    # Friday 21:00 UTC is Saturday 02:00 in Tashkent: one day later is Monday 02:00 there.
    start = datetime(2026, 8, 21, 21, tzinfo=UTC)

    due = add_working_days(start, 1)

    assert due.astimezone(TASHKENT) == local(2026, 8, 24, 2)
    assert due.tzinfo == UTC


def test_bad_holiday_entries_are_ignored() -> None:
    dates, yearly = parse_holidays(["2026-02-30", "13-01", "soon", "03-21", date(2026, 5, 1)])

    assert dates == {date(2026, 5, 1)} and yearly == {(3, 21)}


def test_a_requests_due_date_comes_from_its_topics_response_time(app) -> None:
    # "family" answers in 5 working days; sent on Friday 28 August 2026 at 10:00 in Tashkent:
    # 31 Aug, (1 Sep is a holiday), 2, 3, 4, 7 September.
    sent = send(app, "family", now=local(2026, 8, 28, 10).astimezone(UTC))

    with app.app_context():
        assert get(sent.id).due_at == local(2026, 9, 7, 10)


def test_the_holidays_are_a_setting(app) -> None:
    app.config["CONSULTATION_HOLIDAYS"] = ["2026-08-31", "2026-09-04"]

    sent = send(app, "family", now=local(2026, 8, 28, 10).astimezone(UTC))

    with app.app_context():
        # 31 August and 4 September are the holidays now, 1 September is not:
        # 1, 2, 3, 7, 8 September.
        assert get(sent.id).due_at == local(2026, 9, 8, 10)


def test_holidays_given_as_one_string_are_split_on_commas(app) -> None:
    # PORTAL_CONSULTATION_HOLIDAYS="2026-08-31, 2026-09-04" arrives as one string.
    assert parse_holidays("01-01,03-08, 2026-05-01") == (
        frozenset({date(2026, 5, 1)}), frozenset({(1, 1), (3, 8)}))
    assert not is_working_day(date(2026, 3, 9), "03-09")
    app.config["CONSULTATION_HOLIDAYS"] = "2026-08-31, 2026-09-04"

    sent = send(app, "family", now=local(2026, 8, 28, 10).astimezone(UTC))

    with app.app_context():
        assert get(sent.id).due_at == local(2026, 9, 8, 10)
