"""The console's own writes: marking an item seen, and saving list views."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.access import may_change, may_view
from coordination.calendar import japan_today
from coordination.models import ActionItem, Department, ItemVisit, SavedView
from coordination.selectors import viewer_for

from .common import _require


def item_visit_record(*, user, item: ActionItem, now: datetime.datetime | None = None) -> None:
    """Remember that `user` has seen `item` as it is now (what changes after this is marked new to them)."""
    ItemVisit.objects.update_or_create(user=user, action_item=item, defaults={"seen_at": now or timezone.now()})


@transaction.atomic
def saved_view_save(
    *, actor, name: str, query: str, shared_with: Department | None = None, now: datetime.datetime | None = None
) -> SavedView:
    """Save the list's current filters under `name` (replacing the actor's view of that name), personal or shared
    with a department the actor is a member of."""
    viewer = viewer_for(actor, today=japan_today(now))
    if shared_with is not None:
        departments = viewer.coordinator_department_ids | viewer.director_department_ids
        _require(
            viewer.is_superuser or shared_with.pk in departments,
            _("A view is shared only with a department you are a member of."),
        )
    view = SavedView.objects.filter(owner=actor, name=(name or "").strip()).first() or SavedView(owner=actor)
    view.name, view.query, view.shared_with = (name or "").strip(), (query or "").lstrip("?"), shared_with
    view.full_clean(exclude=["owner", "shared_with"])
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as error:  # the same name saved twice at once
        raise ValidationError({"name": [_("You already have a view of this name.")]}) from error
    return view


@transaction.atomic
def saved_view_remove(*, actor, view: SavedView, now: datetime.datetime | None = None) -> None:
    """Remove a saved view; only its owner may (it is a preference, not a record)."""
    viewer = viewer_for(actor, today=japan_today(now))
    _require(may_view(viewer, view) and may_change(viewer, view), _("Only the owner removes a saved view."))
    view.delete()
