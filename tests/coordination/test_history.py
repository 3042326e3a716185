"""Every service write leaves a history row: who did it, why, and what changed (old and new values)."""

import datetime

import pytest

from agencies.models import Liaison
from coordination import services
from coordination.models import ActionItem, Concurrence, ExtensionRequest
from tests.conftest import DUE, NOW, TODAY
from tests.factories import ActionItemFactory, LiaisonFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db

Status = ActionItem.Status


def latest(instance):
    """The newest history row of `instance` and the one before it (None for a creation)."""
    records = list(instance.history.all()[:2])
    return records[0], (records[1] if len(records) > 1 else None)


def changes(record, previous):
    """{field: (old, new)} between two history rows, as `diff_against` reports it."""
    return {change.field: (change.old, change.new) for change in record.diff_against(previous).changes}


def assert_last_change(instance, *, user, reason, **expected):
    """The newest history row was written by `user` with `reason` and changed each field from old to new."""
    record, previous = latest(instance)
    assert record.history_type == "~"
    assert record.history_user == user
    assert record.history_change_reason == reason
    diff = changes(record, previous)
    for field, old_new in expected.items():
        assert diff.get(field) == old_new, (field, diff)
    return record


# --- Creating and editing --------------------------------------------------------------------------------------------


def test_creating_an_item_records_who_created_it_and_its_supporting_agencies(world):
    record = world.item.history.get()
    assert record.history_type == "+"
    assert record.history_user == world.coordinator
    assert record.history_change_reason == "Created"
    assert record.status == Status.DRAFT
    assert record.due_date == DUE

    concurrence_record = Concurrence.objects.get(action_item=world.item, agency=world.mofa).history.get()
    assert concurrence_record.history_type == "+"
    assert concurrence_record.history_user == world.coordinator
    assert concurrence_record.history_change_reason == "Added as a supporting agency"


def test_editing_an_item_records_old_and_new_values(world):
    services.action_item_update(
        actor=world.director,
        item=world.item,
        changes={"title": "Draft the defense diplomacy strategy", "priority": ActionItem.Priority.HIGH},
    )
    assert_last_change(
        world.item,
        user=world.director,
        reason="Edited: priority, title",
        title=("Draft a defense diplomacy strategy", "Draft the defense diplomacy strategy"),
        priority=(ActionItem.Priority.NORMAL, ActionItem.Priority.HIGH),
    )


def test_changing_supporting_agencies_records_each_added_and_removed_agency(world):
    services.action_item_update(actor=world.coordinator, item=world.item, changes={"supporting_agencies": [world.meti]})
    removed = Concurrence.history.filter(agency=world.mofa, history_type="-").get()
    assert removed.history_user == world.coordinator
    assert removed.history_change_reason == "Removed as a supporting agency"
    added = Concurrence.objects.get(action_item=world.item, agency=world.meti).history.get()
    assert added.history_type == "+"
    assert added.history_user == world.coordinator
    assert added.history_change_reason == "Added as a supporting agency"
    record, _ = latest(world.item)
    assert record.history_user == world.coordinator
    assert record.history_change_reason == "Edited: supporting_agencies"


def test_changing_dependencies_records_them_on_the_item(world):
    earlier = ActionItemFactory(department=world.department, lead_agency=world.mofa)
    services.action_item_update(actor=world.coordinator, item=world.item, changes={"dependencies": [earlier]})
    assert {record.history_user for record in world.item.history.all()} == {world.coordinator}
    record = world.item.history.first()
    assert record.history_change_reason == "Edited: dependencies"
    assert [row.to_actionitem_id for row in record.dependencies.all()] == [earlier.pk]
    created = world.item.history.earliest("history_date")
    assert changes(record, created)["dependencies"] == (
        [],
        [{"from_actionitem": world.item.pk, "to_actionitem": earlier.pk}],
    )


