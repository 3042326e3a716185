"""The action-item workflow: who a person is to an item, which transitions exist, and who may make each.

Plain data and pure functions only. Services enforce these rules for every caller (admin, API, commands),
so "who may close an item?" is answered here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from coordination.models import ActionItem

Status = ActionItem.Status


class Role(StrEnum):
    """What a person is to one item."""

    COORDINATOR = "coordinator"  # a coordinator of the item's department (or a superuser)
    DIRECTOR = "director"  # the director of the item's department
    LEAD_LIAISON = "lead_liaison"  # a liaison in office for the lead agency
    SUPPORTING_LIAISON = "supporting_liaison"  # a liaison in office for a supporting agency


COORDINATING_ROLES = frozenset({Role.COORDINATOR, Role.DIRECTOR})


@dataclass(frozen=True)
class Viewer:
    """What is known of a person when deciding their roles: built once per request by a selector."""

    user_id: int | None
    is_superuser: bool = False
    coordinator_department_ids: frozenset[int] = field(default_factory=frozenset)
    director_department_ids: frozenset[int] = field(default_factory=frozenset)
    liaison_agency_ids: frozenset[int] = field(default_factory=frozenset)
    primary_agency_ids: frozenset[int] = field(default_factory=frozenset)  # where they are the primary liaison
    read_only: bool = False  # a read-only token or integration account: sees as its roles allow, changes nothing
    is_integration: bool = False  # a tool's account: it never manages accounts, terms or tokens

    @property
    def is_coordinating(self) -> bool:
        return self.is_superuser or bool(self.coordinator_department_ids or self.director_department_ids)

    @property
    def is_liaison(self) -> bool:
        return bool(self.liaison_agency_ids)

    @property
    def has_any_role(self) -> bool:
        return self.is_coordinating or self.is_liaison


def roles_for(
    viewer: Viewer, *, department_id: int, lead_agency_id: int, supporting_agency_ids: Iterable[int]
) -> frozenset[Role]:
    """The roles `viewer` holds on an item of that department, lead agency and supporting agencies."""
    roles = set()
    if viewer.is_superuser or department_id in viewer.coordinator_department_ids:
        roles.add(Role.COORDINATOR)
    if department_id in viewer.director_department_ids:
        roles.add(Role.DIRECTOR)
    if lead_agency_id in viewer.liaison_agency_ids:
        roles.add(Role.LEAD_LIAISON)
    if viewer.liaison_agency_ids.intersection(supporting_agency_ids):
        roles.add(Role.SUPPORTING_LIAISON)
    return frozenset(roles)


@dataclass(frozen=True)
class Transition:
    """A named move between statuses, who may make it, and whether it needs a reason."""

    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: decided by `reopen_target`
    roles: frozenset[Role]
    reason_required: bool = False


def _transition(name, label, sources, target, roles, reason_required=False) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(roles), reason_required)


LEAD = {Role.LEAD_LIAISON}
COORDINATING = set(COORDINATING_ROLES)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _transition("assign", _("Assign"), [Status.DRAFT], Status.ASSIGNED, COORDINATING),
        _transition("decline", _("Decline"), [Status.ASSIGNED], Status.DRAFT, LEAD, reason_required=True),
        _transition("acknowledge", _("Acknowledge"), [Status.ASSIGNED], Status.ACKNOWLEDGED, LEAD),
        _transition("start", _("Start work"), [Status.ACKNOWLEDGED], Status.IN_PROGRESS, LEAD),
        _transition(
            "block",
            _("Mark blocked"),
            [Status.ACKNOWLEDGED, Status.IN_PROGRESS],
            Status.BLOCKED,
            LEAD | COORDINATING,
            reason_required=True,
        ),
        _transition(
            "unblock", _("Unblock"), [Status.BLOCKED], Status.IN_PROGRESS, LEAD | COORDINATING, reason_required=True
        ),
        _transition("submit", _("Submit as complete"), [Status.IN_PROGRESS], Status.SUBMITTED, LEAD),
        _transition(
            "return",
            _("Return to the lead"),
            [Status.SUBMITTED],
            Status.IN_PROGRESS,
            COORDINATING,
            reason_required=True,
        ),
        _transition("close", _("Close out"), [Status.SUBMITTED], Status.CLOSED, COORDINATING),
        _transition(
            "cancel",
            _("Cancel"),
            [Status.DRAFT, *ActionItem.ACTIVE_STATUSES, Status.SUBMITTED],
            Status.CANCELLED,
            COORDINATING,
            reason_required=True,
        ),
        _transition("reopen", _("Reopen"), [Status.CLOSED, Status.CANCELLED], None, COORDINATING, reason_required=True),
    ]
}


# What an archived item (finished longer ago than ARCHIVE_AFTER_DAYS) still takes: a coordinator reopening it, with
# a reason. Everything else about it is read-only.
ARCHIVE_ACTIONS = frozenset({"reopen"})


def reopen_target(*, was_acknowledged: bool, was_assigned: bool) -> str:
    """Where a reopened item goes: back to work if the lead had taken it, else to where it stopped."""
    if was_acknowledged:
        return Status.IN_PROGRESS
    if was_assigned:
        return Status.ASSIGNED
    return Status.DRAFT


def transition_refusal(name: str, status: str, roles: frozenset[Role]) -> str | None:
    """Why `name` cannot be made from `status` by someone with `roles`, or None when it can."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return str(_("There is no transition called “%(name)s”.") % {"name": name})
    if not roles & transition.roles:
        return str(_("Your role on this item does not allow “%(label)s”.") % {"label": transition.label})
    if status not in transition.sources:
        return str(
            _("“%(label)s” is not possible while the item is %(status)s.")
            % {"label": transition.label, "status": Status(status).label.lower()}
        )
    return None


