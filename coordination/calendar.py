"""Business days on the Japanese government calendar.

Offices are closed on Saturdays, Sundays, national holidays (with substitute and citizens' holidays, from the
maintained `holidays` package), from 29 December to 3 January, and on any extra closure day a coordinator adds.
Adding business days first rolls a closed start day forward to the next business day (so adding 0 to a closed
day gives the next business day), then moves that many business days, backwards for a negative count.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone
from django.utils.translation import gettext as _

JAPAN = ZoneInfo("Asia/Tokyo")
ONE_DAY = datetime.timedelta(days=1)


def japan_today(now: datetime.datetime | None = None) -> datetime.date:
    """The date in Japan at `now` (default: the current moment)."""
    return (now or timezone.now()).astimezone(JAPAN).date()


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight in Japan at the start of `day`."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=JAPAN)


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> dict[datetime.date, str]:
    return dict(holidays.Japan(years=year, language="en_US"))


def is_year_end_closure(day: datetime.date) -> bool:
    """29 December to 3 January, when government offices close."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


class BusinessCalendar:
    """The government calendar with a given set of extra closure days.

    Day counts are answered from a running count of business days over a span of dates, built once per calendar
    and widened when a date outside it is asked about: counting or moving across a year costs a lookup, not a walk
    of every day (the reminder sweep asks this for every item)."""

    # How far past the dates asked about a (re)built span reaches, so that neighbouring questions need no rebuild.
    MARGIN_DAYS = 400

    def __init__(self, extra_closures: Iterable[datetime.date] = ()):
        self.extra_closures = frozenset(extra_closures)
        self._first = 0  # the ordinal of the span's first day
        self._through: list[int] = []  # business days from the span's first day through each day of it

    def closure_reason(self, day: datetime.date) -> str | None:
        """Why offices are closed on `day`, or None on a business day."""
        if day.weekday() == 5:
            return _("Saturday")
        if day.weekday() == 6:
            return _("Sunday")
        holiday = _national_holidays(day.year).get(day)
        if holiday:
            return holiday
        if is_year_end_closure(day):
            return _("Year-end closure")
        if day in self.extra_closures:
            return _("Extra closure day")
        return None

    def is_business_day(self, day: datetime.date) -> bool:
        if day.weekday() >= 5:
            return False
        return not (day in _national_holidays(day.year) or is_year_end_closure(day) or day in self.extra_closures)

    def next_business_day(self, day: datetime.date) -> datetime.date:
        """`day` itself if offices are open, else the first business day after it."""
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    def _cover(self, first: int, last: int) -> None:
        """Make the span include the ordinals `first` to `last`."""
        if self._through and self._first <= first and last < self._first + len(self._through):
            return
        if self._through:
            first, last = min(first, self._first), max(last, self._first + len(self._through) - 1)
        first, last = first - self.MARGIN_DAYS, last + self.MARGIN_DAYS
        through, count = [], 0
        for ordinal in range(first, last + 1):
            count += self.is_business_day(datetime.date.fromordinal(ordinal))
            through.append(count)
        self._first, self._through = first, through

    def _count_through(self, day: datetime.date) -> int:
        return self._through[day.toordinal() - self._first]

    def add_business_days(self, day: datetime.date, count: int) -> datetime.date:
        """The business day `count` business days after `day` (before it, when negative)."""
        day = self.next_business_day(day)
        # Five business days take at most seven calendar days, plus the longest run of closed days (under 14).
        reach = abs(count) * 7 // 5 + 14
        self._cover(day.toordinal() - reach, day.toordinal() + reach)
        target = self._count_through(day) + count
        # The first day of the span whose running count reaches `target` is the business day that brings it there.
        index = bisect.bisect_left(self._through, target)
        return datetime.date.fromordinal(self._first + index)

    def business_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Business days after `start` up to and including `end`; negative when `end` is before `start`."""
        if end < start:
            return -self.business_days_between(end, start)
        self._cover(start.toordinal(), end.toordinal())
        return self._count_through(end) - self._count_through(start)


def get_calendar() -> BusinessCalendar:
    """The calendar in force: national holidays, year-end, and the closure days stored in the database."""
    from coordination.models import ClosureDay

    return BusinessCalendar(ClosureDay.objects.values_list("date", flat=True))


def is_business_day(day: datetime.date) -> bool:
    """Whether government offices are open on `day`."""
    return get_calendar().is_business_day(day)


def add_business_days(day: datetime.date, count: int) -> datetime.date:
    """`day` moved by `count` business days on the calendar in force."""
    return get_calendar().add_business_days(day, count)


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days after `start` up to and including `end`, on the calendar in force."""
    return get_calendar().business_days_between(start, end)
