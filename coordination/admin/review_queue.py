"""The review queue: everything waiting on a department's coordinators, each decided on the spot in one short form.

Sections: submissions to close or return, extension requests to approve or deny, non-concurrences to note, items the
lead declined (assign again or cancel), and items still overdue or unacknowledged after an escalation (remind the
lead now, or cancel). Each section shows its first `SECTION_SIZE` entries, oldest first, and links to the full
list. Decisions go through the same services as the item's own action pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination import services
from coordination.access import action_items_visible, restrict
from coordination.dashboard import ItemSets
from coordination.models import ActionItem, Concurrence, ExtensionRequest
from coordination.selectors import request_viewer
from coordination.workflow import Viewer

from .display import concurrence_summary, due_text, progress_bar, status_badge
from .filters import item_sets

SECTION_SIZE = 25  # a sitting's worth of decisions; the section links to the rest


@dataclass(frozen=True)
class Decision:
    name: str
    label: str
    reason: str = ""  # "required", "optional" or "" (no reason field)


@dataclass
class Section:
    key: str
    title: str
    decisions: tuple[Decision, ...]
    list_params: str
    total: int = 0
    entries: list = field(default_factory=list)

    @property
    def has_reason(self) -> bool:
        return any(decision.reason for decision in self.decisions)


SECTIONS = {
    "submission": (
        gettext_lazy("Submissions to close or return"),
        (
            Decision("close", gettext_lazy("Close out"), "optional"),
            Decision("return", gettext_lazy("Return to the lead"), "required"),
        ),
        "status__exact=submitted",
    ),
    "extension": (
        gettext_lazy("Extension requests"),
        (Decision("approve", gettext_lazy("Approve"), "optional"), Decision("deny", gettext_lazy("Deny"), "required")),
        "extension_pending=yes",
    ),
    "nonconcurrence": (
        gettext_lazy("Non-concurrences"),
        (Decision("note", gettext_lazy("Noted")),),
        "non_concurred=yes",
    ),
    "declined": (
        gettext_lazy("Declined by the lead agency"),
        (
            Decision("assign", gettext_lazy("Assign again")),
            Decision("cancel", gettext_lazy("Cancel the item"), "required"),
        ),
        "declined=yes",
    ),
    "escalated": (
        gettext_lazy("Escalated to the coordinators"),
        (
            Decision("remind", gettext_lazy("Remind the lead now")),
            Decision("cancel", gettext_lazy("Cancel the item"), "required"),
        ),
        "escalated=yes",
    ),
}


def _queue_items(viewer: Viewer) -> QuerySet[ActionItem]:
    """The items whose decisions are the viewer's: those of the departments they coordinate or direct."""
    items = action_items_visible(viewer)
    if not viewer.is_superuser:
        items = items.filter(department_id__in=viewer.coordinator_department_ids | viewer.director_department_ids)
    return items


def _section_rows(viewer: Viewer, sets: ItemSets) -> dict[str, QuerySet]:
    items = _queue_items(viewer)
    concurrences = Concurrence.objects.select_related("agency").order_by("agency__code")
    with_details = items.select_related("lead_agency", "department").prefetch_related(
        Prefetch("concurrences", queryset=concurrences)
    )
    return {
        "submission": with_details.filter(status=ActionItem.Status.SUBMITTED).order_by("submitted_at", "pk"),
        "extension": ExtensionRequest.objects.filter(
            state=ExtensionRequest.State.PENDING,
            action_item__in=items.filter(status__in=ActionItem.ACTIVE_STATUSES).values("pk"),
        )
        .select_related("action_item__lead_agency", "requested_by")
        .order_by("created_at", "pk"),
        "nonconcurrence": Concurrence.objects.filter(
            state=Concurrence.State.NON_CONCUR,
            reviewed_at__isnull=True,
            action_item__in=items.filter(sets.open()).values("pk"),
        )
        .select_related("action_item__lead_agency", "agency", "responded_by")
        .order_by("responded_at", "pk"),
        "declined": with_details.filter(sets.declined()).order_by("updated_at", "pk"),
        "escalated": with_details.filter(sets.escalated()).order_by("due_date", "pk"),
    }


