"""Business days on the Japanese government calendar: weekends, holidays, the year-end closure, extra closures."""

import datetime
import random

import pytest

from coordination import calendar
from coordination.calendar import BusinessCalendar, japan_today
from coordination.models import ClosureDay

D = datetime.date
UTC = datetime.UTC


@pytest.fixture
def cal():
    return BusinessCalendar()


# --- Which days are closed -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 6, 6),  # Saturday
        D(2026, 6, 7),  # Sunday
        D(2026, 12, 29),  # year-end closure starts (a Tuesday)
        D(2026, 12, 30),
        D(2026, 12, 31),
        D(2027, 1, 1),  # New Year's Day
        D(2027, 1, 2),
        D(2027, 1, 3),  # year-end closure ends
        D(2026, 4, 29),  # Showa Day (Golden Week)
        D(2026, 5, 3),  # Constitution Day, a Sunday
        D(2026, 5, 4),  # Greenery Day
        D(2026, 5, 5),  # Children's Day
        D(2026, 5, 6),  # substitute holiday for 3 May
        D(2026, 9, 21),  # Respect for the Aged Day (Silver Week)
        D(2026, 9, 22),  # citizens' holiday between two holidays
        D(2026, 9, 23),  # Autumnal Equinox Day
        D(2025, 2, 24),  # substitute holiday for the Emperor's Birthday on a Sunday
        D(2025, 11, 24),  # substitute holiday for Labour Thanksgiving Day on a Sunday
    ],
)
def test_closed_days(cal, day):
    assert not cal.is_business_day(day)
    assert cal.closure_reason(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 6, 1),  # an ordinary Monday
        D(2026, 12, 28),  # last business day of the year
        D(2027, 1, 4),  # first business day of the year
        D(2026, 4, 30),  # between Showa Day and the May holidays
        D(2026, 5, 1),
        D(2026, 5, 7),  # first business day after Golden Week
        D(2026, 9, 24),  # first business day after Silver Week
        D(2028, 2, 29),  # leap day, a Tuesday
        D(2025, 2, 25),
    ],
)
def test_open_days(cal, day):
    assert cal.is_business_day(day)
    assert cal.closure_reason(day) is None


def test_year_end_closure_applies_even_on_weekdays_without_a_holiday(cal):
    assert calendar.is_year_end_closure(D(2026, 12, 29))
    assert calendar.is_year_end_closure(D(2027, 1, 3))
    assert not calendar.is_year_end_closure(D(2026, 12, 28))
    assert not calendar.is_year_end_closure(D(2027, 1, 4))
    assert cal.closure_reason(D(2026, 12, 29)) == "Year-end closure"


# --- Adding business days --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (D(2026, 6, 5), 1, D(2026, 6, 8)),  # Friday + 1 skips the weekend
        (D(2026, 6, 1), 5, D(2026, 6, 8)),  # a full week
        (D(2026, 12, 28), 1, D(2027, 1, 4)),  # over the year-end closure
        (D(2026, 12, 25), 2, D(2027, 1, 4)),  # Friday 25 Dec, Monday 28 Dec, then 4 Jan
        (D(2026, 4, 28), 1, D(2026, 4, 30)),  # over Showa Day
        (D(2026, 5, 1), 1, D(2026, 5, 7)),  # over the May holidays incl. the substitute holiday
        (D(2026, 9, 18), 1, D(2026, 9, 24)),  # over Silver Week (weekend + three holidays)
        (D(2025, 2, 21), 1, D(2025, 2, 25)),  # over a weekend + substitute holiday
        (D(2025, 11, 21), 1, D(2025, 11, 25)),
        (D(2028, 2, 28), 1, D(2028, 2, 29)),  # onto the leap day
        (D(2028, 2, 29), 1, D(2028, 3, 1)),  # off the leap day
        (D(2028, 2, 25), 2, D(2028, 2, 29)),  # Friday + 2 lands on the leap day
    ],
)
def test_add_business_days_forwards(cal, start, count, expected):
    assert cal.add_business_days(start, count) == expected


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (D(2026, 6, 8), -1, D(2026, 6, 5)),  # Monday - 1 is the Friday before
        (D(2027, 1, 4), -1, D(2026, 12, 28)),  # back over the year-end closure
        (D(2026, 5, 7), -1, D(2026, 5, 1)),  # back over Golden Week
        (D(2026, 9, 24), -1, D(2026, 9, 18)),  # back over Silver Week
        (D(2028, 3, 1), -1, D(2028, 2, 29)),  # back onto the leap day
        (D(2026, 6, 8), -5, D(2026, 6, 1)),
    ],
)
def test_add_business_days_backwards(cal, start, count, expected):
    assert cal.add_business_days(start, count) == expected


