"""The workflow as people meet it, through the services: who may move an item, edit it, route it, extend it."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import Liaison
from coordination import services, workflow
from coordination.models import ActionItem, Concurrence, ExtensionRequest, ProgressUpdate
from coordination.selectors import action_items_visible_to
from tests.conftest import DUE, NOW, TODAY
from tests.factories import (
    ActionItemFactory,
    InitiativeFactory,
    LiaisonFactory,
    MeetingFactory,
    OrgUnitFactory,
)

pytestmark = pytest.mark.django_db

Status = ActionItem.Status

ROLES = [
    "coordinator",
    "director",
    "lead_liaison",
    "supporting_liaison",
    "unrelated_liaison",
    "ended_liaison",
    "other_coordinator",
    "staff",
    "superuser",
]
COORDINATING = {"coordinator", "director", "superuser"}
LEAD = {"lead_liaison"}

# Who may make each transition, written out as the product defines it (not read back from workflow.TRANSITIONS).
ALLOWED = {
    "assign": COORDINATING,
    "decline": LEAD,
    "acknowledge": LEAD,
    "start": LEAD,
    "block": LEAD | COORDINATING,
    "unblock": LEAD | COORDINATING,
    "submit": LEAD,
    "return": COORDINATING,
    "close": COORDINATING,
    "cancel": COORDINATING,
    "reopen": COORDINATING,
}
# The statuses each transition starts from, and where it leads (reopen: after acknowledgement, back to work).
SOURCES = {
    "assign": [Status.DRAFT],
    "decline": [Status.ASSIGNED],
    "acknowledge": [Status.ASSIGNED],
    "start": [Status.ACKNOWLEDGED],
    "block": [Status.ACKNOWLEDGED, Status.IN_PROGRESS],
    "unblock": [Status.BLOCKED],
    "submit": [Status.IN_PROGRESS],
    "return": [Status.SUBMITTED],
    "close": [Status.SUBMITTED],
    "cancel": [
        Status.DRAFT,
        Status.ASSIGNED,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.BLOCKED,
        Status.SUBMITTED,
    ],
    "reopen": [Status.CLOSED, Status.CANCELLED],
}
TARGET = {
    "assign": Status.ASSIGNED,
    "decline": Status.DRAFT,
    "acknowledge": Status.ACKNOWLEDGED,
    "start": Status.IN_PROGRESS,
    "block": Status.BLOCKED,
    "unblock": Status.IN_PROGRESS,
    "submit": Status.SUBMITTED,
    "return": Status.IN_PROGRESS,
    "close": Status.CLOSED,
    "cancel": Status.CANCELLED,
    "reopen": Status.IN_PROGRESS,
}
REASON_REQUIRED = ["decline", "block", "unblock", "return", "cancel", "reopen"]


def snapshot(item):
    """Every stored column of the item, read fresh from the database."""
    row = ActionItem.objects.get(pk=item.pk)
    return {field.attname: getattr(row, field.attname) for field in ActionItem._meta.concrete_fields}


def an_allowed_actor(world, name):
    return getattr(world, "lead_liaison" if ALLOWED[name] == LEAD else "coordinator")


@pytest.fixture
def ready(world, move_to_status):
    """Return a function putting the world's item in a transition's (first) source status, ready for it."""

    def prepare(name, status=None):
        item = move_to_status(world.item, status or SOURCES[name][0])
        if name == "close":
            services.concurrence_record(
                actor=world.supporting_liaison, item=item, agency=world.mofa, state=Concurrence.State.CONCUR
            )
        return ActionItem.objects.get(pk=item.pk)

    return prepare


def test_the_expected_table_names_every_transition():
    assert set(ALLOWED) == set(workflow.TRANSITIONS)
    assert sorted(REASON_REQUIRED) == sorted(n for n, t in workflow.TRANSITIONS.items() if t.reason_required)


# --- Every transition for every role ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ALLOWED))
def test_transition_by_role(world, ready, time_machine, name, role):
    item = ready(name)
    actor = getattr(world, role)
    before = snapshot(item)
    history_before = item.history.count()
    time_machine.shift(datetime.timedelta(minutes=5))  # any write now would change updated_at

    if role in ALLOWED[name]:
        reason = "Agreed at the interagency meeting" if name in REASON_REQUIRED else ""
        result = services.action_item_transition(actor=actor, item=item, name=name, reason=reason)
        after = snapshot(item)
        assert result.status == after["status"] == TARGET[name]
        assert after["updated_at"] > before["updated_at"]
        assert item.history.count() == history_before + 1
    else:
        with pytest.raises(PermissionDenied):
            services.action_item_transition(actor=actor, item=item, name=name, reason="Trying anyway")
        assert snapshot(item) == before
        assert item.history.count() == history_before


@pytest.mark.parametrize(
    ("name", "status"), [(name, status) for name, sources in SOURCES.items() for status in sources]
)
def test_transition_from_every_source_status(world, ready, name, status):
    item = ready(name, status)
    result = services.action_item_transition(
        actor=an_allowed_actor(world, name), item=item, name=name, reason="Agreed at the interagency meeting"
    )
    assert result.status == ActionItem.objects.get(pk=item.pk).status == TARGET[name]


@pytest.mark.parametrize(
    ("name", "status"),
    [(name, status) for name, sources in SOURCES.items() for status in Status if status not in sources],
)
def test_transition_refused_from_other_statuses(world, move_to_status, time_machine, name, status):
    item = move_to_status(world.item, status)
    before = snapshot(item)
    time_machine.shift(datetime.timedelta(minutes=5))
    with pytest.raises(PermissionDenied):
        services.action_item_transition(
            actor=an_allowed_actor(world, name), item=item, name=name, reason="Agreed at the interagency meeting"
        )
    assert snapshot(item) == before


def test_an_unknown_transition_is_refused(world):
    before = snapshot(world.item)
    with pytest.raises(PermissionDenied):
        services.action_item_transition(actor=world.coordinator, item=world.item, name="archive")
    assert snapshot(world.item) == before


# --- Reasons ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n"])
@pytest.mark.parametrize("name", REASON_REQUIRED)
def test_a_reason_is_required(world, ready, time_machine, name, reason):
    item = ready(name)
    before = snapshot(item)
    time_machine.shift(datetime.timedelta(minutes=5))
    with pytest.raises(ValidationError) as error:
        services.action_item_transition(actor=an_allowed_actor(world, name), item=item, name=name, reason=reason)
    assert "reason" in error.value.message_dict
    assert snapshot(item) == before


@pytest.mark.parametrize("name", REASON_REQUIRED)
def test_the_reason_is_kept_on_the_item_and_in_history(world, ready, name):
    item = ready(name)
    services.action_item_transition(
        actor=an_allowed_actor(world, name), item=item, name=name, reason="  The partner asked for more time  "
    )
    item.refresh_from_db()
    assert item.status_reason == "The partner asked for more time"
    assert item.history.first().history_change_reason.endswith(": The partner asked for more time")


# --- Close-out -------------------------------------------------------------------------------------------------------


def test_close_is_refused_while_a_supporting_agency_has_not_concurred(world, move_to_status):
    item = move_to_status(world.item, Status.SUBMITTED)
    before = snapshot(item)
    with pytest.raises(ValidationError) as error:
        services.action_item_transition(actor=world.coordinator, item=item, name="close")
    assert "override_reason" in error.value.message_dict
    assert "MOFA" in str(error.value)
    assert snapshot(item) == before


def test_close_is_refused_after_a_non_concurrence(world, move_to_status):
    item = move_to_status(world.item, Status.SUBMITTED)
    services.concurrence_record(
        actor=world.supporting_liaison,
        item=item,
        agency=world.mofa,
        state=Concurrence.State.NON_CONCUR,
        comment="The legal basis is not settled.",
    )
    before = snapshot(item)
    with pytest.raises(ValidationError):
        services.action_item_transition(actor=world.coordinator, item=item, name="close")
    assert snapshot(item) == before


def test_close_with_an_override_reason_is_allowed_without_every_concurrence(world, move_to_status):
    item = move_to_status(world.item, Status.SUBMITTED)
    services.action_item_transition(
        actor=world.director, item=item, name="close", override_reason="MOFA agreed by phone; written reply follows."
    )
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    assert item.closed_at is not None
    assert item.close_override_reason == "MOFA agreed by phone; written reply follows."


def test_close_after_every_concurrence_needs_no_override(world, move_to_status):
    item = move_to_status(world.item, Status.CLOSED)
    assert item.status == Status.CLOSED
    assert item.close_override_reason == ""
    assert item.closed_at is not None


def test_close_is_refused_while_a_sub_item_is_open(world, move_to_status):
    item = move_to_status(world.item, Status.SUBMITTED)
    child = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Sub-task",
        lead_agency=world.mod,
        parent=item,
        due_date=DUE,
    )
    before = snapshot(item)
    with pytest.raises(ValidationError) as error:
        services.action_item_transition(
            actor=world.coordinator, item=item, name="close", override_reason="Closing anyway"
        )
    assert f"#{child.pk}" in str(error.value)
    assert snapshot(item) == before

    services.action_item_transition(actor=world.coordinator, item=child, name="cancel", reason="Not needed")
    services.action_item_transition(actor=world.coordinator, item=item, name="close", override_reason="Closing anyway")
    assert ActionItem.objects.get(pk=item.pk).status == Status.CLOSED


def test_a_draft_without_a_due_date_can_be_cancelled(world):
    """Cancel is allowed from draft, and a draft need not have a due date yet."""
    item = services.action_item_create(
        actor=world.coordinator, department=world.department, title="Idea", lead_agency=world.mod
    )
    services.action_item_transition(actor=world.coordinator, item=item, name="cancel", reason="Dropped")
    assert ActionItem.objects.get(pk=item.pk).status == Status.CANCELLED


# --- Reopen ----------------------------------------------------------------------------------------------------------


def test_reopen_after_acknowledgement_goes_back_to_work(world, move_to_status):
    item = move_to_status(world.item, Status.SUBMITTED)
    services.action_item_transition(actor=world.coordinator, item=item, name="close", override_reason="By phone")
    services.action_item_transition(actor=world.coordinator, item=item, name="reopen", reason="Partner objected")
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS
    assert item.closed_at is None
    assert item.close_override_reason == ""


def test_reopen_of_an_item_cancelled_after_acknowledgement_goes_back_to_work(world, move_to_status):
    item = move_to_status(world.item, Status.CANCELLED)
    services.action_item_transition(actor=world.coordinator, item=item, name="reopen", reason="Needed after all")
    assert ActionItem.objects.get(pk=item.pk).status == Status.IN_PROGRESS


def test_reopen_of_an_item_cancelled_while_assigned_goes_back_to_assigned(world, move_to_status):
    item = move_to_status(world.item, Status.ASSIGNED)
    services.action_item_transition(actor=world.coordinator, item=item, name="cancel", reason="Duplicate")
    services.action_item_transition(actor=world.coordinator, item=item, name="reopen", reason="Not a duplicate")
    assert ActionItem.objects.get(pk=item.pk).status == Status.ASSIGNED


def test_reopen_of_an_item_cancelled_as_a_draft_goes_back_to_draft(world):
    item = world.item
    services.action_item_transition(actor=world.coordinator, item=item, name="cancel", reason="Duplicate")
    services.action_item_transition(actor=world.coordinator, item=item, name="reopen", reason="Not a duplicate")
    assert ActionItem.objects.get(pk=item.pk).status == Status.DRAFT


def test_reopen_of_a_declined_item_cancelled_as_a_draft_goes_back_to_draft(world, move_to_status):
    """It stopped as a draft (the lead declined it): reopening must not hand it back to the lead unasked."""
    item = move_to_status(world.item, Status.ASSIGNED)
    services.action_item_transition(actor=world.lead_liaison, item=item, name="decline", reason="Not MOD's remit")
    services.action_item_transition(actor=world.coordinator, item=item, name="cancel", reason="Will redraft")
    services.action_item_transition(actor=world.coordinator, item=item, name="reopen", reason="Redraft it")
    assert ActionItem.objects.get(pk=item.pk).status == Status.DRAFT


# --- Editing: coordinator fields --------------------------------------------------------------------------------------

PLAIN_COORDINATOR_FIELDS = sorted(
    name for name in workflow.COORDINATOR_FIELDS if not ActionItem._meta.get_field(name).many_to_many
)


def new_value(world, name):
    """A value for `name` different from the world item's current one."""
    return {
        "title": lambda: "A different title",
        "title_ja": lambda: "別の件名",
        "description": lambda: "A different description",
        "department": lambda: world.other_department,
        "coordinator": lambda: world.director,
        "initiative": lambda: InitiativeFactory(department=world.department),
        "meeting": lambda: MeetingFactory(department=world.department),
        "lead_agency": lambda: world.meti,
        "priority": lambda: ActionItem.Priority.URGENT,
        "due_date": lambda: datetime.date(2026, 7, 31),
        "marking": lambda: ActionItem.Marking.RESTRICTED,
        "parent": lambda: ActionItemFactory(department=world.department, lead_agency=world.mod),
        "external_id": lambda: "MOD-2026-042",
        "recurrence": lambda: ActionItem.Recurrence.QUARTERLY,
    }[name]()


