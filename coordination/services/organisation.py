"""Liaison terms, meetings and initiatives."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Liaison
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Department,
    Initiative,
    Meeting,
)
from coordination.selectors import viewer_for

from .common import _require, _save

# --- Liaison terms --------------------------------------------------------------------------------------------------


@transaction.atomic
def liaison_end_term(
    *, actor, liaison: Liaison, end_date: datetime.date | None = None, now: datetime.datetime | None = None
) -> Liaison:
    """End a liaison's term (today by default: access stops at once); their open items go back to the agency."""
    now = now or timezone.now()
    _require(
        viewer_for(actor, today=japan_today(now)).is_coordinating,
        _("Only coordinators and directors end liaison terms."),
    )
    liaison = Liaison.objects.select_for_update().get(pk=liaison.pk)
    end_date = end_date or japan_today(now)
    if end_date < liaison.start_date:
        raise ValidationError({"end_date": [_("The term cannot end before it started.")]})
    liaison.end_date = end_date
    _save(liaison, actor=actor, reason=_("Term ended"))
    if end_date <= japan_today(now):
        for item in ActionItem.objects.select_for_update().filter(
            assigned_liaison=liaison, status__in=ActionItem.OPEN_STATUSES
        ):
            item.assigned_liaison = None
            _save(item, actor=actor, reason=_("Assigned liaison's term ended"), update_fields=["assigned_liaison"])
    return liaison


# --- Meetings and initiatives ---------------------------------------------------------------------------------------

MEETING_FIELDS = frozenset({"title", "held_on", "agencies", "notes"})
INITIATIVE_FIELDS = frozenset({"code", "title_en", "title_ja", "description", "is_active"})


def _require_coordinating(actor, department: Department, *, now: datetime.datetime) -> None:
    viewer = viewer_for(actor, today=japan_today(now))
    allowed = viewer.is_superuser or department.pk in (
        viewer.coordinator_department_ids | viewer.director_department_ids
    )
    _require(allowed, _("Only the department's coordinators and director manage its meetings and initiatives."))


def _apply_fields(instance, changes: dict, allowed: frozenset[str]) -> set[str]:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    changed = set()
    for name, value in changes.items():
        if name == "agencies":
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.add(name)
    return changed


@transaction.atomic
def meeting_create(*, actor, department: Department, now: datetime.datetime | None = None, **fields) -> Meeting:
    """Record an interagency meeting of `department` (its coordinators and director only)."""
    now = now or timezone.now()
    _require_coordinating(actor, department, now=now)
    agencies = list(fields.get("agencies", ()))
    meeting = Meeting(department=department)
    _apply_fields(meeting, fields, MEETING_FIELDS)
    meeting.title = (meeting.title or "").strip()
    meeting.full_clean(exclude=["department"])
    _save(meeting, actor=actor, reason=_("Created"))
    meeting.agencies.set(agencies)
    return meeting


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, changes: dict, now: datetime.datetime | None = None) -> Meeting:
    """Change a meeting's title, date, participating agencies or notes."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_coordinating(actor, meeting.department, now=now)
    changed = _apply_fields(meeting, changes, MEETING_FIELDS)
    meeting.full_clean(exclude=["department"])
    if changed:
        _save(meeting, actor=actor, reason=_("Edited: %(fields)s") % {"fields": ", ".join(sorted(changed))})
    if "agencies" in changes:
        meeting.agencies.set(list(changes["agencies"]))
    return meeting


@transaction.atomic
def initiative_create(*, actor, department: Department, now: datetime.datetime | None = None, **fields) -> Initiative:
    """Add a line of effort to `department` (its coordinators and director only)."""
    now = now or timezone.now()
    _require_coordinating(actor, department, now=now)
    initiative = Initiative(department=department)
    _apply_fields(initiative, fields, INITIATIVE_FIELDS)
    initiative.full_clean(exclude=["department"])
    _save(initiative, actor=actor, reason=_("Created"))
    return initiative


@transaction.atomic
def initiative_update(
    *, actor, initiative: Initiative, changes: dict, now: datetime.datetime | None = None
) -> Initiative:
    """Change an initiative's code, titles, description, or deactivate it (initiatives are never deleted)."""
    now = now or timezone.now()
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    _require_coordinating(actor, initiative.department, now=now)
    changed = _apply_fields(initiative, changes, INITIATIVE_FIELDS)
    initiative.full_clean(exclude=["department"])
    if changed:
        _save(initiative, actor=actor, reason=_("Edited: %(fields)s") % {"fields": ", ".join(sorted(changed))})
    return initiative
