"""Reminder timing across a whole year of DST changes, quiet hours, pauses and nudges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import (
    NUDGE_VALID_FOR,
    Occurrence,
    QuietHours,
    ReminderPlan,
    ScheduleError,
    local_to_utc,
    next_occurrence,
    next_three,
    pre_run_plan,
    retest_plan,
    strength_plan,
)

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
YEAR_START = datetime(2026, 12, 30, tzinfo=UTC)
YEAR = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]
STEP = timedelta(minutes=15)


def year_of_occurrences(plan: ReminderPlan) -> list[Occurrence]:
    found: list[Occurrence] = []
    after, after_date = YEAR_START, None
    while True:
        occurrence = next_occurrence(plan, after, after_date)
        assert occurrence is not None
        if occurrence.local_date.year > 2027:
            return [o for o in found if o.local_date.year == 2027]
        found.append(occurrence)
        after, after_date = occurrence.due_at, occurrence.local_date


def first_instant_at_or_after(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Oracle by brute force: walk UTC in 15-minute steps until the local clock reaches ``at``.

    Every zone and time below sits on a 15-minute grid, Chatham's +12:45 included.
    """
    instant = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=15)
    while True:
        local = instant.astimezone(zone)
        if local.date() > day or (local.date() == day and local.time() >= at):
            return instant
        instant += STEP


# (zone, run time): times in each zone's spring gap, autumn repeat, and an ordinary evening.
YEAR_TABLE = [
    ("Europe/Berlin", "02:30"), ("Europe/Berlin", "18:30"),
    ("America/New_York", "02:30"), ("America/New_York", "01:30"), ("America/New_York", "18:30"),
    ("Australia/Sydney", "02:30"), ("Australia/Sydney", "18:30"),
    ("Asia/Kolkata", "02:30"), ("Asia/Kolkata", "18:30"),
    ("Pacific/Chatham", "03:00"), ("Pacific/Chatham", "02:30"), ("Pacific/Chatham", "18:30"),
]


@pytest.mark.parametrize(("zone", "run_time"), YEAR_TABLE)
def test_every_run_day_of_2027_gets_exactly_one_reminder_at_the_right_instant(
        zone: str, run_time: str) -> None:
    plan = pre_run_plan(ALL_DAYS, run_time, zone, quiet=None)
    occurrences = year_of_occurrences(plan)
    assert [o.local_date for o in occurrences] == YEAR
    assert len({o.key for o in occurrences}) == 365
    tz, at = ZoneInfo(zone), time.fromisoformat(run_time)
    for occurrence in occurrences:
        assert occurrence.run_at == first_instant_at_or_after(occurrence.local_date, at, tz)
        assert occurrence.due_at == occurrence.run_at - timedelta(minutes=45)


@pytest.mark.parametrize(("zone", "days", "expected"), [
    ("Europe/Berlin", ["mon", "wed", "sat"], 52 + 52 + 52),
    ("Pacific/Chatham", ["sun"], 52),
    ("Asia/Kolkata", ["fri"], 53),
])
def test_only_the_chosen_weekdays_get_reminders(zone: str, days: list[str], expected: int) -> None:
    occurrences = year_of_occurrences(pre_run_plan(days, "07:30", zone))
    chosen = {ALL_DAYS.index(d) for d in days}
    assert len(occurrences) == expected
    assert {o.local_date.weekday() for o in occurrences} == chosen


# (zone, DST day, run time) -> local wall time the run is reminded for, and its UTC instant.
TRANSITION_TABLE = [
    ("Europe/Berlin", date(2027, 3, 28), "02:30", "03:00", datetime(2027, 3, 28, 1, 0)),
    ("Europe/Berlin", date(2027, 10, 31), "02:30", "02:30", datetime(2027, 10, 31, 0, 30)),
    ("America/New_York", date(2027, 3, 14), "02:15", "03:00", datetime(2027, 3, 14, 7, 0)),
    ("America/New_York", date(2027, 11, 7), "01:30", "01:30", datetime(2027, 11, 7, 5, 30)),
    ("Australia/Sydney", date(2027, 10, 3), "02:30", "03:00", datetime(2027, 10, 2, 16, 0)),
    ("Australia/Sydney", date(2027, 4, 4), "02:30", "02:30", datetime(2027, 4, 3, 15, 30)),
    ("Pacific/Chatham", date(2027, 9, 26), "03:00", "03:45", datetime(2027, 9, 25, 14, 0)),
    ("Pacific/Chatham", date(2027, 4, 4), "03:00", "03:00", datetime(2027, 4, 3, 13, 15)),
    ("Asia/Kolkata", date(2027, 3, 28), "02:30", "02:30", datetime(2027, 3, 27, 21, 0)),
]