def test_every_plain_coordinator_field_has_a_test_value(world):
    for name in PLAIN_COORDINATOR_FIELDS:
        assert new_value(world, name) != getattr(world.item, name)


@pytest.mark.parametrize("role", ["lead_liaison", "supporting_liaison"])
@pytest.mark.parametrize("field", PLAIN_COORDINATOR_FIELDS)
def test_a_liaison_cannot_change_coordinator_fields(world, move_to_status, time_machine, field, role):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    value = new_value(world, field)
    before = snapshot(item)
    time_machine.shift(datetime.timedelta(minutes=5))
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=getattr(world, role), item=item, changes={field: value})
    assert snapshot(item) == before


@pytest.mark.parametrize("role", ["lead_liaison", "supporting_liaison"])
def test_a_liaison_cannot_change_supporting_agencies_or_dependencies(world, move_to_status, role):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    other = ActionItemFactory(department=world.department, lead_agency=world.mod)
    actor = getattr(world, role)
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=actor, item=item, changes={"supporting_agencies": [world.mofa, world.meti]})
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=actor, item=item, changes={"dependencies": [other]})
    assert set(item.concurrences.values_list("agency__code", flat=True)) == {"MOFA"}
    assert not item.dependencies.exists()


@pytest.mark.parametrize("role", ["coordinator", "director"])
def test_coordinators_change_coordinator_fields(world, move_to_status, role):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    services.action_item_update(
        actor=getattr(world, role),
        item=item,
        changes={"title": "Revised title", "priority": ActionItem.Priority.HIGH, "external_id": "MOD-7"},
    )
    item.refresh_from_db()
    assert (item.title, item.priority, item.external_id) == ("Revised title", ActionItem.Priority.HIGH, "MOD-7")


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_a_finished_item_cannot_be_edited_even_by_its_coordinator(world, move_to_status, status):
    item = move_to_status(world.item, status)
    before = snapshot(item)
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=world.coordinator, item=item, changes={"title": "Late edit"})
    assert snapshot(item) == before