@pytest.mark.parametrize(
    ("closed_day", "expected"),
    [
        (D(2026, 6, 6), D(2026, 6, 8)),  # Saturday
        (D(2026, 12, 29), D(2027, 1, 4)),  # inside the year-end closure
        (D(2026, 5, 3), D(2026, 5, 7)),  # inside Golden Week
        (D(2026, 9, 22), D(2026, 9, 24)),  # the citizens' holiday
    ],
)
def test_adding_zero_to_a_closed_day_gives_the_next_business_day(cal, closed_day, expected):
    assert cal.add_business_days(closed_day, 0) == expected
    assert cal.next_business_day(closed_day) == expected


def test_adding_zero_to_a_business_day_is_the_same_day(cal):
    assert cal.add_business_days(D(2028, 2, 29), 0) == D(2028, 2, 29)
    assert cal.next_business_day(D(2028, 2, 29)) == D(2028, 2, 29)


def test_a_negative_count_from_a_closed_day_rolls_forward_first(cal):
    # Saturday rolls to Monday 8 June, then one business day back is Friday 5 June.
    assert cal.add_business_days(D(2026, 6, 6), -1) == D(2026, 6, 5)


# --- Counting business days ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 6, 1), D(2026, 6, 1), 0),
        (D(2026, 6, 1), D(2026, 6, 8), 5),
        (D(2026, 12, 28), D(2027, 1, 4), 1),  # the whole year-end closure counts for nothing
        (D(2026, 4, 28), D(2026, 5, 7), 3),  # Golden Week: only 30 April, 1 May and 7 May count
        (D(2028, 2, 28), D(2028, 3, 1), 2),  # the leap day counts
        (D(2028, 2, 1), D(2028, 3, 1), 19),  # 18 open days after 1 Feb, incl. the leap day, + 1 March
        (D(2026, 6, 6), D(2026, 6, 7), 0),  # a weekend holds no business day
    ],
)
def test_business_days_between(cal, start, end, expected):
    assert cal.business_days_between(start, end) == expected
    assert cal.business_days_between(end, start) == -expected


def test_business_days_between_is_negative_when_end_is_before_start(cal):
    assert cal.business_days_between(D(2027, 1, 4), D(2026, 12, 28)) == -1
    assert cal.business_days_between(D(2028, 3, 1), D(2028, 2, 28)) == -2


def test_business_days_between_and_add_business_days_agree(cal):
    """between(d, add(d, n)) == n for every business day d, around the closures and the leap day."""
    starts = (
        [
            D(2026, 4, 20) + datetime.timedelta(days=offset)
            for offset in range(25)  # through Golden Week
        ]
        + [
            D(2026, 9, 14) + datetime.timedelta(days=offset)
            for offset in range(14)  # through Silver Week
        ]
        + [
            D(2026, 12, 21) + datetime.timedelta(days=offset)
            for offset in range(18)  # through the year-end
        ]
        + [
            D(2028, 2, 21) + datetime.timedelta(days=offset)
            for offset in range(14)  # through the leap day
        ]
    )
    checked = 0
    for day in starts:
        if not cal.is_business_day(day):
            continue
        for count in range(-12, 13):
            moved = cal.add_business_days(day, count)
            assert cal.is_business_day(moved), (day, count, moved)
            assert cal.business_days_between(day, moved) == count, (day, count, moved)
            checked += 1
    assert checked > 500


def test_leap_day_february_2028_business_days(cal):
    february = [D(2028, 2, day) for day in range(1, 30)]
    open_days = [day for day in february if cal.is_business_day(day)]
    # 21 weekdays, less Foundation Day (Fri 11 Feb) and the Emperor's Birthday (Wed 23 Feb).
    assert len(open_days) == 19
    assert D(2028, 2, 29) in open_days


