"""Who may see and who may change what: for every model a person can reach, one rule holding both, side by side.

The admin (`coordination.admin.base.RestrictedAdmin`), the API (`coordination.api.permissions`) and delivery
(reminders, notices and webhooks check again at send time) all ask here through `restrict`, `may_add` and
`may_change`; none of them re-derives a rule. A rule reads only the `Viewer` (built once per request by
`selectors.viewer_for`, which already applied the day), never the clock.

The policy in words is `ACCESS.md`; where it is silent, the choice is written beside the rule:
- "Coordinators" in a change column include the department's director: the director leads its coordinators.
- Someone signed in with no current role (an ended liaison term, a staff flag and nothing else) sees nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from axes.models import AccessAttempt
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.lookups import IsNull

from agencies.models import Agency, Liaison, OrgUnit
from audit.models import AuditCheck
from coordination.models import (
    ActionItem,
    Attachment,
    ClosureDay,
    Concurrence,
    Department,
    DepartmentMember,
    ExtensionRequest,
    Heartbeat,
    ImportBatch,
    Initiative,
    IntegrationAccount,
    ItemVisit,
    Meeting,
    ProgressUpdate,
    Reminder,
    ReminderPolicy,
    SavedView,
    WebhookDelivery,
    WebhookEndpoint,
)
from coordination.workflow import Viewer
from users.models import ApiToken, SecurityEvent, User


class Rule:
    """Who sees rows of one model, who adds them, and who changes one of them (never deletes: see STYLE.md)."""

    model: type[Model]

    def visible(self, viewer: Viewer) -> QuerySet:
        return self.model.objects.none()

    def listed(self, viewer: Viewer) -> bool:
        """Whether the model is offered to `viewer` at all (a menu entry), decided without the database."""
        return viewer.has_any_role

    def may_add(self, viewer: Viewer) -> bool:
        return False

    def may_change(self, viewer: Viewer, obj=None) -> bool:
        """Whether `viewer` may change `obj` (one they see); with no object, whether they may change any."""
        return False


RULES: dict[type[Model], Rule] = {}


def rule_for(model: type[Model]) -> Rule:
    try:
        return RULES[model._meta.concrete_model]
    except KeyError:
        raise LookupError(f"No access rule for {model.__name__}: add one to coordination/access.py.") from None


def _register(model: type[Model]) -> Callable[[type[Rule]], type[Rule]]:
    def register(cls: type[Rule]) -> type[Rule]:
        instance = cls()
        instance.model = model
        RULES[model] = instance
        return cls

    return register


def restrict(model: type[Model], viewer: Viewer) -> QuerySet:
    """The rows of `model` that `viewer` may see."""
    if viewer.user_id is None:
        return model._default_manager.none()
    return rule_for(model).visible(viewer)


def listed(model: type[Model], viewer: Viewer) -> bool:
    return viewer.user_id is not None and rule_for(model).listed(viewer)


def may_view(viewer: Viewer, obj) -> bool:
    return obj is not None and obj.pk is not None and restrict(type(obj), viewer).filter(pk=obj.pk).exists()


def may_add(model: type[Model], viewer: Viewer) -> bool:
    return viewer.user_id is not None and not viewer.read_only and rule_for(model).may_add(viewer)


def may_change(viewer: Viewer, obj_or_model) -> bool:
    """Whether `viewer` may change this object (or, given a model, any object of it)."""
    if viewer.user_id is None or viewer.read_only:
        return False
    if isinstance(obj_or_model, type):
        return rule_for(obj_or_model).may_change(viewer, None)
    return rule_for(type(obj_or_model)).may_change(viewer, obj_or_model)


def _departments(viewer: Viewer) -> frozenset[int]:
    return viewer.coordinator_department_ids | viewer.director_department_ids


# --- Action items and what is recorded on them ------------------------------------------------------------------


def action_items_visible(viewer: Viewer) -> QuerySet[ActionItem]:
    """The single definition of which items a person sees.

    Superusers see everything; coordinators and directors their departments' items; a liaison in office the items
    of any department where their agency leads or supports, from the item's first assignment on (a draft never
    assigned is the department's own working copy). Anyone else sees nothing.
    """
    items = ActionItem.objects.all()
    if viewer.is_superuser:
        return items
    condition = Q(pk__in=[])
    if _departments(viewer):
        condition |= Q(department_id__in=_departments(viewer))
    if viewer.liaison_agency_ids:
        # "Does one of the viewer's agencies support it" as a scalar subquery, not EXISTS: beside the OR, PostgreSQL
        # answers an EXISTS by hashing every concurrence of the agencies (tens of thousands, growing with the years)
        # on every request, while a scalar subquery is probed through the item's own concurrences, row by row, so a
        # page of 50 costs the same whatever the agency's count.
        supporting = (
            Concurrence.objects.filter(action_item=OuterRef("pk"), agency_id__in=viewer.liaison_agency_ids)
            .order_by()
            .values(one=Value(1))[:1]
        )
        condition |= Q(first_assigned_at__isnull=False) & (
            Q(lead_agency_id__in=viewer.liaison_agency_ids) | Q(IsNull(Subquery(supporting), False))
        )
    return items.filter(condition)


@_register(ActionItem)
class ActionItemRule(Rule):
    """Fields and transitions are the workflow's: a person with a role on a visible item may try to change it."""

    def visible(self, viewer):
        return action_items_visible(viewer)

    def may_add(self, viewer):
        return viewer.is_coordinating

    def may_change(self, viewer, obj=None):
        return viewer.has_any_role