# --- Routing inside the lead agency ----------------------------------------------------------------------------------


@pytest.fixture
def routed_item(world, move_to_status):
    return move_to_status(world.item, Status.ACKNOWLEDGED)


def test_a_lead_liaison_routes_to_another_liaison_and_unit_of_its_agency(world, routed_item):
    alternate = LiaisonFactory(agency=world.mod, role=Liaison.Role.ALTERNATE)
    sub_unit = OrgUnitFactory(agency=world.mod, parent=world.mod_unit, name_en="Defense Cooperation Office")
    services.action_item_route(actor=world.lead_liaison, item=routed_item, liaison=alternate, org_unit=sub_unit)
    routed_item.refresh_from_db()
    assert routed_item.assigned_liaison == alternate
    assert routed_item.org_unit == sub_unit


@pytest.mark.parametrize("target", ["other_agency_liaison", "other_agency_unit", "ended_liaison_of_agency"])
def test_a_lead_liaison_cannot_route_outside_its_agency_or_to_a_former_liaison(world, routed_item, target):
    liaison, unit = {
        "other_agency_liaison": (world.supporting_term, None),
        "other_agency_unit": (world.lead_term, world.mofa_unit),
        "ended_liaison_of_agency": (world.ended_term, None),
    }[target]
    before = snapshot(routed_item)
    with pytest.raises(ValidationError):
        services.action_item_route(actor=world.lead_liaison, item=routed_item, liaison=liaison, org_unit=unit)
    assert snapshot(routed_item) == before


