"""Reads that matter: who sees which items, and who a person is to an item. Inputs (user, today) are arguments."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from agencies.models import Liaison
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    DepartmentMember,
    ExtensionRequest,
    Meeting,
    ProgressUpdate,
    Reminder,
)
from coordination.workflow import Role, Viewer, roles_for


def liaison_terms_active(user, *, today: datetime.date) -> QuerySet[Liaison]:
    """The liaison terms `user` holds on `today`."""
    if not user or not user.is_authenticated:
        return Liaison.objects.none()
    return Liaison.objects.active_on(today).filter(user=user, user__is_active=True)


def viewer_for(user, *, today: datetime.date) -> Viewer:
    """Everything needed to decide `user`'s role on any item, in two queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Viewer(user_id=None)
    memberships = DepartmentMember.objects.filter(user=user, is_active=True, department__is_active=True)
    coordinator_ids, director_ids = set(), set()
    for department_id, role in memberships.values_list("department_id", "role"):
        (director_ids if role == DepartmentMember.Role.DIRECTOR else coordinator_ids).add(department_id)
    agency_ids = frozenset(liaison_terms_active(user, today=today).values_list("agency_id", flat=True))
    return Viewer(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        coordinator_department_ids=frozenset(coordinator_ids),
        director_department_ids=frozenset(director_ids),
        liaison_agency_ids=agency_ids,
    )


def action_items_visible_to(user, *, today: datetime.date, viewer: Viewer | None = None) -> QuerySet[ActionItem]:
    """The single definition of which items a person sees.

    Superusers see everything; coordinators and directors see their departments' items; a liaison in office
    sees items where their agency is lead or supporting. Anyone else sees nothing.
    """
    viewer = viewer or viewer_for(user, today=today)
    items = ActionItem.objects.all()
    if viewer.is_superuser:
        return items
    condition = Q(pk__in=[])
    department_ids = viewer.coordinator_department_ids | viewer.director_department_ids
    if department_ids:
        condition |= Q(department_id__in=department_ids)
    if viewer.liaison_agency_ids:
        supporting = Concurrence.objects.filter(action_item=OuterRef("pk"), agency_id__in=viewer.liaison_agency_ids)
        condition |= Q(lead_agency_id__in=viewer.liaison_agency_ids) | Q(Exists(supporting))
    return items.filter(condition)


def action_item_roles(viewer: Viewer, item: ActionItem) -> frozenset[Role]:
    """The roles `viewer` holds on `item` (uses prefetched concurrences when there are any)."""
    supporting_ids = [c.agency_id for c in item.concurrences.all()] if item.pk else []
    return roles_for(
        viewer,
        department_id=item.department_id,
        lead_agency_id=item.lead_agency_id,
        supporting_agency_ids=supporting_ids,
    )


def liaisons_for_agency(agency_id: int, *, today: datetime.date) -> QuerySet[Liaison]:
    """The agency's liaisons in office, primary first."""
    return (
        Liaison.objects.active_on(today)
        .filter(agency_id=agency_id, user__is_active=True)
        .select_related("user", "agency")
        .order_by("-role", "start_date")  # "primary" sorts after "alternate"
    )


def action_items_with_details(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """`items` with everything their API representation shows, in a fixed number of queries whatever their count."""
    concurrences = Concurrence.objects.select_related("agency", "responded_by").order_by("agency__code")
    return items.select_related("department", "lead_agency", "coordinator").prefetch_related(
        Prefetch("concurrences", queryset=concurrences), "dependencies"
    )


def extension_requests_visible_to(visible_items: QuerySet[ActionItem]) -> QuerySet[ExtensionRequest]:
    """Extension requests on the items a person sees."""
    return ExtensionRequest.objects.filter(action_item__in=visible_items.values("pk"))


def liaisons_visible_to(viewer: Viewer) -> QuerySet[Liaison]:
    """Coordinators see every agency's liaison terms; a liaison sees those of the agencies they serve."""
    if viewer.is_coordinating:
        return Liaison.objects.all()
    return Liaison.objects.filter(agency_id__in=viewer.liaison_agency_ids)


def reminders_visible_to(user, viewer: Viewer) -> QuerySet[Reminder]:
    """The reminder ledger: coordinators see their departments' rows, everyone sees the rows addressed to them."""
    if viewer.is_superuser:
        return Reminder.objects.all()
    departments = viewer.coordinator_department_ids | viewer.director_department_ids
    return Reminder.objects.filter(Q(action_item__department_id__in=departments) | Q(recipient_id=user.pk))


def meetings_visible_to(viewer: Viewer) -> QuerySet[Meeting]:
    """Coordinators see their departments' meetings; a liaison sees the meetings their agency took part in."""
    if viewer.is_superuser:
        return Meeting.objects.all()
    departments = viewer.coordinator_department_ids | viewer.director_department_ids
    condition = Q(department_id__in=departments) | Q(
        pk__in=Meeting.agencies.through.objects.filter(agency_id__in=viewer.liaison_agency_ids).values("meeting_id")
    )
    return Meeting.objects.filter(condition)


HISTORY_CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_entries(records, *, record: str) -> list[dict]:
    """History rows of one kind of record, each compared with the previous row of the same object."""
    entries, previous_by_object = [], {}
    for row in records:
        previous = previous_by_object.get(row.id)
        changes = []
        if previous is not None:
            delta = row.diff_against(previous, foreign_keys_are_objs=False)
            changes = [{"field": change.field, "old": change.old, "new": change.new} for change in delta.changes]
        entries.append(
            {
                "id": row.history_id,
                "record": record,
                "record_id": row.id,
                "at": row.history_date,
                "user": row.history_user.username if row.history_user else None,
                "change": HISTORY_CHANGE_TYPES[row.history_type],
                "reason": row.history_change_reason or "",
                "changes": changes,
            }
        )
        previous_by_object[row.id] = row
    return entries


def action_item_history(item: ActionItem) -> list[dict]:
    """The item's change history and that of everything recorded on it, newest first.

    Each entry says which record changed (the item, a concurrence, a progress update, an extension request or an
    attachment), who changed it, when, why, and each changed field with its old and new value.
    """
    sources = [
        ("action_item", item.history.all()),
        ("concurrence", Concurrence.history.filter(action_item_id=item.pk)),
        ("progress_update", ProgressUpdate.history.filter(action_item_id=item.pk)),
        ("extension_request", ExtensionRequest.history.filter(action_item_id=item.pk)),
        ("attachment", Attachment.history.filter(action_item_id=item.pk)),
    ]
    entries = []
    for record, rows in sources:
        ordered = rows.select_related("history_user").order_by("history_date", "history_id")
        entries += _history_entries(ordered, record=record)
    entries.sort(key=lambda entry: (entry["at"], entry["record"], entry["id"]), reverse=True)
    return entries
