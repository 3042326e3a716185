"""Helpers every service uses: roles, attributed saves, row locks, and the rule check."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _

from coordination import workflow
from coordination.calendar import get_calendar, japan_today
from coordination.models import (
    ActionItem,
)
from coordination.search import search_document
from coordination.selectors import action_item_roles, viewer_for
from coordination.validation import sane_date
from coordination.workflow import Role, Viewer

# What `search_document` reads of an item itself (the rest is its progress updates and attachments, whose services
# refresh it): a save that changes none of these leaves the search columns as they are.
ITEM_SEARCH_FIELDS = frozenset({"title", "title_ja", "external_id", "description"})


def _viewer(actor, *, now: datetime.datetime, viewer: Viewer | None = None) -> Viewer:
    """The actor's roles: `viewer` when the caller has them already (the request's), else read now."""
    if viewer is None:
        return viewer_for(actor, today=japan_today(now))
    if viewer.user_id is None or viewer.user_id != getattr(actor, "pk", None):
        raise ValueError("The viewer passed to a service must be the acting user's own.")
    return viewer


def _roles(actor, item: ActionItem, *, now: datetime.datetime, viewer: Viewer | None = None) -> frozenset[Role]:
    return action_item_roles(_viewer(actor, now=now, viewer=viewer), item)


def _write_transaction(*, locked: bool):
    """A service's transaction. Its own (a savepoint inside a caller's transaction), unless the caller locked the
    item in the transaction the service runs in (`locked=True`) and lets any refusal end that transaction: then the
    caller's, with no savepoint, as a failure rolls back the caller's transaction whole."""
    if locked and not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError("locked=True: lock the item in the transaction the service runs in.")
    return transaction.atomic(savepoint=not locked)


def _save(
    instance, *, actor, reason: str = "", update_fields: Iterable[str] | None = None, search: bool = True
) -> None:
    """Save with the history row attributed to `actor` and carrying `reason`, after checking what people typed
    into the fields being written (lengths, control characters, date ranges: `coordination.validation`). An item's
    search columns are rewritten unless `search` is False (none of `ITEM_SEARCH_FIELDS` changed)."""
    _check_typed_fields(instance, update_fields)
    if isinstance(instance, ActionItem) and search:
        instance.search_title, instance.search_text = search_document(instance)
        if update_fields is not None:
            update_fields = {*update_fields, "search_title", "search_text"}
    instance._history_user = actor
    instance._change_reason = reason or None
    if update_fields is not None:
        update_fields = {*update_fields, "updated_at"} if hasattr(instance, "updated_at") else set(update_fields)
    instance.save(update_fields=update_fields)


def _check_typed_fields(instance, update_fields: Iterable[str] | None) -> None:
    """The field validators of the text and date fields being written; relations are the services' own checks."""
    written = set(update_fields) if update_fields is not None else None
    skip = [
        field.name
        for field in instance._meta.concrete_fields
        if field.is_relation
        or not isinstance(field, (models.CharField, models.TextField, models.DateField))
        or isinstance(field, models.DateTimeField)
        or (written is not None and field.name not in written)
    ]
    instance.clean_fields(exclude=skip)


def _lock(item: ActionItem, *, locked: bool = False) -> ActionItem:
    """The item locked and read again; `item` itself when the caller has locked it and read it under the lock."""
    return item if locked else ActionItem.objects.select_for_update().get(pk=item.pk)


def _touch(item: ActionItem, now: datetime.datetime) -> None:
    """Mark the item changed (for incremental sync) when something it shows changed, without a history row."""
    ActionItem.objects.filter(pk=item.pk).update(updated_at=now)


def _refresh_search(item: ActionItem) -> None:
    """Rewrite the item's search columns after something it holds changed (an attachment), without a history row."""
    search_title, search_text = search_document(item)
    ActionItem.objects.filter(pk=item.pk).update(search_title=search_title, search_text=search_text)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _business_due_date(day: datetime.date | None, *, field: str = "due_date") -> datetime.date | None:
    """Due dates fall on business days: a date on a closed day moves to the next business day. A date outside the
    range people may give (`validation.sane_date`) is refused as an error on `field`."""
    if not day:
        return None
    try:
        sane_date(day)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return get_calendar().next_business_day(day)


def _lock_with_roles(
    actor,
    item: ActionItem,
    *,
    now: datetime.datetime,
    reopening: bool = False,
    viewer: Viewer | None = None,
    locked: bool = False,
) -> tuple[ActionItem, frozenset[Role]]:
    """Lock the item and return it with the actor's roles on it; anyone who cannot see it is refused, and an
    archived item takes nothing but being reopened. (`viewer`, `locked`: see `_viewer` and `_lock`.)"""
    item = _lock(item, locked=locked)
    roles = _roles(actor, item, now=now, viewer=viewer)
    _require(workflow.can_view(roles), _("You cannot change this item."))
    if not reopening:
        _refuse_archived(item, now=now)
    return item, roles


def _refuse_archived(item: ActionItem, *, now: datetime.datetime) -> None:
    if item.is_archived_on(japan_today(now)):
        raise PermissionDenied(
            _("This item is in the archive (finished more than %(days)d days ago): a coordinator reopens it first.")
            % {"days": settings.ARCHIVE_AFTER_DAYS}
        )