@pytest.mark.parametrize("role", ["supporting_liaison", "unrelated_liaison", "ended_liaison", "staff"])
def test_only_the_lead_agency_and_coordinators_route(world, routed_item, role):
    alternate = LiaisonFactory(agency=world.mod, role=Liaison.Role.ALTERNATE)
    before = snapshot(routed_item)
    with pytest.raises(PermissionDenied):
        services.action_item_route(actor=getattr(world, role), item=routed_item, liaison=alternate, org_unit=None)
    assert snapshot(routed_item) == before


# --- Due dates on the business calendar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (datetime.date(2026, 5, 3), datetime.date(2026, 5, 7)),  # Golden Week
        (datetime.date(2026, 9, 22), datetime.date(2026, 9, 24)),  # Silver Week
        (datetime.date(2026, 12, 31), datetime.date(2027, 1, 4)),  # year-end closure
        (datetime.date(2026, 6, 6), datetime.date(2026, 6, 8)),  # Saturday
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 29)),  # the leap day is a business day
    ],
)
def test_a_due_date_on_a_closed_day_moves_to_the_next_business_day(world, asked, expected):
    item = services.action_item_create(
        actor=world.coordinator, department=world.department, title="Brief", lead_agency=world.mod, due_date=asked
    )
    item.refresh_from_db()
    assert item.due_date == expected
    assert item.original_due_date == expected