def test_routing_records_the_old_and_new_liaison_and_unit(world, move_to_status):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    alternate = LiaisonFactory(agency=world.mod, role=Liaison.Role.ALTERNATE)
    unit = OrgUnitFactory(agency=world.mod, name_en="Defense Cooperation Office")
    services.action_item_route(actor=world.lead_liaison, item=item, liaison=alternate, org_unit=unit)
    assert_last_change(
        item,
        user=world.lead_liaison,
        reason="Edited: assigned_liaison, org_unit",
        assigned_liaison=(world.lead_term.pk, alternate.pk),
        org_unit=(None, unit.pk),
    )


# --- Transitions -----------------------------------------------------------------------------------------------------


def test_every_transition_records_actor_reason_and_status_change(world):
    item = world.item
    steps = [
        ("assign", world.coordinator, "", Status.DRAFT, Status.ASSIGNED),
        ("acknowledge", world.lead_liaison, "", Status.ASSIGNED, Status.ACKNOWLEDGED),
        ("start", world.lead_liaison, "", Status.ACKNOWLEDGED, Status.IN_PROGRESS),
        ("block", world.lead_liaison, "Waiting for the budget", Status.IN_PROGRESS, Status.BLOCKED),
        ("unblock", world.director, "Budget approved", Status.BLOCKED, Status.IN_PROGRESS),
        ("submit", world.lead_liaison, "", Status.IN_PROGRESS, Status.SUBMITTED),
        ("return", world.coordinator, "Annex missing", Status.SUBMITTED, Status.IN_PROGRESS),
        ("submit", world.lead_liaison, "", Status.IN_PROGRESS, Status.SUBMITTED),
        ("close", world.coordinator, "", Status.SUBMITTED, Status.CLOSED),
        ("reopen", world.director, "Partner objected", Status.CLOSED, Status.IN_PROGRESS),
        ("cancel", world.coordinator, "Overtaken by events", Status.IN_PROGRESS, Status.CANCELLED),
    ]
    labels = {
        "assign": "Assign",
        "acknowledge": "Acknowledge",
        "start": "Start work",
        "block": "Mark blocked",
        "unblock": "Unblock",
        "submit": "Submit as complete",
        "return": "Return to the lead",
        "close": "Close out",
        "reopen": "Reopen",
        "cancel": "Cancel",
    }
    for name, actor, reason, old, new in steps:
        if name == "close":
            services.concurrence_record(
                actor=world.supporting_liaison, item=item, agency=world.mofa, state=Concurrence.State.CONCUR
            )
        count = item.history.count()
        services.action_item_transition(actor=actor, item=item, name=name, reason=reason)
        assert item.history.count() == count + 1, name
        expected_reason = f"{labels[name]}: {reason}" if reason else labels[name]
        assert_last_change(item, user=actor, reason=expected_reason, status=(old, new))


def test_close_with_override_records_the_override_reason(world, move_to_status):
    item = move_to_status(world.item, Status.SUBMITTED)
    services.action_item_transition(
        actor=world.coordinator, item=item, name="close", override_reason="Agreed orally", now=NOW
    )
    assert_last_change(
        item,
        user=world.coordinator,
        reason="Close out",
        status=(Status.SUBMITTED, Status.CLOSED),
        close_override_reason=("", "Agreed orally"),
        closed_at=(None, NOW),
    )


# --- Progress, extensions, concurrence -------------------------------------------------------------------------------


def test_a_progress_update_records_on_the_update_and_the_item(world, move_to_status):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    update = services.progress_update_create(
        actor=world.lead_liaison, item=item, text="Outline agreed with the bureau.", percent_complete=40
    )
    update_record = update.history.get()
    assert update_record.history_type == "+"
    assert update_record.history_user == world.lead_liaison
    assert update_record.percent_complete == 40
    assert_last_change(
        item,
        user=world.lead_liaison,
        reason="Progress update",
        percent_complete=(0, 40),
        status=(Status.ACKNOWLEDGED, Status.IN_PROGRESS),
    )