class _RecordedOnItemRule(Rule):
    """Concurrences, updates, extension requests, attachments: whoever sees the item; written by the workflow."""

    def visible(self, viewer):
        return self.model.objects.filter(action_item__in=action_items_visible(viewer).values("pk"))


for _model in (Concurrence, ProgressUpdate, ExtensionRequest, Attachment):
    _register(_model)(type(f"{_model.__name__}Rule", (_RecordedOnItemRule,), {}))


# --- Organisation and reference data ----------------------------------------------------------------------------


@_register(Agency)
class AgencyRule(Rule):
    """Names for everyone with a role; changed by the system's administrators."""

    def visible(self, viewer):
        return Agency.objects.all() if viewer.has_any_role else Agency.objects.none()

    def may_add(self, viewer):
        return viewer.is_superuser

    def may_change(self, viewer, obj=None):
        return viewer.is_superuser


@_register(OrgUnit)
class OrgUnitRule(Rule):
    """Names for everyone with a role; a ministry's primary liaison keeps its own unit tree."""

    def visible(self, viewer):
        return OrgUnit.objects.all() if viewer.has_any_role else OrgUnit.objects.none()

    def may_add(self, viewer):
        return viewer.is_superuser or bool(viewer.primary_agency_ids)

    def may_change(self, viewer, obj=None):
        if viewer.is_superuser:
            return True
        if obj is None:
            return bool(viewer.primary_agency_ids)
        return obj.agency_id in viewer.primary_agency_ids


@_register(Liaison)
class LiaisonRule(Rule):
    """Coordinators see every term (they must know whom to task); a liaison their own agencies'. Superusers appoint
    and end any term, a primary liaison the alternates of their agency; coordinators never (a ministry names its
    liaisons, and one ministry's liaisons serve every department). Nobody appoints or ends their own term."""

    def visible(self, viewer):
        if viewer.is_coordinating:
            return Liaison.objects.all()
        return Liaison.objects.filter(agency_id__in=viewer.liaison_agency_ids)

    def may_add(self, viewer):
        return viewer.is_superuser or bool(viewer.primary_agency_ids)

    def may_change(self, viewer, obj=None):
        if obj is None:
            return self.may_add(viewer)
        if obj.user_id == viewer.user_id and not viewer.is_superuser:
            return False
        if viewer.is_superuser:
            return True
        return obj.agency_id in viewer.primary_agency_ids and obj.role == Liaison.Role.ALTERNATE


@_register(Department)
class DepartmentRule(Rule):
    """A department's members see it; liaisons see the names of departments whose items they see."""

    def visible(self, viewer):
        if viewer.is_superuser:
            return Department.objects.all()
        condition = Q(pk__in=_departments(viewer))
        if viewer.liaison_agency_ids:
            condition |= Q(pk__in=action_items_visible(viewer).values("department_id"))
        return Department.objects.filter(condition)

    def may_add(self, viewer):
        return viewer.is_superuser

    def may_change(self, viewer, obj=None):
        return viewer.is_superuser