def test_a_due_date_edited_onto_a_holiday_moves_and_keeps_the_original(world, move_to_status):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    services.action_item_update(actor=world.coordinator, item=item, changes={"due_date": datetime.date(2026, 7, 20)})
    item.refresh_from_db()
    assert item.due_date == datetime.date(2026, 7, 21)  # Marine Day moves to Tuesday
    assert item.original_due_date == DUE


def test_a_draft_due_date_edit_also_moves_the_original(world):
    services.action_item_update(
        actor=world.coordinator, item=world.item, changes={"due_date": datetime.date(2026, 12, 29)}
    )
    item = ActionItem.objects.get(pk=world.item.pk)
    assert item.due_date == item.original_due_date == datetime.date(2027, 1, 4)


def test_an_assigned_item_cannot_lose_its_due_date(world, move_to_status):
    item = move_to_status(world.item, Status.ASSIGNED)
    with pytest.raises(ValidationError):
        services.action_item_update(actor=world.coordinator, item=item, changes={"due_date": None})
    assert ActionItem.objects.get(pk=item.pk).due_date == DUE


def test_an_item_without_a_due_date_cannot_be_assigned(world):
    item = services.action_item_create(
        actor=world.coordinator, department=world.department, title="Undated", lead_agency=world.mod
    )
    with pytest.raises(ValidationError):
        services.action_item_transition(actor=world.coordinator, item=item, name="assign")
    assert ActionItem.objects.get(pk=item.pk).status == Status.DRAFT