@pytest.mark.parametrize(("zone", "day", "run_time", "wall", "utc"), TRANSITION_TABLE)
def test_transition_days_move_gaps_forward_and_take_the_first_of_a_repeat(
        zone: str, day: date, run_time: str, wall: str, utc: datetime) -> None:
    utc = utc.replace(tzinfo=UTC)
    plan = pre_run_plan(ALL_DAYS, run_time, zone, quiet=None)
    occurrence = next_occurrence(plan, utc - timedelta(hours=12))
    assert occurrence is not None
    assert occurrence.local_date == day
    assert occurrence.run_at == utc
    assert occurrence.run_at.astimezone(ZoneInfo(zone)).strftime("%H:%M") == wall


def local_due(occurrence: Occurrence | None, zone: str) -> str:
    assert occurrence is not None
    return occurrence.due_at.astimezone(ZoneInfo(zone)).strftime("%a %H:%M")


OWN_QUIET = QuietHours(time(22, 30), time(7, 0))  # set with /quiet
# (run time, lead, quiet hours) -> when the reminder arrives, local (the run is on a Wednesday).
QUIET_TABLE = [
    ("18:00", 45, QuietHours(), "Wed 17:15"),   # nothing quiet about it
    # The default quiet hours give way to the run: a 07:00 runner is up at 06:15.
    ("07:15", 45, QuietHours(), "Wed 06:30"),
    ("07:30", 60, QuietHours(), "Wed 06:30"),
    ("07:00", 45, QuietHours(), "Wed 06:15"),   # never the evening before
    ("07:10", 45, QuietHours(), "Wed 06:25"),
    # Quiet hours the runner set: the reminder waits for their end, still before the run.
    ("07:15", 45, OWN_QUIET, "Wed 07:00"),
    ("07:10", 45, OWN_QUIET, "Wed 07:00"),
    ("06:00", 45, QuietHours(), "Wed 05:15"),   # the run is in quiet hours: the runner chose it
    ("23:00", 45, QuietHours(), "Wed 22:15"),
    ("22:30", 45, QuietHours(), "Wed 21:45"),
    ("15:20", 45, QuietHours(time(13), time(15)), "Wed 15:00"),
    ("07:00", 45, None, "Wed 06:15"),
]


@pytest.mark.parametrize(("run_time", "lead", "quiet", "expected"), QUIET_TABLE)
def test_quiet_hours(run_time: str, lead: int, quiet: QuietHours | None, expected: str) -> None:
    plan = pre_run_plan(["wed"], run_time, "Europe/Berlin", lead_minutes=lead, quiet=quiet)
    assert local_due(next_occurrence(plan, datetime(2027, 6, 7, tzinfo=UTC)),
                     "Europe/Berlin") == expected


def test_own_quiet_hours_that_end_at_the_run_hold_that_reminder_back_not_to_the_evening(
        ) -> None:
    plan = pre_run_plan(["wed"], "07:00", "Europe/Berlin", lead_minutes=45, quiet=OWN_QUIET)
    found = next_occurrence(plan, datetime(2027, 6, 7, tzinfo=UTC))
    assert found is None or found.due_at.astimezone(ZoneInfo("Europe/Berlin")).hour < 22
    assert found is None or found.due_at < found.run_at


def test_quiet_hours_end_on_a_spring_forward_morning_is_read_on_the_new_clock() -> None:
    plan = pre_run_plan(["sun"], "07:15", "Europe/Berlin", quiet=OWN_QUIET)
    occurrence = next_occurrence(plan, datetime(2027, 3, 27, tzinfo=UTC))
    assert occurrence is not None
    assert occurrence.due_at == datetime(2027, 3, 28, 5, 0, tzinfo=UTC)  # 07:00 CEST