@_register(DepartmentMember)
class DepartmentMemberRule(Rule):
    """Who coordinates a department is for its members to know and for the system's administrators to decide."""

    def listed(self, viewer):
        return viewer.is_coordinating

    def visible(self, viewer):
        if viewer.is_superuser:
            return DepartmentMember.objects.all()
        return DepartmentMember.objects.filter(department_id__in=_departments(viewer))

    def may_add(self, viewer):
        return viewer.is_superuser

    def may_change(self, viewer, obj=None):
        return viewer.is_superuser


class _DepartmentOwnedRule(Rule):
    """Rows that belong to one department: its coordinators and director see and change them."""

    def listed(self, viewer):
        return viewer.is_coordinating

    def visible(self, viewer):
        if viewer.is_superuser:
            return self.model.objects.all()
        return self.model.objects.filter(department_id__in=_departments(viewer))

    def may_add(self, viewer):
        return viewer.is_superuser or bool(_departments(viewer))

    def may_change(self, viewer, obj=None):
        if viewer.is_superuser:
            return True
        if obj is None:
            return bool(_departments(viewer))
        return obj.department_id in _departments(viewer)


@_register(Meeting)
class MeetingRule(_DepartmentOwnedRule):
    """A department's members see its meetings; a liaison the meetings their agency took part in."""

    def listed(self, viewer):
        return viewer.has_any_role

    def visible(self, viewer):
        if viewer.is_superuser:
            return Meeting.objects.all()
        took_part = Meeting.agencies.through.objects.filter(agency_id__in=viewer.liaison_agency_ids)
        return Meeting.objects.filter(
            Q(department_id__in=_departments(viewer)) | Q(pk__in=took_part.values("meeting_id"))
        )


@_register(Initiative)
class InitiativeRule(_DepartmentOwnedRule):
    """A department's members see its initiatives; a liaison the initiatives their visible items belong to."""

    def listed(self, viewer):
        return viewer.has_any_role

    def visible(self, viewer):
        if viewer.is_superuser:
            return Initiative.objects.all()
        condition = Q(department_id__in=_departments(viewer))
        if viewer.liaison_agency_ids:
            condition |= Q(pk__in=action_items_visible(viewer).values("initiative_id"))
        return Initiative.objects.filter(condition)


@_register(ClosureDay)
class ClosureDayRule(Rule):
    """Government-wide: everyone with a role sees them; any department's coordinators add and change them."""

    def visible(self, viewer):
        return ClosureDay.objects.all() if viewer.has_any_role else ClosureDay.objects.none()

    def may_add(self, viewer):
        return viewer.is_coordinating

    def may_change(self, viewer, obj=None):
        return viewer.is_coordinating


@_register(Heartbeat)
class HeartbeatRule(Rule):
    """Whether the background processes run: for the departments' staff and the administrators."""

    def listed(self, viewer):
        return viewer.is_coordinating

    def visible(self, viewer):
        return Heartbeat.objects.all() if viewer.is_coordinating else Heartbeat.objects.none()


# --- Settings and integrations ----------------------------------------------------------------------------------


@_register(ReminderPolicy)
class ReminderPolicyRule(_DepartmentOwnedRule):
    pass


@_register(WebhookEndpoint)
class WebhookEndpointRule(_DepartmentOwnedRule):
    pass


@_register(WebhookDelivery)
class WebhookDeliveryRule(Rule):
    """The log of a department's endpoints: for those who see the endpoints; the system writes it."""

    def listed(self, viewer):
        return viewer.is_coordinating

    def visible(self, viewer):
        if viewer.is_superuser:
            return WebhookDelivery.objects.all()
        return WebhookDelivery.objects.filter(endpoint__department_id__in=_departments(viewer))


@_register(Reminder)
class ReminderRule(Rule):
    """The ledger: a department's coordinators and director see its items' rows; anyone the rows addressed to
    them, while they still see the item. The system writes it."""

    def visible(self, viewer):
        if viewer.is_superuser:
            return Reminder.objects.all()
        own = Q(recipient_id=viewer.user_id, action_item__in=action_items_visible(viewer).values("pk"))
        return Reminder.objects.filter(Q(action_item__department_id__in=_departments(viewer)) | own)


