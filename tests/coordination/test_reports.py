"""The director's brief and the meeting read-ahead: the dashboard's own figures, this week's changes from the
history, escalated items, XLSX downloads under the restricted-marking rule, and who may open them."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from coordination import services
from coordination.models import ActionItem, Meeting, Reminder
from tests.conftest import DUE, NOW, TODAY

pytestmark = pytest.mark.django_db
Status = ActionItem.Status
BRIEF = reverse("admin:report_brief")


def sheet_rows(response, name):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book[name].iter_rows(values_only=True)]


@pytest.fixture
def week(staff_world, move_to_status, time_machine):
    """Last week an item was assigned; this week (Monday 1 June) it was acknowledged and another was created and
    escalated; a restricted item changed too."""
    world = staff_world
    time_machine.move_to(NOW - datetime.timedelta(days=7))
    quiet = services.action_item_create(
        actor=world.coordinator, department=world.department, title="Quiet item", lead_agency=world.mod, due_date=DUE
    )
    moved = move_to_status(world.item, Status.ASSIGNED)
    time_machine.move_to(NOW)
    services.action_item_transition(actor=world.lead_liaison, item=moved, name="acknowledge")
    fresh = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Fresh item",
        lead_agency=world.mofa,
        due_date=DUE,
        marking="restricted",
    )
    late = move_to_status(
        services.action_item_create(
            actor=world.coordinator, department=world.department, title="Late item", lead_agency=world.mod, due_date=DUE
        ),
        Status.IN_PROGRESS,
    )
    ActionItem.objects.filter(pk=late.pk).update(due_date=TODAY - datetime.timedelta(days=10))
    Reminder.objects.create(
        action_item=late, rule="overdue_coordinator", recipient=world.coordinator, occurrence="x", due_on=TODAY
    )
    return {"quiet": quiet, "moved": moved, "fresh": fresh, "late": late}


def test_the_brief_shows_the_dashboards_figures_this_weeks_changes_and_escalations(client, staff_world, week):
    client.force_login(staff_world.coordinator)
    page = client.get(BRIEF)
    assert page.status_code == 200
    dashboard = client.get(reverse("admin:index"))
    by_agency = {row["agency"].code if row["agency"] else "all": row for row in dashboard.context["rows"]}
    for row in page.context["rows"]:
        code = row.agency.code if row.agency else "all"
        assert row.counts["overdue"] == by_agency[code]["counts"][1].value  # the very same figures
    changed = {change.item.pk: change for change in page.context["changes"]}
    assert set(changed) == {week["moved"].pk, week["fresh"].pk, week["late"].pk}  # not the quiet one
    assert changed[week["moved"].pk].status_before == "assigned"
    assert changed[week["fresh"].pk].status_before is None  # created this week
    assert [entry["item"].pk for entry in page.context["escalated"]] == [week["late"].pk]

    download = client.get(BRIEF + "?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["By lead agency", "On-time completion", "Changed this week", "Escalated"]
    fresh_row = next(row for row in sheet_rows(download, "Changed this week") if row[0] == week["fresh"].pk)
    assert fresh_row[1] == "Fresh item" and fresh_row[2] == "—"  # restricted: its title and id, nothing more


def test_only_the_departments_people_open_the_brief(client, staff_world, week):
    client.force_login(staff_world.lead_liaison)
    assert client.get(BRIEF).status_code == 404
    client.force_login(staff_world.other_coordinator)
    page = client.get(BRIEF)
    assert page.context["changes"] == [] and page.context["escalated"] == []


def test_the_read_ahead_lists_the_meetings_items_with_their_last_update(client, staff_world, move_to_status):
    world = staff_world
    meeting = Meeting.objects.create(department=world.department, title="Kick-off", held_on=TODAY)
    meeting.agencies.add(world.mod)
    item = move_to_status(world.item, Status.IN_PROGRESS)
    ActionItem.objects.filter(pk=item.pk).update(meeting=meeting)
    services.progress_update_create(actor=world.lead_liaison, item=item, text="Draft circulated", percent_complete=40)
    hidden = services.action_item_create(
        actor=world.coordinator, department=world.department, title="Internal draft", lead_agency=world.meti
    )
    ActionItem.objects.filter(pk=hidden.pk).update(meeting=meeting)
    url = reverse("admin:report_read_ahead", args=[meeting.pk])

    client.force_login(world.coordinator)
    page = client.get(url)
    assert [entry["item"].pk for entry in page.context["entries"]] == [item.pk]  # a draft never assigned stays out
    assert "Draft circulated" in page.text
    rows = sheet_rows(client.get(url + "?format=xlsx"), "Read-ahead")
    assert rows[1][0] == item.pk and rows[1][6] == "Draft circulated" and rows[1][4] == "MOFA: Pending"

    client.force_login(world.lead_liaison)  # MOD took part in the meeting
    assert client.get(url).status_code == 200
    client.force_login(world.unrelated_liaison)
    assert client.get(url).status_code == 404