def test_the_next_reminder_is_strictly_after_the_given_instant() -> None:
    plan = pre_run_plan(["mon", "thu"], "18:00", "America/New_York")
    monday = next_occurrence(plan, datetime(2027, 5, 3, 12, tzinfo=UTC))
    assert monday is not None
    assert monday.key == "2027-05-03:pre_run"
    thursday = next_occurrence(plan, monday.due_at)
    assert thursday is not None
    assert thursday.key == "2027-05-06:pre_run"
    assert next_occurrence(plan, monday.due_at - timedelta(seconds=1)) == monday


def test_a_skipped_date_and_a_pause_pass_over_run_days() -> None:
    after = datetime(2027, 5, 1, tzinfo=UTC)  # a Saturday
    plan = pre_run_plan(["mon", "thu"], "18:00", "Europe/Berlin",
                        skipped_dates=[date(2027, 5, 3)])
    assert local_due(next_occurrence(plan, after), "Europe/Berlin") == "Thu 17:15"
    paused = pre_run_plan(["mon", "thu"], "18:00", "Europe/Berlin",
                          paused_until=datetime(2027, 5, 7, tzinfo=UTC))
    found = next_occurrence(paused, after)
    assert found is not None
    assert found.key == "2027-05-10:pre_run"


def test_a_plan_with_no_days_or_paused_beyond_the_horizon_has_nothing_next() -> None:
    after = datetime(2027, 5, 1, tzinfo=UTC)
    assert next_occurrence(pre_run_plan([], "18:00", "Europe/Berlin"), after) is None
    forever = pre_run_plan(["mon"], "18:00", "Europe/Berlin",
                           paused_until=after + timedelta(days=800))
    assert next_occurrence(forever, after) is None


def test_strength_nudge_fires_at_the_chosen_time_and_goes_stale_after_a_while() -> None:
    plan = strength_plan(["tue", "fri"], "12:30", "Asia/Kolkata")
    occurrence = next_occurrence(plan, datetime(2027, 8, 2, tzinfo=UTC))  # a Monday
    assert occurrence is not None
    assert occurrence.key == "2027-08-03:strength"
    assert occurrence.due_at == datetime(2027, 8, 3, 7, 0, tzinfo=UTC)
    assert occurrence.run_at == occurrence.due_at + NUDGE_VALID_FOR


def test_retest_nudge_comes_every_four_weeks_after_screening() -> None:
    plan = retest_plan(datetime(2027, 1, 9, 23, 30, tzinfo=UTC), "18:00", "Australia/Sydney")
    first = next_occurrence(plan, datetime(2027, 1, 10, tzinfo=UTC))
    assert first is not None
    assert first.key == "2027-02-07:retest"
    second = next_occurrence(plan, first.due_at, first.local_date)
    assert second is not None
    assert second.key == "2027-03-07:retest"
    later = next_occurrence(plan, datetime(2027, 6, 1, tzinfo=UTC))
    assert later is not None
    assert later.key == "2027-06-27:retest"


def test_next_three_merges_all_plans_soonest_first() -> None:
    after = datetime(2027, 5, 3, tzinfo=UTC)  # Monday
    plans = [pre_run_plan(["tue", "sat"], "18:00", "Europe/Berlin"),
             strength_plan(["wed"], "12:00", "Europe/Berlin")]
    assert [o.key for o in next_three(plans, after)] == [
        "2027-05-04:pre_run", "2027-05-05:strength", "2027-05-08:pre_run"]


@pytest.mark.parametrize(("days", "at", "zone"), [
    (["mon"], "25:00", "Europe/Berlin"), (["mon"], "seven", "Europe/Berlin"),
    (["someday"], "07:00", "Europe/Berlin"), (["mon"], "07:00", "Mars/Olympus"),
])
def test_unusable_settings_are_refused_with_a_reason(days: list[str], at: str, zone: str) -> None:
    with pytest.raises(ScheduleError):
        pre_run_plan(days, at, zone)


def test_local_to_utc_is_plain_on_an_ordinary_day() -> None:
    assert local_to_utc(date(2027, 7, 1), time(9), ZoneInfo("Asia/Kolkata")) == datetime(
        2027, 7, 1, 3, 30, tzinfo=UTC)
