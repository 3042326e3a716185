"""The liaison home: the admin's index for a ministry's liaisons.

Their agency's open items first, in the order they need attention: awaiting acknowledgement, overdue, due soon,
waiting for their concurrence, then the rest. Each row offers its next steps: one click for a step that needs
nothing more (acknowledge, start work, submit, concur), a short form for the others. What changed since the liaison
last opened an item is marked. Closed and cancelled items are one link away, in the item list.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from coordination import services, workflow
from coordination.access import action_items_visible
from coordination.dashboard import CONCURRENCE_OPEN, ItemSets
from coordination.models import ActionItem, Concurrence, ItemVisit
from coordination.selectors import action_item_roles, request_viewer
from coordination.workflow import Viewer

from .display import concurrence_summary, due_text, progress_bar, status_badge
from .filters import item_sets

SECTION_SIZE = 50
ONE_CLICK_TRANSITIONS = ("acknowledge", "start", "submit")  # need no reason: one click from the home
FORM_ACTIONS = {
    "decline": gettext_lazy("Decline…"),
    "block": gettext_lazy("Mark blocked…"),
    "unblock": gettext_lazy("Unblock…"),
    "progress": gettext_lazy("Post an update…"),
    "extension": gettext_lazy("Ask for an extension…"),
    "route": gettext_lazy("Route…"),
    "concurrence": gettext_lazy("Non-concur…"),
    "attach": gettext_lazy("Attach a file…"),
}


def with_visits(items: QuerySet[ActionItem], user) -> QuerySet[ActionItem]:
    """`items` with `seen_at`: when `user` last opened each one (None if never)."""
    visits = ItemVisit.objects.filter(user=user, action_item=OuterRef("pk")).values("seen_at")[:1]
    return items.annotate(seen_at=Subquery(visits))


def novelty(item: ActionItem) -> str:
    """ "new" (never opened), "changed" (changed since last opened) or ""."""
    seen_at = getattr(item, "seen_at", "unknown")
    if seen_at == "unknown":
        return ""
    if seen_at is None:
        return "new"
    return "changed" if item.updated_at > seen_at else ""


def _sections(viewer: Viewer, sets: ItemSets, user) -> list[tuple[str, str, QuerySet]]:
    agencies = viewer.liaison_agency_ids
    items = with_visits(action_items_visible(viewer), user)
    concurrences = Concurrence.objects.select_related("agency").order_by("agency__code")
    items = items.select_related("lead_agency", "department", "assigned_liaison__user").prefetch_related(
        Prefetch("concurrences", queryset=concurrences)
    )
    lead = items.filter(lead_agency_id__in=agencies)
    my_pending = Concurrence.objects.filter(
        action_item=OuterRef("pk"), agency_id__in=agencies, state=Concurrence.State.PENDING
    )
    concurring = items.filter(Q(status__in=CONCURRENCE_OPEN) & Q(Exists(my_pending)))
    acknowledge = sets.unacknowledged()
    overdue = sets.overdue() & ~acknowledge
    soon = sets.due_soon() & ~acknowledge
    shown_before = acknowledge | sets.overdue() | sets.due_soon()
    return [
        ("acknowledge", _("Waiting for your acknowledgement"), lead.filter(acknowledge).order_by("due_date", "pk")),
        ("overdue", _("Overdue"), lead.filter(overdue).order_by("due_date", "pk")),
        ("due_soon", _("Due within five business days"), lead.filter(soon).order_by("due_date", "pk")),
        ("concurrence", _("Waiting for your concurrence"), concurring.order_by("due_date", "pk")),
        (
            "other",
            _("Other open items of your agency"),
            lead.filter(sets.open()).exclude(shown_before).order_by("due_date", "pk"),
        ),
    ]


def _actions(request, viewer: Viewer, item: ActionItem) -> tuple[list, list]:
    """(one-click steps as (name, label, agency id), form steps as (label, url)) for `item`."""
    roles = action_item_roles(viewer, item)
    clicks, forms = [], []
    for transition in workflow.available_transitions(item.status, roles):
        if transition.name in ONE_CLICK_TRANSITIONS:
            clicks.append((transition.name, transition.label, ""))
        elif transition.name in FORM_ACTIONS:
            forms.append((FORM_ACTIONS[transition.name], _act_url(item, transition.name)))
    if workflow.can_post_progress(item.status, roles):
        forms.append((FORM_ACTIONS["progress"], _act_url(item, "progress")))
    if workflow.ROUTING_FIELDS <= workflow.editable_fields(item.status, roles):
        forms.append((FORM_ACTIONS["route"], _act_url(item, "route")))
    if workflow.can_request_extension(item.status, roles):
        forms.append((FORM_ACTIONS["extension"], _act_url(item, "extension")))
    if workflow.can_record_concurrence(item.status, roles):
        for concurrence in item.concurrences.all():
            if concurrence.agency_id in viewer.liaison_agency_ids and concurrence.state == Concurrence.State.PENDING:
                label = _("Concur (%(agency)s)") % {"agency": concurrence.agency.code}
                clicks.append(("concur", label, concurrence.agency_id))
        forms.append((FORM_ACTIONS["concurrence"], _act_url(item, "concurrence")))
    if workflow.can_attach(item.status, roles) and not viewer.read_only:
        forms.append((FORM_ACTIONS["attach"], _act_url(item, "attach")))
    return clicks, forms


def _act_url(item: ActionItem, action: str) -> str:
    return reverse("admin:coordination_actionitem_act", args=[item.pk, action])


def home_view(site, request, extra_context=None):
    viewer = request_viewer(request)
    sets = item_sets(request)
    changelist = reverse("admin:coordination_actionitem_changelist")
    sections = []
    for key, title, rows in _sections(viewer, sets, request.user):
        entries = []
        total = rows.count()
        for item in rows[:SECTION_SIZE] if total else []:
            clicks, forms = _actions(request, viewer, item)
            entries.append(
                {
                    "item": item,
                    "url": reverse("admin:coordination_actionitem_change", args=[item.pk]),
                    "novelty": novelty(item),
                    "status": status_badge(item),
                    "due": due_text(item, today=sets.today, calendar=sets.calendar),
                    "progress": progress_bar(item.percent_complete),
                    "concurrence": concurrence_summary(item.concurrences.all()),
                    "clicks": clicks,
                    "forms": forms,
                }
            )
        sections.append({"key": key, "title": title, "total": total, "entries": entries})
    agencies = Agency.objects.filter(pk__in=viewer.liaison_agency_ids).order_by("code")
    shared = site.each_context(request)
    context = {
        **shared,
        "title": _("My agency's items"),
        "agencies": agencies,
        "sections": sections,
        "act_url": reverse("admin:liaison_act"),
        "app_list": shared["available_apps"],  # each_context built it already
        "links": [
            (_("Assigned to me"), f"{changelist}?assigned_to_me=yes"),
            (_("Waiting on me"), f"{changelist}?awaiting_me=yes"),
            (_("All open items"), changelist),
            (_("Closed and cancelled"), f"{changelist}?state=finished"),
        ],
        **(extra_context or {}),
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/tracker/liaison_home.html", context)


def act_view(site, request):
    """One click from the home: acknowledge, start work, submit, or concur; then back to the home with a message."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    viewer = request_viewer(request)
    try:
        item = action_items_visible(viewer).get(pk=int(request.POST.get("item", "")))
    except (ValueError, ActionItem.DoesNotExist) as error:
        raise Http404(_("No such action item.")) from error
    action = request.POST.get("action", "")
    try:
        if action in ONE_CLICK_TRANSITIONS:
            services.action_item_transition(actor=request.user, item=item, name=action)
            label = workflow.TRANSITIONS[action].label
        elif action == "concur":
            agency = Agency.objects.filter(pk=request.POST.get("agency") or None).first()
            if agency is None:
                raise ValidationError(_("Choose the agency that concurs."))
            services.concurrence_record(actor=request.user, item=item, agency=agency, state=Concurrence.State.CONCUR)
            label = _("Concur")
        else:
            raise Http404(_("No such action."))
    except (ValidationError, PermissionDenied) as error:
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, _("#%(id)s: %(reason)s") % {"id": item.pk, "reason": reason})
    else:
        services.item_visit_record(user=request.user, item=item)
        messages.success(request, _("#%(id)s: %(action)s: done.") % {"id": item.pk, "action": label})
    return HttpResponseRedirect(reverse("admin:index"))
