"""The dashboard: its figures, the lists its numbers link to, who sees what, and its cost at 10 and 1,000 items."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.dashboard import dashboard, trend_mondays, week_of
from coordination.models import ActionItem, Concurrence, ExtensionRequest, Initiative, Meeting, Reminder
from coordination.selectors import viewer_for
from tests.conftest import NOW, TODAY
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db
Status = ActionItem.Status
UTC = datetime.UTC
INDEX = reverse("admin:index")


def at(day: datetime.date, hour: int = 1) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


@pytest.fixture
def board(world):
    """Items of the world's department in every state the dashboard counts, for MOD, MOFA and METI. Today is
    Monday 1 June 2026."""
    department = world.department
    initiative = Initiative.objects.create(department=department, code="P1", title_en="Strategy", title_ja="戦略")
    meeting = Meeting.objects.create(department=department, title="Kick-off", held_on=datetime.date(2026, 5, 11))

    def item(lead, status, due, **fields):
        fields.setdefault("assigned_at", at(datetime.date(2026, 3, 2)))
        if status != Status.DRAFT:
            fields.setdefault("first_assigned_at", fields["assigned_at"])
        return ActionItemFactory(
            department=department, lead_agency=lead, status=status, due_date=due, initiative=initiative, **fields
        )

    made = {
        # MOD: two overdue (one since before the trend began), one due this Friday, one unacknowledged
        "mod_overdue": item(
            world.mod, Status.IN_PROGRESS, datetime.date(2026, 5, 27), percent_complete=40, last_progress_at=NOW
        ),
        "mod_overdue_old": item(world.mod, Status.ACKNOWLEDGED, datetime.date(2026, 4, 1), meeting=meeting),
        "mod_this_week": item(world.mod, Status.IN_PROGRESS, datetime.date(2026, 6, 5), last_progress_at=NOW),
        "mod_unacknowledged": item(world.mod, Status.ASSIGNED, datetime.date(2026, 6, 19)),
        # MOFA: stale (no update for weeks), one submitted, one closed on time, one closed late after an extension
        "mofa_stale": item(
            world.mofa,
            Status.IN_PROGRESS,
            datetime.date(2026, 7, 31),
            acknowledged_at=at(datetime.date(2026, 5, 1)),
            last_progress_at=at(datetime.date(2026, 5, 8)),
        ),
        "mofa_submitted": item(
            world.mofa, Status.SUBMITTED, datetime.date(2026, 6, 10), submitted_at=NOW, percent_complete=100
        ),
        "mofa_on_time": item(
            world.mofa,
            Status.CLOSED,
            datetime.date(2026, 5, 20),
            submitted_at=at(datetime.date(2026, 5, 19)),
            closed_at=at(datetime.date(2026, 5, 21)),
            meeting=meeting,
        ),
        "mofa_late_against_original": item(
            world.mofa,
            Status.CLOSED,
            datetime.date(2026, 5, 29),
            original_due_date=datetime.date(2026, 5, 15),
            submitted_at=at(datetime.date(2026, 5, 28)),
            closed_at=at(datetime.date(2026, 5, 29)),
        ),
        # Left out of everything but "all": a cancelled item, a draft never assigned; and an item closed so long ago
        # (181 days before TODAY) that it is in the archive, out of "all" too
        "cancelled": item(world.meti, Status.CANCELLED, datetime.date(2026, 5, 1), cancelled_at=at(TODAY)),
        "draft": item(world.meti, Status.DRAFT, datetime.date(2026, 6, 30), assigned_at=None),
        "closed_long_ago": item(
            world.meti,
            Status.CLOSED,
            datetime.date(2025, 12, 1),
            submitted_at=at(datetime.date(2025, 11, 28)),
            closed_at=at(datetime.date(2025, 12, 2)),
        ),
    }
    # METI still owes its concurrence on MOD's unacknowledged item and on MOFA's submitted one.
    Concurrence.objects.create(action_item=made["mod_unacknowledged"], agency=world.meti)
    Concurrence.objects.create(action_item=made["mofa_submitted"], agency=world.meti)
    Concurrence.objects.create(
        action_item=made["mofa_submitted"], agency=world.mod, state=Concurrence.State.CONCUR, responded_at=NOW
    )
    return made


def figures_by_agency(result):
    return {row.agency.code: row for row in result.rows}


def test_the_counts_per_lead_agency(world, board):
    result = dashboard(viewer_for(world.coordinator, today=TODAY), today=TODAY)
    rows = figures_by_agency(result)
    assert rows["MOD"].counts == {
        "open": 4,
        "overdue": 2,
        "due_this_week": 1,
        "unacknowledged": 1,
        "stale": 0,
        "awaiting_concurrence": 0,
    }
    # The world's own draft item (led by MOD) is not open: nobody has been assigned it yet.
    assert rows["MOFA"].counts["open"] == 2 and rows["MOFA"].counts["stale"] == 1
    assert rows["METI"].counts["awaiting_concurrence"] == 2 and rows["METI"].counts["open"] == 0
    assert result.totals.counts["overdue"] == 2 and result.totals.counts["awaiting_concurrence"] == 2


def test_on_time_completion_against_the_due_date_in_force_and_the_original(world, board):
    rows = figures_by_agency(dashboard(viewer_for(world.coordinator, today=TODAY), today=TODAY))
    mofa = rows["MOFA"]
    assert (mofa.closed, mofa.on_time_due, mofa.on_time_original) == (2, 2, 1)
    assert (mofa.rate_due, mofa.rate_original) == (100, 50)
    assert "METI" not in rows or rows["METI"].closed == 0  # closed more than 90 days ago


def test_the_overdue_trend_counts_each_monday_from_the_items_own_dates(world, board):
    result = dashboard(viewer_for(world.coordinator, today=TODAY), today=TODAY)
    trend = dict(result.trend)
    assert list(trend) == trend_mondays(TODAY) and len(trend) == 12
    # This Monday: MOD's two overdue items, and the item cancelled later that morning.
    assert trend[datetime.date(2026, 6, 1)] == 3
    assert trend[datetime.date(2026, 5, 25)] == 2  # MOD's item due on 27 May was not overdue yet
    assert trend[datetime.date(2026, 4, 6)] == 1
    assert trend[datetime.date(2026, 3, 30)] == 0  # nothing was due yet


def test_progress_rolls_up_per_initiative_and_meeting(world, board):
    result = dashboard(viewer_for(world.coordinator, today=TODAY), today=TODAY)
    (initiative,) = result.initiatives
    # Eight items counted (not the draft, the cancelled one, or the one closed long ago, which is in the archive):
    # two closed at 100, the rest at their percent.
    assert initiative.items == 8 and initiative.closed == 2 and initiative.overdue == 2
    assert initiative.percent == round((200 + 40 + 100) / 8)  # the submitted item is at 100 too
    (meeting,) = result.meetings
    assert (meeting.items, meeting.closed, meeting.overdue) == (2, 1, 1)


def test_an_item_closed_before_the_trend_counts_in_its_initiative_and_in_no_agency_figure(world, board):
    """The figures come from one pass over the items the agency figures or the progress count: an item closed four
    months ago (before the trend's first week, not yet in the archive) counts in its initiative's progress only."""
    before = dashboard(viewer_for(world.coordinator, today=TODAY), today=TODAY)
    ActionItemFactory(
        department=world.department,
        lead_agency=world.meti,
        status=Status.CLOSED,
        due_date=datetime.date(2026, 2, 2),
        initiative=board["mod_overdue"].initiative,
        assigned_at=at(datetime.date(2026, 1, 5)),
        first_assigned_at=at(datetime.date(2026, 1, 5)),
        submitted_at=at(datetime.date(2026, 1, 30)),
        closed_at=at(datetime.date(2026, 2, 1)),
    )
    after = dashboard(viewer_for(world.coordinator, today=TODAY), today=TODAY)
    (initiative,) = after.initiatives
    assert (initiative.items, initiative.closed) == (9, 3)
    assert initiative.percent == round((300 + 40 + 100) / 9)
    assert [(row.agency.code, row.counts, row.closed) for row in after.rows] == [
        (row.agency.code, row.counts, row.closed) for row in before.rows
    ]
    assert after.trend == before.trend and after.totals.counts == before.totals.counts


def test_week_of_is_monday_to_friday():
    assert week_of(datetime.date(2026, 6, 3)) == (datetime.date(2026, 6, 1), datetime.date(2026, 6, 5))
    assert week_of(datetime.date(2026, 6, 7)) == (datetime.date(2026, 6, 1), datetime.date(2026, 6, 5))


def linked_counts(html: str) -> list[tuple[str, int]]:
    """Every (link, number) pair the page shows: links that carry the number they count."""
    pairs = re.findall(r'<a href="([^"]+)"[^>]*data-count="(\d+)"', html)
    return [(unescape(href), int(count)) for href, count in pairs]


def test_every_number_on_the_dashboard_links_to_a_list_of_exactly_that_many_items(client, world, board):
    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    client.force_login(world.coordinator)
    page = client.get(INDEX)
    assert page.status_code == 200
    assert b'<svg class="tracker-chart"' in page.content
    pairs = linked_counts(page.text)
    item_links = [
        (href, count) for href, count in pairs if href.startswith(reverse("admin:coordination_actionitem_changelist"))
    ]
    assert len(item_links) >= 6 * 4 + 3 * 4 + 12  # the agency table, on-time table, trend and per-agency chart
    assert sum(count for _href, count in item_links) > 0
    for href, count in item_links:
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert listed.context["cl"].result_count == count, href
    queue = [count for href, count in pairs if href == reverse("admin:review_queue")]
    assert queue == [1]  # MOFA's submission


def test_the_other_departments_coordinator_sees_none_of_these_figures(world, board):
    result = dashboard(viewer_for(world.other_coordinator, today=TODAY), today=TODAY)
    assert result.rows == [] and result.initiatives == [] and result.meetings == []
    assert all(count == 0 for _monday, count in result.trend)


def test_a_liaison_gets_their_home_not_the_dashboard(client, world, board):
    world.lead_liaison.is_staff = True
    world.lead_liaison.save(update_fields=["is_staff"])
    client.force_login(world.lead_liaison)
    page = client.get(INDEX)
    assert page.status_code == 200
    assert "tracker-chart" not in page.text
    assert board["mod_unacknowledged"].title in page.text
    assert board["mofa_stale"].title not in page.text  # MOFA's item: MOD neither leads nor supports it


def many_items(world, count: int) -> None:
    """`count` items in ten kinds, repeated, so that even ten items fill every section of every console page:
    (lead, status, due in days, supporting agency and its answer, declined, extension asked, escalated)."""
    mod, mofa, meti = world.mod, world.mofa, world.meti
    kinds = [
        (mod, Status.ASSIGNED, 10, mofa, "pending"),  # to acknowledge; awaiting MOFA
        (mod, Status.IN_PROGRESS, -5, mofa, "non_concur"),  # overdue, escalated; a non-concurrence
        (mod, Status.IN_PROGRESS, 2, None, ""),  # due soon
        (mod, Status.IN_PROGRESS, 30, None, ""),  # the rest; an extension asked
        (mofa, Status.IN_PROGRESS, 20, mod, "pending"),  # waiting for MOD's concurrence
        (mod, Status.SUBMITTED, 5, None, ""),  # to close or return
        (mod, Status.CLOSED, -1, None, ""),  # closed today
        (meti, Status.DRAFT, 15, None, ""),  # declined: back with the coordinators
        (mofa, Status.ASSIGNED, -3, meti, "pending"),  # overdue and unacknowledged
        (mod, Status.ACKNOWLEDGED, 4, None, ""),
    ]
    rows = []
    for n in range(count):
        lead, status, due_in, _supporting, _answer = kinds[n % len(kinds)]
        rows.append(
            ActionItem(
                department=world.department,
                title=f"Bulk item {n}",
                lead_agency=lead,
                status=status,
                due_date=TODAY + datetime.timedelta(days=due_in),
                original_due_date=TODAY,
                first_assigned_at=at(datetime.date(2026, 4, 1)),
                assigned_at=None if status == Status.DRAFT else at(datetime.date(2026, 4, 1)),
                last_progress_at=at(TODAY),
                submitted_at=at(TODAY) if status in (Status.SUBMITTED, Status.CLOSED) else None,
                closed_at=at(TODAY) if status == Status.CLOSED else None,
            )
        )
    items = ActionItem.objects.bulk_create(rows)
    Concurrence.objects.bulk_create(
        [
            Concurrence(action_item=item, agency=kinds[n % 10][3], state=kinds[n % 10][4], comment="No")
            for n, item in enumerate(items)
            if kinds[n % 10][3] is not None
        ]
    )
    ExtensionRequest.objects.bulk_create(
        [
            ExtensionRequest(
                action_item=item,
                requested_by=world.lead_liaison,
                requested_due_date=item.due_date + datetime.timedelta(days=14),
                previous_due_date=item.due_date,
                reason="More time",
            )
            for n, item in enumerate(items)
            if n % 10 == 3
        ]
    )
    Reminder.objects.bulk_create(
        [
            Reminder(
                action_item=item,
                rule=Reminder.Rule.OVERDUE_COORDINATOR,
                recipient=world.coordinator,
                occurrence="x",
                due_on=TODAY,
            )
            for item in items
        ]
    )


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("coordinator", INDEX),  # the dashboard
        ("coordinator", reverse("admin:review_queue")),
        ("coordinator", reverse("admin:coordination_actionitem_changelist")),
        ("coordinator", reverse("admin:coordination_actionitem_changelist") + "?overdue=yes&state=all"),
        ("lead_liaison", INDEX),  # the liaison home
        ("lead_liaison", reverse("admin:coordination_actionitem_changelist")),
    ],
)
def test_the_console_pages_cost_the_same_queries_at_10_and_1000_items(client, world, who, page):
    user = getattr(world, who)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    counts = []
    for total in (10, 1000):
        ActionItem.objects.filter(title__startswith="Bulk item").delete()
        many_items(world, total)
        client.get(page)  # warm: session and content types are cached after the first request
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 40