def test_an_extension_request_and_its_approval_are_recorded(world, move_to_status):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.lead_liaison, item=item, requested_due_date=datetime.date(2026, 7, 31), reason="Awaiting Canberra"
    )
    created = request.history.get()
    assert created.history_type == "+"
    assert created.history_user == world.lead_liaison
    assert created.state == ExtensionRequest.State.PENDING

    services.extension_request_decide(actor=world.coordinator, extension_request=request, approve=True, now=NOW)
    request_record, request_previous = latest(request)
    assert request_record.history_user == world.coordinator
    diff = changes(request_record, request_previous)
    assert diff["state"] == (ExtensionRequest.State.PENDING, ExtensionRequest.State.APPROVED)
    assert diff["decided_by"] == (None, world.coordinator.pk)
    assert diff["decided_at"] == (None, NOW)

    record = assert_last_change(
        item,
        user=world.coordinator,
        reason="Extension approved: due 2026-07-31",
        due_date=(DUE, datetime.date(2026, 7, 31)),
    )
    assert record.original_due_date == DUE


def test_a_denied_extension_is_recorded_on_the_request_only(world, move_to_status):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.lead_liaison, item=item, requested_due_date=datetime.date(2026, 7, 31), reason="Awaiting Canberra"
    )
    count = item.history.count()
    services.extension_request_decide(
        actor=world.director, extension_request=request, approve=False, comment="The summit date is fixed."
    )
    record, previous = latest(request)
    assert record.history_user == world.director
    diff = changes(record, previous)
    assert diff["state"] == (ExtensionRequest.State.PENDING, ExtensionRequest.State.DENIED)
    assert diff["decision_comment"] == ("", "The summit date is fixed.")
    assert item.history.count() == count


def test_a_concurrence_records_who_answered_and_the_change(world, move_to_status):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    concurrence = services.concurrence_record(
        actor=world.supporting_liaison,
        item=item,
        agency=world.mofa,
        state=Concurrence.State.NON_CONCUR,
        comment="The legal basis is not settled.",
    )
    record, previous = latest(concurrence)
    assert record.history_user == world.supporting_liaison
    diff = changes(record, previous)
    assert diff["state"] == (Concurrence.State.PENDING, Concurrence.State.NON_CONCUR)
    assert diff["comment"] == ("", "The legal basis is not settled.")
    assert diff["responded_by"] == (None, world.supporting_liaison.pk)


# --- A liaison's term ends: history keeps who held the item when ----------------------------------------------------


def test_ending_a_term_is_recorded_on_the_term_and_the_items(world, move_to_status):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    services.liaison_end_term(actor=world.superuser, liaison=world.lead_term)

    term_record, term_previous = latest(world.lead_term)
    assert term_record.history_user == world.superuser
    assert term_record.history_change_reason == "Term ended"
    assert changes(term_record, term_previous)["end_date"] == (None, TODAY)

    assert_last_change(
        item,
        user=world.superuser,
        reason="Assigned liaison's term ended",
        assigned_liaison=(world.lead_term.pk, None),
    )


def test_history_tells_who_held_the_item_when_after_the_term_ended(world, move_to_status, time_machine):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    time_machine.shift(datetime.timedelta(hours=1))
    while_held = datetime.datetime.now(tz=datetime.UTC)
    time_machine.shift(datetime.timedelta(hours=1))

    services.liaison_end_term(actor=world.superuser, liaison=world.lead_term)
    successor = LiaisonFactory(agency=world.mod, start_date=TODAY)
    services.action_item_route(actor=world.coordinator, item=item, liaison=successor, org_unit=None)

    then = item.history.as_of(while_held)
    assert then.assigned_liaison == world.lead_term
    assert then.assigned_liaison.user == world.lead_liaison
    assert ActionItem.objects.get(pk=item.pk).assigned_liaison == successor

    holders = [record.assigned_liaison_id for record in item.history.order_by("history_date", "history_id")]
    assert holders[0] == world.lead_term.pk
    assert holders[-2:] == [None, successor.pk]
    # The ended term is kept, so every historical holder still resolves to a person.
    term = Liaison.objects.get(pk=world.lead_term.pk)
    assert term.end_date == TODAY
    assert term.user == world.lead_liaison
    acted = {record.history_user for record in item.history.filter(history_user=world.lead_liaison)}
    assert acted == {world.lead_liaison}  # the acknowledgement is still attributed to the former liaison
