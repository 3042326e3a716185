"""Services take what their caller has read already: the actor's roles (`viewer`) and the item locked and read
under the lock (`locked=True`). Neither changes a decision: another person's roles are refused, the actor's own
decide as they would be read, and a refusal rolls back the caller's transaction whole."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from coordination import services
from coordination.models import ActionItem
from coordination.search import normalise
from coordination.selectors import viewer_for
from tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_roles_of_someone_else_are_refused(world, move_to_status):
    item = move_to_status(world.item, "assigned")
    for viewer in (viewer_for(world.coordinator, today=TODAY), viewer_for(None, today=TODAY)):
        with pytest.raises(ValueError):
            services.action_item_transition(actor=world.lead_liaison, item=item, name="acknowledge", viewer=viewer)
    item.refresh_from_db()
    assert item.status == ActionItem.Status.ASSIGNED


def test_the_actors_own_roles_decide_as_if_read_again(world, move_to_status):
    item = move_to_status(world.item, "assigned")
    viewer = viewer_for(world.lead_liaison, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.action_item_transition(actor=world.lead_liaison, item=item, name="cancel", reason="No", viewer=viewer)
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=world.lead_liaison, item=item, changes={"title": "Mine"}, viewer=viewer)
    services.action_item_transition(actor=world.lead_liaison, item=item, name="acknowledge", viewer=viewer)
    item.refresh_from_db()
    assert item.status == ActionItem.Status.ACKNOWLEDGED
    assert item.history.first().history_user == world.lead_liaison


def locked(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_for_update().prefetch_related("concurrences", "dependencies").get(pk=item.pk)


def test_a_locked_item_is_changed_in_place(world, move_to_status):
    item = move_to_status(world.item, "assigned")
    with transaction.atomic():
        mine = locked(item)
        changed = services.action_item_update(actor=world.coordinator, item=mine, changes={"title": "New"}, locked=True)
        assert changed is mine and mine.title == "New"
        services.action_item_transition(actor=world.lead_liaison, item=mine, name="acknowledge", locked=True)
    item.refresh_from_db()
    assert (item.title, item.status) == ("New", ActionItem.Status.ACKNOWLEDGED)
    assert [row.history_user for row in item.history.all()[:2]] == [world.lead_liaison, world.coordinator]


def test_a_refusal_rolls_back_the_callers_transaction_whole(world, move_to_status):
    item = move_to_status(world.item, "assigned")
    history = item.history.count()
    with pytest.raises(ValidationError), transaction.atomic():
        mine = locked(item)
        services.action_item_update(actor=world.coordinator, item=mine, changes={"title": "New"}, locked=True)
        services.action_item_update(
            actor=world.coordinator, item=mine, changes={"lead_agency": world.mofa}, locked=True
        )
    item.refresh_from_db()
    assert item.title != "New" and item.history.count() == history


def test_search_follows_a_changed_title_and_a_transition_leaves_it(world, move_to_status):
    item = move_to_status(world.item, "assigned")
    services.action_item_update(actor=world.coordinator, item=item, changes={"title": "ＮＳＳ Strategy"})
    item.refresh_from_db()
    assert item.search_title == normalise("ＮＳＳ Strategy") and "nss strategy" in item.search_text
    before = (item.search_title, item.search_text)
    services.action_item_transition(actor=world.lead_liaison, item=item, name="acknowledge")
    item.refresh_from_db()
    assert (item.search_title, item.search_text) == before
