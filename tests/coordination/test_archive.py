"""Retention: an item closed or cancelled longer ago than ARCHIVE_AFTER_DAYS leaves the working lists, the
dashboard and the reminders, refuses every change but a coordinator reopening it with a reason, and stays visible
(and searchable) to whoever saw it, its history intact."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audit.verify import audit_verify
from coordination import services
from coordination.calendar import japan_today
from coordination.dashboard import dashboard
from coordination.models import ActionItem, Reminder
from coordination.reminders.sweep import reminders_sweep
from coordination.selectors import viewer_for
from tests.conftest import NOW
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:coordination_actionitem_changelist")
API_ITEMS = "/api/v1/action-items/"
Status = ActionItem.Status


@pytest.fixture
def archived(staff_world, move_to_status, settings, time_machine):
    """The world's item, in an initiative, closed on NOW; the clock then moved to the day after it archives."""
    settings.ARCHIVE_AFTER_DAYS = 180
    world = staff_world
    world.item.initiative = InitiativeFactory(department=world.department)
    world.item.save()
    item = move_to_status(world.item, Status.CLOSED)
    world.history_rows = item.history.count()
    world.dashboard_before = dashboard(viewer_for(world.coordinator, today=japan_today()), today=japan_today())
    time_machine.move_to(NOW + datetime.timedelta(days=181))
    world.item = ActionItem.objects.get(pk=item.pk)
    return world


def listed(client, query: str = "") -> str:
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return response.text


def test_the_day_before_the_period_ends_the_item_is_still_in_the_finished_list(
    staff_world, move_to_status, settings, time_machine, client
):
    settings.ARCHIVE_AFTER_DAYS = 180
    item = move_to_status(staff_world.item, Status.CLOSED)
    time_machine.move_to(NOW + datetime.timedelta(days=179))
    assert not ActionItem.objects.get(pk=item.pk).is_archived_on(japan_today())
    client.force_login(staff_world.coordinator)
    assert item.title in listed(client, "?state=finished")
    assert item.title not in listed(client, "?state=archived")


def test_an_archived_item_leaves_the_working_lists_and_is_found_in_the_archive(archived, client):
    item = archived.item
    assert item.is_archived_on(japan_today())
    client.force_login(archived.coordinator)
    for query in ("", "?state=finished", "?state=all", "?initiative__id__exact=" + str(item.initiative_id)):
        assert item.title not in listed(client, query), query
    assert item.title in listed(client, "?state=archived")
    assert item.title in listed(client, "?state=archived&q=" + item.title.split()[0])  # searchable there
    # The API's list leaves it out unless asked; its own address answers as before.
    api = APIClient()
    api.force_authenticate(archived.coordinator)
    ids = [row["id"] for row in api.get(API_ITEMS).json()["results"]]
    assert item.pk not in ids
    assert [row["id"] for row in api.get(API_ITEMS, {"archived": "true"}).json()["results"]] == [item.pk]
    assert api.get(f"{API_ITEMS}{item.pk}/").status_code == 200


def test_an_archived_item_leaves_the_dashboard(archived):
    before = archived.dashboard_before
    assert [progress.items for progress in before.initiatives] == [1]
    today = japan_today()
    after = dashboard(viewer_for(archived.coordinator, today=today), today=today)
    assert after.initiatives == [] and after.totals.counts == {name: 0 for name in after.totals.counts}


def test_an_archived_item_gets_no_reminders(archived):
    notices = Reminder.objects.filter(action_item=archived.item).count()  # the events of its working life
    reminders_sweep(at=datetime.datetime.combine(japan_today(), datetime.time(9), tzinfo=NOW.tzinfo))
    assert Reminder.objects.filter(action_item=archived.item).count() == notices


def test_an_archived_item_refuses_every_change_but_reopening(archived, client):
    item = archived.item
    with pytest.raises(PermissionDenied, match="archive"):
        services.action_item_update(actor=archived.coordinator, item=item, changes={"title": "Rewritten"})
    with pytest.raises(PermissionDenied, match="archive"):
        services.progress_update_create(actor=archived.lead_liaison, item=item, text="Late note", percent_complete=100)
    api = APIClient()
    api.force_authenticate(archived.coordinator)
    refused = api.patch(f"{API_ITEMS}{item.pk}/", {"title": "Rewritten"}, format="json")
    assert refused.status_code == 403 and "archive" in refused.json()["detail"]
    # The admin shows it read-only, with reopening as its one action.
    client.force_login(archived.coordinator)
    page = client.get(reverse("admin:coordination_actionitem_change", args=[item.pk]))
    assert page.status_code == 200 and 'name="title"' not in page.text
    assert reverse("admin:coordination_actionitem_act", args=[item.pk, "reopen"]) in page.text
    assert reverse("admin:coordination_actionitem_act", args=[item.pk, "attach"]) not in page.text
    assert ActionItem.objects.get(pk=item.pk).title == item.title
    assert item.history.count() == archived.history_rows


def test_the_people_who_saw_it_still_see_it_and_no_one_else(archived):
    item = archived.item
    for person, status in (
        (archived.coordinator, 200), (archived.director, 200), (archived.lead_liaison, 200),
        (archived.other_coordinator, 404), (archived.unrelated_liaison, 404),
    ):  # fmt: skip
        api = APIClient()
        api.force_authenticate(person)
        assert api.get(f"{API_ITEMS}{item.pk}/").status_code == status, person.username


def test_a_coordinator_reopens_an_archived_item_with_a_reason(archived):
    item = archived.item
    with pytest.raises(PermissionDenied):
        services.action_item_transition(actor=archived.lead_liaison, item=item, name="reopen", reason="More to do")
    with pytest.raises(ValidationError):
        services.action_item_transition(actor=archived.coordinator, item=item, name="reopen", reason="")
    reopened = services.action_item_transition(
        actor=archived.coordinator, item=item, name="reopen", reason="The ministry found more to do"
    )
    assert reopened.status == Status.IN_PROGRESS and not reopened.is_archived_on(japan_today())
    record = reopened.history.first()
    assert (
        record.history_user == archived.coordinator and "The ministry found more to do" in record.history_change_reason
    )
    assert audit_verify().ok  # the archive and the reopening kept the sealed history whole