# --- Extensions ------------------------------------------------------------------------------------------------------


@pytest.fixture
def working_item(world, move_to_status):
    return move_to_status(world.item, Status.IN_PROGRESS)


def request_extension(world, item, day=datetime.date(2026, 7, 31), reason="Awaiting Australia's reply"):
    return services.extension_request_create(actor=world.lead_liaison, item=item, requested_due_date=day, reason=reason)


def test_an_approved_extension_moves_the_due_date_and_keeps_the_original(world, working_item):
    request = request_extension(world, working_item)
    services.extension_request_decide(actor=world.coordinator, extension_request=request, approve=True)
    working_item.refresh_from_db()
    request.refresh_from_db()
    assert working_item.due_date == datetime.date(2026, 7, 31)
    assert working_item.original_due_date == DUE
    assert request.state == ExtensionRequest.State.APPROVED
    assert request.decided_by == world.coordinator
    assert request.previous_due_date == DUE

    second = request_extension(world, working_item, day=datetime.date(2026, 8, 31), reason="Still waiting")
    services.extension_request_decide(actor=world.director, extension_request=second, approve=True)
    working_item.refresh_from_db()
    assert working_item.due_date == datetime.date(2026, 8, 31)
    assert working_item.original_due_date == DUE


def test_a_denied_extension_needs_a_comment_and_leaves_the_due_date(world, working_item):
    request = request_extension(world, working_item)
    with pytest.raises(ValidationError):
        services.extension_request_decide(actor=world.coordinator, extension_request=request, approve=False)
    request.refresh_from_db()
    assert request.state == ExtensionRequest.State.PENDING

    services.extension_request_decide(
        actor=world.coordinator, extension_request=request, approve=False, comment="The ministerial meeting is fixed."
    )
    request.refresh_from_db()
    working_item.refresh_from_db()
    assert request.state == ExtensionRequest.State.DENIED
    assert request.decision_comment == "The ministerial meeting is fixed."
    assert working_item.due_date == DUE


def test_an_extension_request_on_a_holiday_moves_to_the_next_business_day(world, working_item):
    request = request_extension(world, working_item, day=datetime.date(2026, 9, 21))
    assert request.requested_due_date == datetime.date(2026, 9, 24)


def test_an_extension_must_ask_for_a_later_date_and_only_one_may_wait(world, working_item):
    with pytest.raises(ValidationError):
        request_extension(world, working_item, day=datetime.date(2026, 6, 15))
    request_extension(world, working_item)
    with pytest.raises(ValidationError):
        request_extension(world, working_item, day=datetime.date(2026, 8, 31))
    assert working_item.extension_requests.count() == 1


@pytest.mark.parametrize("role", ["coordinator", "supporting_liaison", "unrelated_liaison", "ended_liaison", "staff"])
def test_only_the_lead_liaison_asks_for_an_extension(world, working_item, role):
    with pytest.raises(PermissionDenied):
        services.extension_request_create(
            actor=getattr(world, role), item=working_item, requested_due_date=datetime.date(2026, 7, 31), reason="Late"
        )
    assert not working_item.extension_requests.exists()


@pytest.mark.parametrize("role", ["lead_liaison", "supporting_liaison", "other_coordinator", "staff"])
def test_only_coordinators_decide_extensions(world, working_item, role):
    request = request_extension(world, working_item)
    with pytest.raises(PermissionDenied):
        services.extension_request_decide(actor=getattr(world, role), extension_request=request, approve=True)
    request.refresh_from_db()
    working_item.refresh_from_db()
    assert request.state == ExtensionRequest.State.PENDING
    assert working_item.due_date == DUE


