"""Reads that matter: who sees which items, and who a person is to an item. Inputs (user, today) are arguments."""

from __future__ import annotations

import datetime
import functools

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, Value

from agencies.models import Liaison
from coordination.access import action_items_visible
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    Department,
    DepartmentMember,
    ExtensionRequest,
    IntegrationAccount,
    ProgressUpdate,
)
from coordination.workflow import Role, Viewer, roles_for


def liaison_terms_active(user, *, today: datetime.date) -> QuerySet[Liaison]:
    """The liaison terms `user` holds on `today`."""
    if not user or not user.is_authenticated:
        return Liaison.objects.none()
    return Liaison.objects.active_on(today).filter(user=user, user__is_active=True)


def viewer_for(user, *, today: datetime.date) -> Viewer:
    """Everything needed to decide `user`'s role on any item, in one query."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Viewer(user_id=None)
    if user.is_integration:
        return _integration_viewer(user)
    # Memberships and liaison terms in one round trip: every request asks this.
    memberships = DepartmentMember.objects.filter(user=user, is_active=True, department__is_active=True)
    rows = (
        memberships.order_by()
        .values_list("department_id", "role", Value("member"))
        .union(
            liaison_terms_active(user, today=today).order_by().values_list("agency_id", "role", Value("liaison")),
            all=True,
        )
    )
    coordinator_ids, director_ids, terms = set(), set(), []
    for key, role, kind in rows:
        if kind == "liaison":
            terms.append((key, role))
        else:
            (director_ids if role == DepartmentMember.Role.DIRECTOR else coordinator_ids).add(key)
    return Viewer(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        coordinator_department_ids=frozenset(coordinator_ids),
        director_department_ids=frozenset(director_ids),
        liaison_agency_ids=frozenset(agency_id for agency_id, _role in terms),
        primary_agency_ids=frozenset(agency_id for agency_id, role in terms if role == Liaison.Role.PRIMARY),
    )


def _integration_viewer(user) -> Viewer:
    """A tool's account holds the rights of its department's coordinators or of a liaison of its agency (never a
    primary liaison's), while that department or agency is active; read-only if the account says so."""
    account = (
        IntegrationAccount.objects.filter(user=user)
        .values("department_id", "department__is_active", "agency_id", "agency__is_active", "read_only")
        .first()
    )
    if account is None:
        return Viewer(user_id=user.pk, is_integration=True, read_only=True)
    departments = {account["department_id"]} if account["department__is_active"] else set()
    agencies = {account["agency_id"]} if account["agency__is_active"] else set()
    return Viewer(
        user_id=user.pk,
        coordinator_department_ids=frozenset(departments),
        liaison_agency_ids=frozenset(agencies),
        read_only=account["read_only"],
        is_integration=True,
    )


def endpoint_viewer(endpoint) -> Viewer:
    """A webhook endpoint speaks for its department: it sees what the department's coordinators see, while the
    department is active."""
    department_active = Department.objects.filter(pk=endpoint.department_id, is_active=True).exists()
    departments = frozenset({endpoint.department_id} if department_active else ())
    return Viewer(user_id=endpoint.owner_id, coordinator_department_ids=departments, read_only=True)


def request_viewer(request) -> Viewer:
    """The roles of a request's user, computed once per request (token authentication may have done it already)."""
    viewer = getattr(request, "_tracker_viewer", None)
    if viewer is None:
        user = request.user
        viewer = getattr(user, "tracker_viewer", None) or viewer_for(user, today=japan_today())
        request._tracker_viewer = viewer
    return viewer


def action_items_visible_to(user, *, today: datetime.date, viewer: Viewer | None = None) -> QuerySet[ActionItem]:
    """The items `user` sees on `today` (the rule itself is `access.action_items_visible`)."""
    return action_items_visible(viewer or viewer_for(user, today=today))


def action_item_roles(viewer: Viewer, item: ActionItem) -> frozenset[Role]:
    """The roles `viewer` holds on `item` (uses prefetched concurrences when there are any).

    The agencies on an item have no role on it before its first assignment: a draft is the department's own."""
    return item_roles(
        viewer,
        department_id=item.department_id,
        lead_agency_id=item.lead_agency_id,
        supporting_agency_ids=[c.agency_id for c in item.concurrences.all()] if item.pk else [],
        first_assigned_at=item.first_assigned_at,
    )


def item_roles(
    viewer: Viewer,
    *,
    department_id: int,
    lead_agency_id: int,
    supporting_agency_ids: list[int],
    first_assigned_at: datetime.datetime | None,
) -> frozenset[Role]:
    """`action_item_roles` from an item's values (lists that read rows, not model instances)."""
    roles = roles_for(
        viewer, department_id=department_id, lead_agency_id=lead_agency_id, supporting_agency_ids=supporting_agency_ids
    )
    if first_assigned_at is None:
        roles -= {Role.LEAD_LIAISON, Role.SUPPORTING_LIAISON}
    return roles


def liaisons_for_agency(agency_id: int, *, today: datetime.date) -> QuerySet[Liaison]:
    """The agency's liaisons in office, primary first."""
    return (
        Liaison.objects.active_on(today)
        .filter(agency_id=agency_id, user__is_active=True)
        .select_related("user", "agency")
        .order_by("-role", "start_date")  # "primary" sorts after "alternate"
    )


def department_coordinators(department_id: int) -> QuerySet:
    """The people who coordinate for a department now (active accounts with an active coordinator membership)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__department_id=department_id,
            memberships__department__is_active=True,
            memberships__role=DepartmentMember.Role.COORDINATOR,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("username")
    )


@functools.lru_cache(maxsize=1024)
def visible_item_ids_sql(viewer: Viewer) -> tuple[str, tuple]:
    """The SQL, with its parameters, of the ids of the items `viewer` sees (one column, "id"), compiled once per viewer
    and process: the item list reads with each row which of the items it links to are among them
    (`api.listing.LinksSeen`). The rule is `access.action_items_visible`, which depends on the viewer alone."""
    return action_items_visible(viewer).order_by().values("id").query.sql_with_params()


def item_ids_seen(viewer: Viewer, ids: set[int]) -> set[int]:
    """Which of the items `ids` (linked from those being shown) `viewer` sees: one query, none for no ids. (The list
    asks it inside its page's query: `visible_item_ids_sql`.)"""
    if not ids:
        return set()
    return set(action_items_visible(viewer).filter(pk__in=ids).order_by().values_list("pk", flat=True))


def action_items_with_details(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """`items` with everything their API representation shows, in a fixed number of queries whatever their count
    (which of the items they link to the reader sees is asked by the serializer, in one query, and only when they link
    to any: building that question into this read cost more than asking it)."""
    concurrences = Concurrence.objects.select_related("agency", "responded_by").order_by("agency__code")
    # The serializer shows a dependency's id alone.
    dependencies = ActionItem.objects.only("id").order_by()
    return items.select_related("department", "lead_agency", "coordinator").prefetch_related(
        Prefetch("concurrences", queryset=concurrences), Prefetch("dependencies", queryset=dependencies)
    )


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
