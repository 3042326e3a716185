"""The reminder rules as dates: for a business day and a department's policy, the cut-off dates the sweep queries by.

Pure: no database. "N business days after day A" holds on business day D when at least N business days lie
in (A, D], that is when A is before the N-th business day counting back from D (D included). Rules that fire
"once" are keyed so that a sweep missed on their first day still records them on the next business day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from coordination.calendar import BusinessCalendar


@dataclass(frozen=True)
class Policy:
    """The numbers of a department's reminder policy (business days)."""

    unacknowledged_remind_after: int = 1
    unacknowledged_escalate_after: int = 2
    due_soon: tuple[int, ...] = (3, 1)
    remind_on_due_date: bool = True
    overdue_escalate_coordinator_after: int = 3
    overdue_escalate_director_after: int = 10
    stale_after: int = 10
    review_waiting_after: int = 2
    concurrence_before_due: int = 2

    @classmethod
    def from_model(cls, policy) -> Policy:
        return cls(
            unacknowledged_remind_after=policy.unacknowledged_remind_after,
            unacknowledged_escalate_after=policy.unacknowledged_escalate_after,
            due_soon=tuple(sorted({policy.due_soon_first, policy.due_soon_second}, reverse=True)),
            remind_on_due_date=policy.remind_on_due_date,
            overdue_escalate_coordinator_after=policy.overdue_escalate_coordinator_after,
            overdue_escalate_director_after=policy.overdue_escalate_director_after,
            stale_after=policy.stale_after,
            review_waiting_after=policy.review_waiting_after,
            concurrence_before_due=policy.concurrence_before_due,
        )


@dataclass(frozen=True)
class Cutoffs:
    """For one business day: which dates each rule matches."""

    today: datetime.date
    unacknowledged_before: datetime.date  # assigned before this day: remind
    unacknowledged_escalate_before: datetime.date  # assigned before this day: escalate
    due_soon_windows: tuple[tuple[int, datetime.date, datetime.date], ...]  # (days before, due after, due up to)
    overdue_coordinator_before: datetime.date  # due before this day: escalate to the coordinator
    overdue_director_before: datetime.date
    stale_before: datetime.date  # last activity before this day: stale
    review_before: datetime.date  # submitted or requested before this day: remind coordinators
    concurrence_due_up_to: datetime.date  # due on or before this day (and not yet past): remind supporting agencies


def after_business_days_cutoff(calendar: BusinessCalendar, today: datetime.date, days: int) -> datetime.date:
    """Events dated before the returned day are at least `days` business days old on `today`."""
    return calendar.add_business_days(today, -(days - 1)) if days > 0 else today + datetime.timedelta(days=1)


def cutoffs_for(policy: Policy, calendar: BusinessCalendar, today: datetime.date) -> Cutoffs:
    """The cut-off dates of every rule on business day `today`."""
    windows = []
    previous_up_to = today
    for days in sorted(policy.due_soon):
        up_to = calendar.add_business_days(today, days)
        windows.append((days, previous_up_to, up_to))  # due in (previous_up_to, up_to]: the tightest offset applies
        previous_up_to = up_to
    return Cutoffs(
        today=today,
        unacknowledged_before=after_business_days_cutoff(calendar, today, policy.unacknowledged_remind_after),
        unacknowledged_escalate_before=after_business_days_cutoff(
            calendar, today, policy.unacknowledged_escalate_after
        ),
        due_soon_windows=tuple(windows),
        overdue_coordinator_before=after_business_days_cutoff(
            calendar, today, policy.overdue_escalate_coordinator_after
        ),
        overdue_director_before=after_business_days_cutoff(calendar, today, policy.overdue_escalate_director_after),
        stale_before=after_business_days_cutoff(calendar, today, policy.stale_after),
        review_before=after_business_days_cutoff(calendar, today, policy.review_waiting_after),
        concurrence_due_up_to=calendar.add_business_days(today, policy.concurrence_before_due),
    )


def stale_round(calendar: BusinessCalendar, last_activity: datetime.date, today: datetime.date, every: int) -> int:
    """How many full stale periods have passed since the last activity (1 on the first reminder, 2 on the next)."""
    return calendar.business_days_between(last_activity, today) // every
