"""The admin's item list at any size: its relation filters name only what the requester may see, and a page costs
the same queries whatever the number of items (issue 15's benchmark measures the time at 100,000)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coordination.models import ActionItem
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/coordination/actionitem/"


def page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CHANGELIST).status_code == 200
    return len(queries)


def copies(item, count: int, batch: str) -> None:
    for number in range(count):
        item.pk = None
        item.external_id = f"copy-{batch}-{number}"
        item.save()


def test_the_initiative_filter_names_the_departments_own_initiatives_only(staff_world):
    ours = InitiativeFactory(department=staff_world.department, code="OURS-1", title_en="Our standing line")
    theirs = InitiativeFactory(department=staff_world.other_department, code="THEIRS-1", title_en="Their secret line")
    client = Client()
    client.force_login(staff_world.coordinator)
    page = client.get(CHANGELIST).content.decode()
    assert f"initiative__id__exact={ours.pk}" in page
    assert f"initiative__id__exact={theirs.pk}" not in page and "Their secret line" not in page


def test_a_page_costs_the_same_queries_for_ten_items_as_for_two_hundred(staff_world):
    client = Client()
    client.force_login(staff_world.coordinator)
    page_queries(client)  # the session's first page settles what it records once
    copies(ActionItem.objects.get(pk=staff_world.item.pk), 9, "a")
    few = page_queries(client)
    copies(ActionItem.objects.get(pk=staff_world.item.pk), 190, "b")
    assert ActionItem.objects.count() >= 200
    assert page_queries(client) == few
