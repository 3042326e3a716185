"""Liaison terms, meetings and initiatives."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Liaison, OrgUnit
from coordination.access import integration_owners, may_add, may_change
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Department,
    DepartmentMember,
    Initiative,
    IntegrationAccount,
    Meeting,
)
from coordination.selectors import viewer_for
from coordination.validation import single_line
from users.models import User

from .common import _require, _save

# --- Liaison terms --------------------------------------------------------------------------------------------------


def _require_term_manager(actor, liaison: Liaison, *, now: datetime.datetime) -> None:
    viewer = viewer_for(actor, today=japan_today(now))
    if liaison.user_id == getattr(actor, "pk", None) and not viewer.is_superuser:
        raise PermissionDenied(_("Nobody appoints or ends their own liaison term."))
    _require(
        may_change(viewer, liaison),
        _(
            "Liaison terms are managed by the system's administrators, and a ministry's alternates by its "
            "primary liaison."
        ),
    )


@transaction.atomic
def liaison_appoint(
    *,
    actor,
    user,
    agency: Agency,
    role: str = Liaison.Role.ALTERNATE,
    org_unit: OrgUnit | None = None,
    start_date: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Liaison:
    """Appoint `user` as a liaison of `agency` from `start_date` (today by default).

    Superusers appoint anyone; an agency's primary liaison appoints its alternates. Nobody appoints themselves, and
    a department's coordinator or director cannot also be a liaison (a ministry's people are not the department's).
    """
    now = now or timezone.now()
    today = japan_today(now)
    term = Liaison(user=user, agency=agency, role=role, org_unit=org_unit, start_date=start_date or today)
    _require_term_manager(actor, term, now=now)
    errors: dict[str, list[str]] = {}
    if role not in Liaison.Role.values:
        errors["role"] = [_("Choose primary or alternate.")]
    if not user.is_active:
        errors["user"] = [_("This user is inactive.")]
    elif user.is_superuser:
        errors["user"] = [_("A system administrator cannot also be a liaison.")]
    elif user.is_integration:
        errors["user"] = [_("A tool's account cannot hold a liaison term; create it for the agency instead.")]
    elif DepartmentMember.objects.filter(user=user, is_active=True).exists():
        errors["user"] = [_("This person is a coordinator or director of a department, so cannot also be a liaison.")]
    elif Liaison.objects.filter(user=user, agency=agency, end_date__isnull=True).exists():
        errors["user"] = [_("This person already holds an open term for this agency.")]
    if org_unit is not None and org_unit.agency_id != agency.pk:
        errors["org_unit"] = [_("The unit must belong to the liaison's agency.")]
    if not agency.is_active:
        errors["agency"] = [_("The agency is not active.")]
    if errors:
        raise ValidationError(errors)
    _save(term, actor=actor, reason=_("Term started"))
    return term


@transaction.atomic
def liaison_end_term(
    *, actor, liaison: Liaison, end_date: datetime.date | None = None, now: datetime.datetime | None = None
) -> Liaison:
    """End a liaison's term (today by default: access stops at once); their open items go back to the agency."""
    now = now or timezone.now()
    liaison = Liaison.objects.select_for_update().get(pk=liaison.pk)
    _require_term_manager(actor, liaison, now=now)
    end_date = end_date or japan_today(now)
    if end_date < liaison.start_date:
        raise ValidationError({"end_date": [_("The term cannot end before it started.")]})
    if liaison.end_date is not None and liaison.end_date <= japan_today(now):
        raise ValidationError({"end_date": [_("This term has already ended.")]})
    liaison.end_date = end_date
    _save(liaison, actor=actor, reason=_("Term ended"))
    if end_date <= japan_today(now):
        liaison.user.sessions_end(reason="liaison term ended", actor=actor)
        for item in ActionItem.objects.select_for_update().filter(
            assigned_liaison=liaison, status__in=ActionItem.OPEN_STATUSES
        ):
            item.assigned_liaison = None
            _save(item, actor=actor, reason=_("Assigned liaison's term ended"), update_fields=["assigned_liaison"])
    return liaison


# --- Meetings and initiatives ---------------------------------------------------------------------------------------

MEETING_FIELDS = frozenset({"title", "title_ja", "held_on", "agencies", "notes"})
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


# --- Integration accounts -------------------------------------------------------------------------------------------

INTEGRATION_FIELDS = frozenset({"display_name", "description", "read_only", "is_active"})


@transaction.atomic
def integration_account_create(
    *,
    actor,
    username: str,
    display_name: str = "",
    department: Department | None = None,
    agency: Agency | None = None,
    read_only: bool = False,
    description: str = "",
    now: datetime.datetime | None = None,
) -> IntegrationAccount:
    """Create a tool's account for `department` (by its coordinators or director) or for `agency` (by its primary
    liaison); superusers for any. The account has no password and is not staff: it acts by tokens only."""
    now = now or timezone.now()
    viewer = viewer_for(actor, today=japan_today(now))
    _require(
        may_add(IntegrationAccount, viewer),
        _("Tools' accounts are created by a department's coordinators and by a ministry's primary liaison."),
    )
    departments, agencies = integration_owners(viewer)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if (department is None) == (agency is None):
        errors["department"] = [_("Choose either a department or an agency, not both.")]
    elif department is not None and department.pk not in departments:
        errors["department"] = [_("You do not manage this department's tools.")]
    elif agency is not None and agency.pk not in agencies:
        errors["agency"] = [_("Only the agency's primary liaison creates its tools' accounts.")]
    display_name = (display_name or "").strip()
    try:
        single_line(display_name)
    except ValidationError as error:
        errors["display_name"] = error.messages
    user = User(username=username, first_name=display_name[:150], is_integration=True)
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update({("username" if name == "__all__" else name): msgs for name, msgs in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    user.save()
    account = IntegrationAccount(
        user=user,
        department=department,
        agency=agency,
        read_only=bool(read_only),
        description=(description or "").strip(),
        created_by=actor,
    )
    _save(account, actor=actor, reason=_("Created"))
    return account


@transaction.atomic
def integration_account_update(
    *, actor, account: IntegrationAccount, changes: dict, now: datetime.datetime | None = None
) -> IntegrationAccount:
    """Change a tool's account: its name, purpose, read-only flag, or deactivate it (its tokens stop at once)."""
    now = now or timezone.now()
    account = IntegrationAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
    _require(
        may_change(viewer_for(actor, today=japan_today(now)), account),
        _("Only the people who manage this tool's account may change it."),
    )
    unknown = sorted(set(changes) - INTEGRATION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    user, changed = account.user, set()
    if "display_name" in changes:
        try:
            single_line(changes["display_name"] or "")
        except ValidationError as error:
            raise ValidationError({"display_name": error.messages}) from None
    if "display_name" in changes and user.first_name != (changes["display_name"] or "").strip()[:150]:
        user.first_name = (changes["display_name"] or "").strip()[:150]
        changed.add("display_name")
    if "is_active" in changes and user.is_active != bool(changes["is_active"]):
        user.is_active = bool(changes["is_active"])
        changed.add("is_active")
    for name in ("description", "read_only"):
        if name in changes:
            value = (changes[name] or "").strip() if name == "description" else bool(changes[name])
            if getattr(account, name) != value:
                setattr(account, name, value)
                changed.add(name)
    if changed:
        user.save(update_fields=["first_name", "is_active"])
        _save(account, actor=actor, reason=_("Edited: %(fields)s") % {"fields": ", ".join(sorted(changed))})
    return account
