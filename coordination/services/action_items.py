"""Creating, editing, routing and moving action items along the workflow."""

from __future__ import annotations

import calendar as calendar_module
import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Liaison, OrgUnit
from coordination import workflow
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Concurrence,
    Department,
    Reminder,
)
from coordination.reminders.events import TRANSITION_EVENTS, event_record
from coordination.selectors import viewer_for
from coordination.workflow import Viewer

from .common import (
    ITEM_SEARCH_FIELDS,
    _business_due_date,
    _lock,
    _lock_with_roles,
    _refuse_archived,
    _require,
    _roles,
    _save,
    _write_transaction,
)

Status = ActionItem.Status


# --- Validation shared by create and update ------------------------------------------------------------------------


def _validate_item(
    item: ActionItem, *, supporting_ids: set[int], dependency_ids: set[int], today, changed: set[str] | None = None
) -> None:
    """Every rule an item's fields must keep together; `changed` names the fields an edit changes (None for a new
    item). The rules that ask the database are checked when their field is set or changed: the parent's line (an
    unchanged parent makes no loop), a cycle of dependencies (idem), another item's external id, and the
    coordinator's membership (a coordinator who has since left the department does not stop an edit of another
    field); and the links that must stay inside the item's department or lead agency (initiative, meeting, unit),
    when the link or what it must match changes. The assigned liaison's term is checked at every edit."""

    def setting(*fields: str) -> bool:
        return changed is None or not changed.isdisjoint(fields)

    errors: dict[str, list[str]] = {}
    if not item.title or not item.title.strip():
        errors.setdefault("title", []).append(_("A title is required."))
    if item.lead_agency_id in supporting_ids:
        errors.setdefault("supporting_agencies", []).append(_("The lead agency cannot also be a supporting agency."))
    if item.lead_agency_id and not item.lead_agency.is_active:
        errors.setdefault("lead_agency", []).append(_("The lead agency is not active."))
    if (
        item.initiative_id
        and setting("initiative", "department")
        and item.initiative.department_id != item.department_id
    ):
        errors.setdefault("initiative", []).append(_("The initiative belongs to another department."))
    if item.meeting_id and setting("meeting", "department") and item.meeting.department_id != item.department_id:
        errors.setdefault("meeting", []).append(_("The meeting belongs to another department."))
    if (
        item.coordinator_id
        and setting("coordinator")
        and not item.coordinator.is_superuser
        and not item.coordinator.memberships.filter(department_id=item.department_id, is_active=True).exists()
    ):
        errors.setdefault("coordinator", []).append(_("The coordinator must be a member of the item's department."))
    if item.assigned_liaison_id:
        liaison = item.assigned_liaison
        if liaison.agency_id != item.lead_agency_id or not liaison.is_active_on(today):
            errors.setdefault("assigned_liaison", []).append(
                _("The assigned liaison must be a liaison in office for the lead agency.")
            )
    if item.org_unit_id and setting("org_unit", "lead_agency") and item.org_unit.agency_id != item.lead_agency_id:
        errors.setdefault("org_unit", []).append(_("The unit must belong to the lead agency."))
    if item.parent_id and setting("parent"):
        ancestor, seen = item.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if item.pk and ancestor.pk == item.pk:
                errors.setdefault("parent", []).append(_("An item cannot be placed under itself or its sub-items."))
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        if item.parent.department_id != item.department_id:
            errors.setdefault("parent", []).append(_("The parent item belongs to another department."))
    if item.recurrence and item.due_date is None:
        errors.setdefault("due_date", []).append(_("A recurring item needs a due date."))
    if item.external_id and setting("external_id"):
        duplicates = ActionItem.objects.filter(department_id=item.department_id, external_id=item.external_id)
        if duplicates.exclude(pk=item.pk).exists():
            errors.setdefault("external_id", []).append(
                _("Another item of this department already has this external id.")
            )
    if item.pk and item.pk in dependency_ids:
        errors.setdefault("dependencies", []).append(_("An item cannot depend on itself."))
    elif item.pk and dependency_ids and setting("dependencies") and _depends_on(dependency_ids, item.pk):
        errors.setdefault("dependencies", []).append(_("These dependencies would make a cycle."))
    if errors:
        raise ValidationError(errors)