def test_a_decided_request_cannot_be_decided_again(world, working_item):
    request = request_extension(world, working_item)
    services.extension_request_decide(actor=world.coordinator, extension_request=request, approve=True)
    with pytest.raises(ValidationError):
        services.extension_request_decide(actor=world.director, extension_request=request, approve=False, comment="No")


# --- Progress updates ------------------------------------------------------------------------------------------------


def test_a_progress_update_sets_percent_and_moves_acknowledged_to_in_progress(world, move_to_status, time_machine):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    time_machine.shift(datetime.timedelta(hours=2))
    update = services.progress_update_create(
        actor=world.lead_liaison, item=item, text="Drafted the outline with the bureau.", percent_complete=40
    )
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS
    assert item.percent_complete == 40
    assert item.last_progress_at == update.created_at
    assert ProgressUpdate.objects.get(pk=update.pk).author == world.lead_liaison


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.BLOCKED])
def test_a_progress_update_keeps_other_working_statuses(world, move_to_status, status):
    item = move_to_status(world.item, status)
    services.progress_update_create(actor=world.lead_liaison, item=item, text="Still on it.", percent_complete=60)
    item.refresh_from_db()
    assert (item.status, item.percent_complete) == (status, 60)


@pytest.mark.parametrize(("text", "percent"), [("", 10), ("   ", 10), ("Done", 101), ("Done", -1)])
def test_a_progress_update_needs_text_and_a_percent_from_0_to_100(world, move_to_status, text, percent):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    with pytest.raises(ValidationError):
        services.progress_update_create(actor=world.lead_liaison, item=item, text=text, percent_complete=percent)
    item.refresh_from_db()
    assert (item.status, item.percent_complete) == (Status.ACKNOWLEDGED, 0)
    assert not item.updates.exists()


@pytest.mark.parametrize("role", ["coordinator", "supporting_liaison", "unrelated_liaison", "ended_liaison", "staff"])
def test_only_the_lead_liaison_posts_progress(world, move_to_status, role):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    with pytest.raises(PermissionDenied):
        services.progress_update_create(actor=getattr(world, role), item=item, text="Update", percent_complete=50)
    assert not item.updates.exists()


def test_no_progress_before_acknowledgement(world, move_to_status):
    item = move_to_status(world.item, Status.ASSIGNED)
    with pytest.raises(PermissionDenied):
        services.progress_update_create(actor=world.lead_liaison, item=item, text="Early", percent_complete=5)


# --- Concurrence -----------------------------------------------------------------------------------------------------


def test_a_supporting_liaison_records_its_agencys_concurrence(world, move_to_status):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    services.concurrence_record(
        actor=world.supporting_liaison, item=item, agency=world.mofa, state=Concurrence.State.CONCUR, now=NOW
    )
    concurrence = Concurrence.objects.get(action_item=item, agency=world.mofa)
    assert concurrence.state == Concurrence.State.CONCUR
    assert concurrence.responded_by == world.supporting_liaison
    assert concurrence.responded_at == NOW


def test_a_non_concurrence_needs_a_comment(world, move_to_status):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.concurrence_record(
            actor=world.supporting_liaison, item=item, agency=world.mofa, state=Concurrence.State.NON_CONCUR
        )
    assert Concurrence.objects.get(action_item=item, agency=world.mofa).state == Concurrence.State.PENDING