# --- Accounts ---------------------------------------------------------------------------------------------------


@_register(User)
class UserRule(Rule):
    """Oneself; a department's coordinators and director also see its members and the liaisons in office (whom
    they task). Only the system's administrators create accounts or change someone else's."""

    def visible(self, viewer):
        if viewer.is_superuser:
            return User.objects.all()
        condition = Q(pk=viewer.user_id) | Q(pk__in=integration_accounts_managed(viewer).values("user_id"))
        if _departments(viewer):
            members = DepartmentMember.objects.filter(department_id__in=_departments(viewer), is_active=True)
            condition |= Q(pk__in=members.values("user_id")) | Q(
                pk__in=Liaison.objects.filter(end_date__isnull=True).values("user_id")
            )
        return User.objects.filter(condition)

    def may_add(self, viewer):
        return viewer.is_superuser

    def may_change(self, viewer, obj=None):
        if viewer.is_superuser:
            return True
        return obj is None or obj.pk == viewer.user_id


def integration_accounts_managed(viewer: Viewer) -> QuerySet[IntegrationAccount]:
    """The tools' accounts `viewer` manages: a department's coordinators and director those of their department, a
    primary liaison those of their agency, a superuser all. A tool's account manages none, itself included."""
    if viewer.user_id is None or viewer.is_integration:
        return IntegrationAccount.objects.none()
    if viewer.is_superuser:
        return IntegrationAccount.objects.all()
    return IntegrationAccount.objects.filter(
        Q(department_id__in=_departments(viewer)) | Q(agency_id__in=viewer.primary_agency_ids)
    )


@_register(IntegrationAccount)
class IntegrationAccountRule(Rule):
    """Seen and changed by the people who manage them (`integration_accounts_managed`)."""

    def listed(self, viewer):
        return not viewer.is_integration and (viewer.is_coordinating or bool(viewer.primary_agency_ids))

    def visible(self, viewer):
        return integration_accounts_managed(viewer)

    def may_add(self, viewer):
        return self.listed(viewer)

    def may_change(self, viewer, obj=None):
        if obj is None:
            return self.listed(viewer)
        return integration_accounts_managed(viewer).filter(pk=obj.pk).exists()


def integration_owners(viewer: Viewer) -> tuple[frozenset[int], frozenset[int]]:
    """The departments and agencies `viewer` may create tools' accounts for (all active ones for a superuser)."""
    if viewer.user_id is None or viewer.is_integration:
        return frozenset(), frozenset()
    if viewer.is_superuser:
        return (
            frozenset(Department.objects.filter(is_active=True).values_list("pk", flat=True)),
            frozenset(Agency.objects.filter(is_active=True).values_list("pk", flat=True)),
        )
    return _departments(viewer), viewer.primary_agency_ids


@_register(ApiToken)
class ApiTokenRule(Rule):
    """One's own tokens and those of the tools' accounts one manages (a token acts as its owner, never as someone
    else); superusers see all. Issued and revoked, never edited; a tool's account issues none, even for itself."""

    def visible(self, viewer):
        if viewer.is_superuser:
            return ApiToken.objects.all()
        managed = integration_accounts_managed(viewer).values("user_id")
        return ApiToken.objects.filter(Q(user_id=viewer.user_id) | Q(user_id__in=managed))

    def may_add(self, viewer):
        return viewer.has_any_role and not viewer.is_integration

    def may_change(self, viewer, obj=None):
        return False


def tokens_issuable_for(viewer: Viewer) -> QuerySet[User]:
    """Whose tokens `viewer` may issue and revoke: their own and those of the tools' accounts they manage; a
    superuser anyone's; a tool's account nobody's."""
    if viewer.user_id is None or viewer.is_integration:
        return User.objects.none()
    if viewer.is_superuser:
        return User.objects.filter(is_active=True)
    managed = integration_accounts_managed(viewer).values("user_id")
    return User.objects.filter(Q(pk=viewer.user_id) | Q(pk__in=managed), is_active=True)


def may_manage_tokens_of(viewer: Viewer, user: User) -> bool:
    return tokens_issuable_for(viewer).filter(pk=user.pk).exists()