def _depends_on(start_ids: set[int], target_id: int) -> bool:
    """Whether any item in `start_ids` depends, directly or not, on `target_id`."""
    frontier, seen = set(start_ids), set()
    through = ActionItem.dependencies.through
    while frontier:
        if target_id in frontier:
            return True
        seen |= frontier
        frontier = (
            set(through.objects.filter(from_actionitem_id__in=frontier).values_list("to_actionitem_id", flat=True))
            - seen
        )
    return False


def _sync_supporting(item: ActionItem, agency_ids: set[int], *, actor) -> None:
    """Make the item's supporting agencies exactly `agency_ids`, each change leaving a history row."""
    current = {c.agency_id: c for c in Concurrence.objects.filter(action_item=item)}
    for agency_id in agency_ids - current.keys():
        concurrence = Concurrence(action_item=item, agency_id=agency_id)
        _save(concurrence, actor=actor, reason=_("Added as a supporting agency"))
    for agency_id in current.keys() - agency_ids:
        concurrence = current[agency_id]
        concurrence._history_user = actor
        concurrence._change_reason = _("Removed as a supporting agency")
        concurrence.delete()


# --- Create and edit -------------------------------------------------------------------------------------------------


def _build_new_item(
    *,
    actor,
    department: Department,
    title: str,
    lead_agency: Agency,
    due_date: datetime.date | None = None,
    supporting_agencies: Iterable[Agency] = (),
    dependencies: Iterable[ActionItem] = (),
    now: datetime.datetime | None = None,
    **fields,
) -> tuple[ActionItem, set[int], set[int]]:
    """A validated, unsaved new item with the ids of its supporting agencies and dependencies."""
    now = now or timezone.now()
    supporting_ids = {a.pk for a in supporting_agencies}
    dependency_ids = {d.pk for d in dependencies}
    viewer = viewer_for(actor, today=japan_today(now))
    roles = workflow.roles_for(
        viewer, department_id=department.pk, lead_agency_id=lead_agency.pk, supporting_agency_ids=()
    )
    _require(bool(roles & workflow.COORDINATING_ROLES), _("Only the department's coordinators can create items."))
    unknown = set(fields) - (workflow.COORDINATOR_FIELDS | workflow.ROUTING_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    # The creator coordinates the item unless someone else is named; a tool's account or a superuser is nobody's
    # coordinator, so their items start with none.
    coordinator = fields.pop("coordinator", None) or (None if actor.is_superuser or actor.is_integration else actor)
    item = ActionItem(
        department=department,
        title=(title or "").strip(),
        lead_agency=lead_agency,
        due_date=_business_due_date(due_date),
        created_by=actor,
        coordinator=coordinator,
        **fields,
    )
    item.original_due_date = item.due_date
    _validate_item(item, supporting_ids=supporting_ids, dependency_ids=dependency_ids, today=japan_today(now))
    item.full_clean(exclude=["lead_agency", "department"], validate_constraints=False)
    return item, supporting_ids, dependency_ids


def action_item_check_create(**arguments) -> None:
    """Raise the errors `action_item_create` would raise for the same arguments, writing nothing (for forms)."""
    _build_new_item(**arguments)


@transaction.atomic
def action_item_create(
    *,
    actor,
    department: Department,
    title: str,
    lead_agency: Agency,
    due_date: datetime.date | None = None,
    supporting_agencies: Iterable[Agency] = (),
    dependencies: Iterable[ActionItem] = (),
    now: datetime.datetime | None = None,
    **fields,
) -> ActionItem:
    """Create a draft item in `department`; only the department's coordinators and director may."""
    item, supporting_ids, dependency_ids = _build_new_item(
        actor=actor,
        department=department,
        title=title,
        lead_agency=lead_agency,
        due_date=due_date,
        supporting_agencies=supporting_agencies,
        dependencies=dependencies,
        now=now,
        **fields,
    )
    _save(item, actor=actor, reason=_("Created"))
    _sync_supporting(item, supporting_ids, actor=actor)
    if dependency_ids:
        item._history_user = actor
        item.dependencies.set(dependency_ids)
    return item


def _related_ids(item: ActionItem, name: str, column: str) -> set[int]:
    """The ids in one of the item's related sets: from the rows prefetched with it, else read."""
    if not item.pk:
        return set()
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get(name)
    if prefetched is not None:
        return {getattr(row, column) for row in prefetched}
    return set(getattr(item, name).values_list(column, flat=True))


def _apply_changes(*, actor, item: ActionItem, changes: dict, now: datetime.datetime, viewer: Viewer | None = None):
    """Check `changes` against the actor's role and the item's rules and apply them to `item` (not saved)."""
    changes = dict(changes)
    roles = _roles(actor, item, now=now, viewer=viewer)
    _require(workflow.can_view(roles), _("You cannot change this item."))
    supporting = changes.pop("supporting_agencies", None)
    dependencies = changes.pop("dependencies", None)
    current_supporting = _related_ids(item, "concurrences", "agency_id")
    current_dependencies = _related_ids(item, "dependencies", "pk")
    supporting_ids = {a.pk for a in supporting} if supporting is not None else current_supporting
    dependency_ids = {d.pk for d in dependencies} if dependencies is not None else current_dependencies

    changed = {name for name, value in changes.items() if getattr(item, name) != value}
    if supporting_ids != current_supporting:
        changed.add("supporting_agencies")
    if dependency_ids != current_dependencies:
        changed.add("dependencies")
    allowed = workflow.editable_fields(item.status, roles)
    refused = sorted(changed - allowed)
    if refused:
        if not allowed:
            raise PermissionDenied(
                _("You cannot change this item while it is %(status)s.") % {"status": item.get_status_display().lower()}
            )
        raise PermissionDenied(_("You cannot change: %(fields)s.") % {"fields": ", ".join(refused)})

    for name in changed - {"supporting_agencies", "dependencies"}:
        setattr(item, name, changes[name])
    if "due_date" in changed:
        if item.due_date is None and item.status != Status.DRAFT:
            raise ValidationError({"due_date": [_("An assigned item needs a due date.")]})
        item.due_date = _business_due_date(item.due_date)
        if item.status == Status.DRAFT:
            item.original_due_date = item.due_date
    if "lead_agency" in changed:
        # Routing inside the old lead agency means nothing to the new one.
        if item.assigned_liaison_id and item.assigned_liaison.agency_id != item.lead_agency_id:
            item.assigned_liaison = None
        if item.org_unit_id and item.org_unit.agency_id != item.lead_agency_id:
            item.org_unit = None
    if changed:
        _validate_item(
            item,
            supporting_ids=supporting_ids,
            dependency_ids=dependency_ids,
            today=japan_today(now),
            changed=changed,
        )
        # A relation left as it was still points at its row (the database's foreign keys, rows never deleted):
        # only the changed ones are looked up again.
        unchanged_relations = [
            field.name
            for field in ActionItem._meta.concrete_fields
            if field.is_relation and field.name not in changed and field.name not in ("lead_agency", "department")
        ]
        item.full_clean(exclude=["lead_agency", "department", *unchanged_relations], validate_constraints=False)
    return changed, supporting_ids, dependency_ids


def action_item_check_update(*, actor, item: ActionItem, changes: dict, now: datetime.datetime | None = None) -> None:
    """Raise the errors `action_item_update` would raise for these changes, writing nothing (for forms)."""
    fresh = ActionItem.objects.get(pk=item.pk)
    _apply_changes(actor=actor, item=fresh, changes=changes, now=now or timezone.now())


def action_item_update(
    *,
    actor,
    item: ActionItem,
    changes: dict,
    now: datetime.datetime | None = None,
    viewer: Viewer | None = None,
    locked: bool = False,
) -> ActionItem:
    """Change fields of an item; each field must be one the actor's role may change in the item's status.

    A caller that has them already passes `viewer` (the actor's own roles, e.g. the request's) and `locked=True`
    when it has locked `item` and read it under the lock in the transaction it calls this in (and lets a refusal
    end that transaction): the item is then changed in place, not read again."""
    now = now or timezone.now()
    with _write_transaction(locked=locked):
        item = _lock(item, locked=locked)
        _refuse_archived(item, now=now)
        changed, supporting_ids, dependency_ids = _apply_changes(
            actor=actor, item=item, changes=changes, now=now, viewer=viewer
        )
        if not changed:
            return item
        _save(
            item,
            actor=actor,
            reason=_("Edited: %(fields)s") % {"fields": ", ".join(sorted(changed))},
            search=bool(changed & ITEM_SEARCH_FIELDS),
        )
        if "supporting_agencies" in changed:
            _sync_supporting(item, supporting_ids, actor=actor)
        if "dependencies" in changed:
            item._history_user = actor
            item.dependencies.set(dependency_ids)
        return item


def action_item_route(
    *,
    actor,
    item: ActionItem,
    liaison: Liaison | None,
    org_unit: OrgUnit | None,
    now: datetime.datetime | None = None,
    viewer: Viewer | None = None,
    locked: bool = False,
) -> ActionItem:
    """Route an item inside its lead agency: to another liaison of it, to one of its units, or both. (`viewer`,
    `locked`: as for `action_item_update`.)"""
    return action_item_update(
        actor=actor,
        item=item,
        changes={"assigned_liaison": liaison, "org_unit": org_unit},
        now=now,
        viewer=viewer,
        locked=locked,
    )


# --- Transitions -----------------------------------------------------------------------------------------------------


def action_item_transition(
    *,
    actor,
    item: ActionItem,
    name: str,
    reason: str = "",
    override_reason: str = "",
    now: datetime.datetime | None = None,
    viewer: Viewer | None = None,
    locked: bool = False,
) -> ActionItem:
    """Move an item along the workflow (assign, acknowledge, submit, close, ...), if the actor's role allows it.
    (`viewer`, `locked`: as for `action_item_update`.)"""
    now = now or timezone.now()
    with _write_transaction(locked=locked):
        item, roles = _lock_with_roles(
            actor, item, now=now, reopening=name in workflow.ARCHIVE_ACTIONS, viewer=viewer, locked=locked
        )
        refusal = workflow.transition_refusal(name, item.status, roles)
        if refusal:
            raise PermissionDenied(refusal)
        transition = workflow.TRANSITIONS[name]
        reason = (reason or "").strip()
        if transition.reason_required and not reason:
            raise ValidationError({"reason": [_("Give a reason for “%(label)s”.") % {"label": transition.label}]})

        if name == "assign":
            _check_assignable(item)
            item.assigned_at = now
            item.first_assigned_at = item.first_assigned_at or now
            if item.original_due_date is None:
                item.original_due_date = item.due_date
        elif name == "decline":
            # Back with the coordinator: no longer assigned (the history keeps the earlier assignment).
            item.assigned_at = None
            item.acknowledged_at = None
        elif name == "acknowledge":
            item.acknowledged_at = now
        elif name == "submit":
            item.submitted_at = now
            item.percent_complete = 100
        elif name == "close":
            _check_closable(item, override_reason=(override_reason or "").strip())
            item.closed_at = now
            item.close_override_reason = (override_reason or "").strip()
        elif name == "cancel":
            item.cancelled_at = now
        elif name == "reopen":
            transition = workflow.Transition(
                transition.name,
                transition.label,
                transition.sources,
                workflow.reopen_target(
                    was_acknowledged=item.acknowledged_at is not None, was_assigned=item.assigned_at is not None
                ),
                transition.roles,
            )
            item.closed_at = None
            item.close_override_reason = ""

        item.status = transition.target
        item.status_reason = reason
        # A transition changes none of the fields search reads.
        label = f"{transition.label}: {reason}" if reason else str(transition.label)
        _save(item, actor=actor, reason=label, search=False)
        if name in TRANSITION_EVENTS:
            occurrence = f"history/{item.history.values_list('history_id', flat=True).first()}"
            event_record(item=item, rule=TRANSITION_EVENTS[name], actor=actor, occurrence=occurrence, now=now)
        return item


@transaction.atomic
def action_item_remind(*, actor, item: ActionItem, now: datetime.datetime | None = None) -> int:
    """A coordinator reminds the lead now, outside the reminder rules; returns how many people it goes to.

    Recorded in the reminder ledger like every message, so it is sent once, and the history names who sent it."""
    now = now or timezone.now()
    item, roles = _lock_with_roles(actor, item, now=now)
    _require(bool(roles & workflow.COORDINATING_ROLES), _("Only the department's coordinators send a reminder."))
    if item.status not in ActionItem.ACTIVE_STATUSES:
        raise ValidationError(_("Only an item the lead agency is working on can be reminded."))
    rows = event_record(
        item=item, rule=Reminder.Rule.REMINDED, actor=actor, occurrence=f"reminded/{now.isoformat()}", now=now
    )
    if not rows:
        raise ValidationError(_("The lead agency has no liaison in office to remind."))
    return len(rows)


def _check_assignable(item: ActionItem) -> None:
    errors = {}
    if item.due_date is None:
        errors["due_date"] = [_("Set a due date before assigning the item.")]
    if not item.lead_agency.is_active:
        errors["lead_agency"] = [_("The lead agency is not active.")]
    if errors:
        raise ValidationError(errors)


def _check_closable(item: ActionItem, *, override_reason: str) -> None:
    open_children = item.children.exclude(status__in=ActionItem.FINISHED_STATUSES)
    if open_children.exists():
        raise ValidationError(
            _("Close or cancel its sub-items first: %(items)s.")
            % {"items": ", ".join(f"#{pk}" for pk in open_children.values_list("pk", flat=True))}
        )
    missing = item.concurrences.exclude(state=Concurrence.State.CONCUR).select_related("agency")
    if missing and not override_reason:
        raise ValidationError(
            {
                "override_reason": [
                    _("Not every supporting agency has concurred (%(agencies)s): give a reason to close anyway.")
                    % {"agencies": ", ".join(f"{c.agency.code} {c.get_state_display().lower()}" for c in missing)}
                ]
            }
        )


# --- Recurring items -------------------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day (31 January + 1 month)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar_module.monthrange(year, month)[1]))


RECURRENCE_COPIED_FIELDS = (
    "title",
    "title_ja",
    "description",
    "department_id",
    "initiative_id",
    "meeting_id",
    "coordinator_id",
    "lead_agency_id",
    "org_unit_id",
    "priority",
    "marking",
    "parent_id",
    "recurrence",
)


@transaction.atomic
def action_item_next_occurrence(*, item: ActionItem, now: datetime.datetime | None = None) -> ActionItem | None:
    """Create and assign the next occurrence of a recurring item, due one period after this one (on the
    calendar); None when it exists already. The database allows one next occurrence per item, so two schedulers
    at once cannot both create it."""
    now = now or timezone.now()
    item = _lock(item)
    if not item.recurrence or ActionItem.objects.filter(recurrence_previous=item).exists():
        return None
    anchor = item.recurrence_anchor or item.original_due_date or item.due_date
    index = item.recurrence_index + 1
    due = _business_due_date(_add_months(anchor, ActionItem.RECURRENCE_MONTHS[item.recurrence] * index))
    following = ActionItem(**{name: getattr(item, name) for name in RECURRENCE_COPIED_FIELDS})
    following.due_date = following.original_due_date = due
    following.recurrence_previous = item
    following.recurrence_anchor = anchor
    following.recurrence_index = index
    following.created_by = None
    liaison = item.assigned_liaison
    following.assigned_liaison = liaison if liaison and liaison.is_active_on(japan_today(now)) else None
    following.status = Status.ASSIGNED
    following.assigned_at = following.first_assigned_at = now
    reason = _("Next occurrence of #%(item)s, created by the schedule") % {"item": item.pk}
    _save(following, actor=None, reason=reason)
    for concurrence in item.concurrences.all():
        created = Concurrence(action_item=following, agency_id=concurrence.agency_id)
        _save(created, actor=None, reason=reason)
    occurrence = f"history/{following.history.values_list('history_id', flat=True).first()}"
    event_record(item=following, rule=TRANSITION_EVENTS["assign"], actor=None, occurrence=occurrence, now=now)
    return following


def action_items_recur(*, now: datetime.datetime | None = None) -> list[ActionItem]:
    """Create the next occurrence of every recurring item whose due date has come (cancelled series stop)."""
    now = now or timezone.now()
    due = (
        ActionItem.objects.filter(due_date__lte=japan_today(now), recurrence_next__isnull=True)
        .exclude(recurrence="")
        .exclude(status__in=[Status.CANCELLED, Status.DRAFT])
    )
    created = [action_item_next_occurrence(item=item, now=now) for item in due]
    return [item for item in created if item is not None]