# --- Japan's date ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime.datetime(2026, 11, 30, 14, 59, 59, tzinfo=UTC), D(2026, 11, 30)),  # 23:59:59 in Tokyo
        (datetime.datetime(2026, 11, 30, 15, 0, tzinfo=UTC), D(2026, 12, 1)),  # midnight in Tokyo
        (datetime.datetime(2026, 11, 30, 15, 30, tzinfo=UTC), D(2026, 12, 1)),
        (datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC), D(2027, 1, 1)),  # New Year in Tokyo, not in London
        (datetime.datetime(2028, 2, 28, 15, 0, tzinfo=UTC), D(2028, 2, 29)),  # the leap day starts in Tokyo
    ],
)
def test_japan_today_from_explicit_moments(moment, expected):
    assert japan_today(moment) == expected


def test_japan_today_defaults_to_the_current_moment(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 30, 15, 30, tzinfo=UTC), tick=False)
    assert japan_today() == D(2026, 12, 1)
    time_machine.move_to(datetime.datetime(2026, 11, 30, 14, 30, tzinfo=UTC), tick=False)
    assert japan_today() == D(2026, 11, 30)


# --- The calendar in force, with extra closure days from the database -----------------------------------------------


@pytest.mark.django_db
def test_an_extra_closure_day_in_the_database_closes_that_day():
    day = D(2026, 6, 10)  # a Wednesday
    assert calendar.is_business_day(day)
    assert calendar.add_business_days(D(2026, 6, 9), 1) == day

    ClosureDay.objects.create(date=day, name="Office relocation")

    assert not calendar.is_business_day(day)
    assert calendar.get_calendar().closure_reason(day) == "Extra closure day"
    assert calendar.add_business_days(D(2026, 6, 9), 1) == D(2026, 6, 11)
    assert calendar.add_business_days(day, 0) == D(2026, 6, 11)
    assert calendar.business_days_between(D(2026, 6, 8), D(2026, 6, 12)) == 3


@pytest.mark.django_db
def test_database_functions_match_the_pure_calendar_without_extra_closures():
    assert calendar.add_business_days(D(2026, 12, 28), 1) == D(2027, 1, 4)
    assert calendar.business_days_between(D(2028, 2, 28), D(2028, 3, 1)) == 2
    assert calendar.is_business_day(D(2028, 2, 29))
    assert not calendar.is_business_day(D(2026, 5, 6))


def test_extra_closures_on_the_pure_calendar():
    cal = BusinessCalendar(extra_closures=[D(2028, 2, 29)])
    assert not cal.is_business_day(D(2028, 2, 29))
    assert cal.add_business_days(D(2028, 2, 28), 1) == D(2028, 3, 1)
    assert cal.business_days_between(D(2028, 2, 28), D(2028, 3, 1)) == 1


def walk_between(cal: BusinessCalendar, start: datetime.date, end: datetime.date) -> int:
    """The definition, one day at a time (what the running count must agree with)."""
    if end < start:
        return -walk_between(cal, end, start)
    days = (end - start).days
    return sum(cal.is_business_day(start + datetime.timedelta(days=offset)) for offset in range(1, days + 1))


def walk_add(cal: BusinessCalendar, day: datetime.date, count: int) -> datetime.date:
    day = cal.next_business_day(day)
    step = datetime.timedelta(days=1 if count >= 0 else -1)
    for _moved in range(abs(count)):
        day += step
        while not cal.is_business_day(day):
            day += step
    return day


def test_the_running_count_agrees_with_a_day_by_day_walk_over_years_and_far_jumps():
    """Random pairs over 2024-2032 (far apart, so the span is widened both ways) and extra closures."""
    chooser = random.Random(20261130)
    closures = [D(2027, 5, 6), D(2029, 8, 13), D(2031, 12, 28)]
    cal = BusinessCalendar(closures)
    first = D(2024, 1, 1).toordinal()
    for _pair in range(400):
        start = D.fromordinal(first + chooser.randrange(365 * 9))
        end = D.fromordinal(first + chooser.randrange(365 * 9))
        assert cal.business_days_between(start, end) == walk_between(cal, start, end), (start, end)
        count = chooser.randrange(-700, 700)
        assert cal.add_business_days(start, count) == walk_add(cal, start, count), (start, count)