def available_transitions(status: str, roles: frozenset[Role]) -> list[Transition]:
    """The transitions someone with `roles` can make on an item in `status`, in workflow order (the same rule as
    `transition_refusal`, without building a refusal for each one it leaves out: lists ask this of every row)."""
    return [t for t in TRANSITIONS.values() if roles & t.roles and status in t.sources]


# Fields only coordinators change. Liaisons route (assigned liaison, unit), post progress and ask for extensions.
COORDINATOR_FIELDS = frozenset(
    {
        "title",
        "title_ja",
        "description",
        "department",
        "coordinator",
        "initiative",
        "meeting",
        "lead_agency",
        "supporting_agencies",
        "priority",
        "due_date",
        "marking",
        "parent",
        "dependencies",
        "external_id",
        "recurrence",
    }
)
ROUTING_FIELDS = frozenset({"assigned_liaison", "org_unit"})
ROUTABLE_STATUSES = frozenset(ActionItem.ACTIVE_STATUSES)
EDITABLE_STATUSES = frozenset(ActionItem.OPEN_STATUSES)
PROGRESS_STATUSES = frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.BLOCKED})
EXTENSION_STATUSES = frozenset(ActionItem.ACTIVE_STATUSES)
CONCURRENCE_STATUSES = frozenset({*ActionItem.ACTIVE_STATUSES, Status.SUBMITTED})


def editable_fields(status: str, roles: frozenset[Role]) -> frozenset[str]:
    """The item fields someone with `roles` may change while the item is in `status`."""
    if status not in EDITABLE_STATUSES:
        return frozenset()
    fields: set[str] = set()
    if roles & COORDINATING_ROLES:
        fields |= COORDINATOR_FIELDS
    if status in ROUTABLE_STATUSES and roles & (COORDINATING_ROLES | {Role.LEAD_LIAISON}):
        fields |= ROUTING_FIELDS
    return frozenset(fields)


def can_post_progress(status: str, roles: frozenset[Role]) -> bool:
    return status in PROGRESS_STATUSES and Role.LEAD_LIAISON in roles


def can_request_extension(status: str, roles: frozenset[Role]) -> bool:
    return status in EXTENSION_STATUSES and Role.LEAD_LIAISON in roles


def can_decide_extension(roles: frozenset[Role]) -> bool:
    return bool(roles & COORDINATING_ROLES)


def can_record_concurrence(status: str, roles: frozenset[Role]) -> bool:
    return status in CONCURRENCE_STATUSES and Role.SUPPORTING_LIAISON in roles


def can_view(roles: frozenset[Role]) -> bool:
    return bool(roles)


def can_attach(status: str, roles: frozenset[Role]) -> bool:
    """Files are added while the item is open, by its coordinators and the lead and supporting liaisons."""
    return status in EDITABLE_STATUSES and bool(roles)