def queue_size(viewer: Viewer, *, sets: ItemSets) -> int:
    """How many decisions wait on `viewer` (one count per section)."""
    if not viewer.is_coordinating:
        return 0
    return sum(rows.count() for rows in _section_rows(viewer, sets).values())


def _item_of(key: str, row) -> ActionItem:
    return row.action_item if key in ("extension", "nonconcurrence") else row


def queue_view(site, request, failed: dict | None = None):
    viewer = request_viewer(request)
    if not viewer.is_coordinating:
        raise Http404(_("The review queue is for a department's coordinators and directors."))
    sets = item_sets(request)
    changelist = reverse("admin:coordination_actionitem_changelist")
    sections = []
    for key, rows in _section_rows(viewer, sets).items():
        title, decisions, params = SECTIONS[key]
        section = Section(key, title, decisions, f"{changelist}?{params}", total=rows.count())
        for row in rows[:SECTION_SIZE] if section.total else []:
            item = _item_of(key, row)
            mine = failed is not None and failed["key"] == (key, row.pk)
            section.entries.append(
                {
                    "id": row.pk,
                    "row": row,
                    "item": item,
                    "url": reverse("admin:coordination_actionitem_change", args=[item.pk]),
                    "status": status_badge(item),
                    "due": due_text(item, today=sets.today, calendar=sets.calendar),
                    "progress": progress_bar(item.percent_complete),
                    "concurrence": ""
                    if key in ("extension", "nonconcurrence")
                    else concurrence_summary(item.concurrences.all()),
                    "reason": failed["reason"] if mine else "",
                    "errors": failed["errors"] if mine else [],
                }
            )
        sections.append(section)
    context = {
        **site.each_context(request),
        "title": _("Review queue"),
        "sections": sections,
        "decide_url": reverse("admin:review_decide"),
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/tracker/review_queue.html", context, status=400 if failed else 200)


def _decide(viewer: Viewer, actor, kind: str, pk: int, decision: str, reason: str) -> str:
    """Carry out one decision through its service; returns what to tell the person."""
    items = _queue_items(viewer)
    if kind == "extension":
        request = ExtensionRequest.objects.filter(pk=pk, action_item__in=items.values("pk")).first()
        if request is None or decision not in ("approve", "deny"):
            raise Http404
        services.extension_request_decide(
            actor=actor, extension_request=request, approve=decision == "approve", comment=reason
        )
        return _("#%(id)s: extension request decided.") % {"id": request.action_item_id}
    if kind == "nonconcurrence":
        concurrence = restrict(Concurrence, viewer).filter(pk=pk, action_item__in=items.values("pk")).first()
        if concurrence is None or decision != "note":
            raise Http404
        services.concurrence_note(actor=actor, concurrence=concurrence)
        return _("#%(id)s: non-concurrence of %(agency)s noted.") % {
            "id": concurrence.action_item_id,
            "agency": concurrence.agency.code,
        }
    item = items.filter(pk=pk).first()
    labels = {choice.name: choice.label for choice in SECTIONS[kind][1]} if kind in SECTIONS else {}
    if item is None or decision not in labels:
        raise Http404
    if decision == "remind":
        count = services.action_item_remind(actor=actor, item=item)
        return _("#%(id)s: reminder sent to %(count)d people.") % {"id": item.pk, "count": count}
    if decision == "close":
        services.action_item_transition(actor=actor, item=item, name="close", override_reason=reason)
    else:
        services.action_item_transition(actor=actor, item=item, name=decision, reason=reason)
    return _("#%(id)s: %(decision)s: done.") % {"id": item.pk, "decision": labels[decision]}


def decide_view(site, request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    viewer = request_viewer(request)
    if not viewer.is_coordinating:
        raise Http404(_("The review queue is for a department's coordinators and directors."))
    kind = request.POST.get("kind", "")
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "").strip()
    try:
        pk = int(request.POST.get("id", ""))
    except ValueError as error:
        raise Http404 from error
    try:
        done = _decide(viewer, request.user, kind, pk, decision, reason)
    except (ValidationError, PermissionDenied) as error:
        errors = error.messages if isinstance(error, ValidationError) else [str(error)]
        return queue_view(site, request, failed={"key": (kind, pk), "reason": reason, "errors": errors})
    messages.success(request, done)
    return HttpResponseRedirect(reverse("admin:review_queue"))