@_register(SavedView)
class SavedViewRule(Rule):
    """One's own saved list views and those shared with a department one is a member of; only the owner changes or
    removes a view, and anyone with a role saves their own. (ACCESS.md is silent: a view is a preference.)"""

    def visible(self, viewer):
        if viewer.is_integration:
            return SavedView.objects.none()
        return SavedView.objects.filter(Q(owner_id=viewer.user_id) | Q(shared_with_id__in=_departments(viewer)))

    def listed(self, viewer):
        return False  # managed on the item list, not a page of its own

    def may_add(self, viewer):
        return viewer.has_any_role and not viewer.is_integration

    def may_change(self, viewer, obj=None):
        return obj is None or obj.owner_id == viewer.user_id


@_register(ItemVisit)
class ItemVisitRule(Rule):
    """When one last opened each item: one's own, for items one still sees."""

    def visible(self, viewer):
        return ItemVisit.objects.filter(
            user_id=viewer.user_id, action_item__in=action_items_visible(viewer).values("pk")
        )

    def listed(self, viewer):
        return False


@_register(ImportBatch)
class ImportBatchRule(Rule):
    """An uploaded spreadsheet: its uploader's (superusers see all); imported by the department's coordinators
    (each row's service decides what they may create or change)."""

    def visible(self, viewer):
        if viewer.is_superuser:
            return ImportBatch.objects.all()
        return ImportBatch.objects.filter(uploaded_by_id=viewer.user_id)

    def listed(self, viewer):
        return False

    def may_add(self, viewer):
        return viewer.is_coordinating


@_register(SecurityEvent)
class SecurityEventRule(Rule):
    """The security log, written by the system and changed by nobody. A department's coordinators and director see
    the events about its people (its members, past ones included, and its tools' accounts, whether the event is about
    them or done by them) and about its items (exports and imports of them); superusers see all. Liaisons serve every
    department: their sign-ins are the superusers' to watch, their exports of a department's items that
    department's."""

    def listed(self, viewer):
        return not viewer.is_integration and (viewer.is_superuser or bool(_departments(viewer)))

    def visible(self, viewer):
        if viewer.is_integration:
            return SecurityEvent.objects.none()
        if viewer.is_superuser:
            return SecurityEvent.objects.all()
        departments = _departments(viewer)
        if not departments:
            return SecurityEvent.objects.none()
        people = DepartmentMember.objects.filter(department_id__in=departments).values("user_id")
        tools = IntegrationAccount.objects.filter(department_id__in=departments).values("user_id")
        about_items = SecurityEvent.departments.through.objects.filter(department_id__in=departments)
        return SecurityEvent.objects.filter(
            Q(user_id__in=people)
            | Q(user_id__in=tools)
            | Q(actor_id__in=people)
            | Q(pk__in=about_items.values("securityevent_id"))
        )


@_register(AccessAttempt)
class LockoutRule(Rule):
    """Failed sign-ins counting towards a lockout: the system's administrators see them and lift lockouts (an
    action, `users.lockout.lockout_lift`, which asks the same question); nobody edits them."""

    def listed(self, viewer):
        return viewer.is_superuser

    def visible(self, viewer):
        return AccessAttempt.objects.all() if viewer.is_superuser else AccessAttempt.objects.none()


@_register(AuditCheck)
class AuditCheckRule(Rule):
    """The outcomes of the record's integrity checks: the system's administrators see them (a break concerning a
    department also reaches its coordinators by email, with that department's part only); nobody changes them."""

    def listed(self, viewer):
        return viewer.is_superuser

    def visible(self, viewer):
        return AuditCheck.objects.all() if viewer.is_superuser else AuditCheck.objects.none()


# --- What leaves the system -----------------------------------------------------------------------------------------

# A restricted item's fields that may go out in an email, a webhook or an exported file: enough to find it in the
# tracker, where whoever may see the rest sees it.
RESTRICTED_FIELDS_OUTSIDE = frozenset({"id", "title", "title_ja", "due_date", "url"})


def goes_outside(item: ActionItem, field: str) -> bool:
    """Whether `field` of `item` may leave the system (ACCESS.md: the restricted-marking rule): every field of an
    open or internal item; of a restricted item only its id, titles, due date and links."""
    return item.marking != ActionItem.Marking.RESTRICTED or field in RESTRICTED_FIELDS_OUTSIDE
