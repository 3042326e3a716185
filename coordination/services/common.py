"""Helpers every service uses: roles, attributed saves, row locks, and the rule check."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from coordination import workflow
from coordination.calendar import get_calendar, japan_today
from coordination.models import (
    ActionItem,
)
from coordination.selectors import action_item_roles, viewer_for
from coordination.workflow import Role


def _roles(actor, item: ActionItem, *, now: datetime.datetime) -> frozenset[Role]:
    return action_item_roles(viewer_for(actor, today=japan_today(now)), item)


def _save(instance, *, actor, reason: str = "", update_fields: Iterable[str] | None = None) -> None:
    """Save with the history row attributed to `actor` and carrying `reason`."""
    instance._history_user = actor
    instance._change_reason = reason or None
    if update_fields is not None:
        update_fields = {*update_fields, "updated_at"} if hasattr(instance, "updated_at") else set(update_fields)
    instance.save(update_fields=update_fields)


def _lock(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_for_update().get(pk=item.pk)


def _touch(item: ActionItem, now: datetime.datetime) -> None:
    """Mark the item changed (for incremental sync) when something it shows changed, without a history row."""
    ActionItem.objects.filter(pk=item.pk).update(updated_at=now)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _business_due_date(day: datetime.date | None) -> datetime.date | None:
    """Due dates fall on business days: a date on a closed day moves to the next business day."""
    return get_calendar().next_business_day(day) if day else None


def _lock_with_roles(actor, item: ActionItem, *, now: datetime.datetime) -> tuple[ActionItem, frozenset[Role]]:
    """Lock the item and return it with the actor's roles on it; anyone who cannot see it is refused."""
    item = _lock(item)
    roles = _roles(actor, item, now=now)
    _require(workflow.can_view(roles), _("You cannot change this item."))
    return item, roles
