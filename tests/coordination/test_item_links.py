"""An item's links stay inside its own department and lead agency: an initiative or meeting of another department,
is refused with the field named, whether set by an edit or at creation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coordination import services
from coordination.models import ActionItem
from tests.conftest import DUE, NOW
from tests.factories import InitiativeFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "other", "message"),
    [
        ("initiative", lambda world: InitiativeFactory(department=world.other_department), "another department"),
        ("meeting", lambda world: MeetingFactory(department=world.other_department), "another department"),
    ],
)
def test_an_edit_linking_outside_the_department_or_lead_agency_is_refused(world, field, other, message):
    before = ActionItem.objects.values().get(pk=world.item.pk)
    with pytest.raises(ValidationError) as refused:
        services.action_item_update(actor=world.coordinator, item=world.item, changes={field: other(world)}, now=NOW)
    assert message in " ".join(refused.value.message_dict[field])
    assert ActionItem.objects.values().get(pk=world.item.pk) == before  # nothing written


def test_links_inside_the_department_are_kept_through_later_edits(world):
    initiative, meeting = InitiativeFactory(department=world.department), MeetingFactory(department=world.department)
    item = services.action_item_update(
        actor=world.coordinator, item=world.item, changes={"initiative": initiative, "meeting": meeting}, now=NOW
    )
    assert (item.initiative_id, item.meeting_id) == (initiative.pk, meeting.pk)
    item = services.action_item_update(actor=world.coordinator, item=item, changes={"title": "Retitled"}, now=NOW)
    item.refresh_from_db()
    assert (item.title, item.initiative_id, item.meeting_id) == ("Retitled", initiative.pk, meeting.pk)


def test_creating_an_item_with_another_departments_initiative_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.action_item_create(
            actor=world.coordinator, department=world.department, title="Linked elsewhere", lead_agency=world.mod,
            initiative=InitiativeFactory(department=world.other_department), due_date=DUE, now=NOW,
        )  # fmt: skip
    assert "initiative" in refused.value.message_dict