@pytest.mark.parametrize(
    "role", ["coordinator", "director", "lead_liaison", "unrelated_liaison", "ended_liaison", "staff"]
)
def test_only_a_liaison_of_the_supporting_agency_records_its_concurrence(world, move_to_status, role):
    item = move_to_status(world.item, Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.concurrence_record(
            actor=getattr(world, role), item=item, agency=world.mofa, state=Concurrence.State.CONCUR
        )
    assert Concurrence.objects.get(action_item=item, agency=world.mofa).state == Concurrence.State.PENDING


def test_a_supporting_liaison_cannot_answer_for_another_supporting_agency(world, move_to_status):
    services.action_item_update(
        actor=world.coordinator, item=world.item, changes={"supporting_agencies": [world.mofa, world.meti]}
    )
    item = move_to_status(world.item, Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.concurrence_record(
            actor=world.unrelated_liaison, item=item, agency=world.mofa, state=Concurrence.State.CONCUR
        )
    services.concurrence_record(
        actor=world.unrelated_liaison, item=item, agency=world.meti, state=Concurrence.State.CONCUR
    )
    states = dict(item.concurrences.values_list("agency__code", "state"))
    assert states == {"MOFA": Concurrence.State.PENDING, "METI": Concurrence.State.CONCUR}


def test_no_concurrence_on_a_draft(world):
    with pytest.raises(PermissionDenied):
        services.concurrence_record(
            actor=world.supporting_liaison, item=world.item, agency=world.mofa, state=Concurrence.State.CONCUR
        )


# --- A liaison's term ends -------------------------------------------------------------------------------------------


def test_ending_a_term_removes_access_at_once_and_keeps_the_record(world, move_to_status):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    finished = ActionItemFactory(
        department=world.department,
        lead_agency=world.mod,
        assigned_liaison=world.lead_term,
        status=Status.CLOSED,
        closed_at=NOW,
    )
    assert action_items_visible_to(world.lead_liaison, today=TODAY).filter(pk=item.pk).exists()

    services.liaison_end_term(actor=world.superuser, liaison=world.lead_term)

    term = Liaison.objects.get(pk=world.lead_term.pk)
    assert term.end_date == TODAY
    with pytest.raises(PermissionDenied):
        services.action_item_transition(actor=world.lead_liaison, item=item, name="start")
    with pytest.raises(PermissionDenied):
        services.progress_update_create(actor=world.lead_liaison, item=item, text="Still here", percent_complete=50)
    assert not action_items_visible_to(world.lead_liaison, today=TODAY).exists()
    item.refresh_from_db()
    assert item.status == Status.ACKNOWLEDGED
    assert item.assigned_liaison is None
    finished.refresh_from_db()
    assert finished.assigned_liaison == term  # finished work keeps who did it
    held_by = {record.assigned_liaison_id for record in item.history.all()}
    assert world.lead_term.pk in held_by


def test_a_term_ending_later_keeps_access_until_that_day(world, move_to_status):
    item = move_to_status(world.item, Status.ACKNOWLEDGED)
    last_day = datetime.date(2026, 6, 30)
    services.liaison_end_term(actor=world.superuser, liaison=world.lead_term, end_date=last_day)
    assert ActionItem.objects.get(pk=item.pk).assigned_liaison == world.lead_term
    assert action_items_visible_to(world.lead_liaison, today=last_day - datetime.timedelta(days=1)).exists()
    assert not action_items_visible_to(world.lead_liaison, today=last_day).exists()
    services.action_item_transition(actor=world.lead_liaison, item=item, name="start")


def test_a_term_cannot_end_before_it_started(world):
    with pytest.raises(ValidationError):
        services.liaison_end_term(actor=world.superuser, liaison=world.lead_term, end_date=datetime.date(2025, 3, 31))
    assert Liaison.objects.get(pk=world.lead_term.pk).end_date is None


def test_the_transitions_offered_are_exactly_those_not_refused_for_every_status_and_set_of_roles():
    """`available_transitions` (asked of every row of a list) keeps to `transition_refusal`'s rule, generated over
    every status and every combination of roles."""
    roles = list(workflow.Role)
    for status in ActionItem.Status:
        for size in range(len(roles) + 1):
            for combination in itertools.combinations(roles, size):
                held = frozenset(combination)
                expected = [
                    t.name
                    for t in workflow.TRANSITIONS.values()
                    if workflow.transition_refusal(t.name, status, held) is None
                ]
                assert [t.name for t in workflow.available_transitions(status, held)] == expected, (status, held)
