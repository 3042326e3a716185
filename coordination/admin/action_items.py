"""The action-item pages: the list, the change page, its read-only inlines and the workflow action pages."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, OrgUnit
from coordination import services, workflow
from coordination.access import action_items_visible, may_add
from coordination.attachments import attachment_response
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    Department,
    ExtensionRequest,
    ImportBatch,
    Initiative,
    ProgressUpdate,
)
from coordination.search import items_search
from coordination.selectors import action_item_roles, liaisons_for_agency

from . import bulk, filters
from .base import RestrictedAdmin, request_viewer
from .display import concurrence_summary, due_text, progress_bar, status_badge
from .exporting import ItemExports, export_actions, record_download
from .forms import (
    ActionItemForm,
    AttachmentForm,
    ConcurrenceForm,
    ExtensionDecisionForm,
    ExtensionForm,
    ProgressForm,
    RouteForm,
    TransitionForm,
)
from .liaison_home import novelty, with_visits
from .saved_views import SavedViews


class ReadOnlyInline(admin.TabularInline):
    """Records on the item are written through the item's action pages, so inlines only show them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


class ConcurrenceInline(ReadOnlyInline):
    model = Concurrence
    fields = readonly_fields = ("agency", "state", "comment", "responded_by", "responded_at")
    verbose_name_plural = gettext_lazy("Supporting agencies and their concurrence")


class ProgressUpdateInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = readonly_fields = ("created_at", "author", "percent_complete", "text")


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest
    fields = readonly_fields = (
        "created_at",
        "requested_by",
        "previous_due_date",
        "requested_due_date",
        "reason",
        "state",
        "decided_by",
        "decision_comment",
        "decide_link",
    )

    @admin.display(description=gettext_lazy("decide"))
    def decide_link(self, obj):
        if obj.state != ExtensionRequest.State.PENDING:
            return "—"
        url = reverse("admin:coordination_actionitem_decide_extension", args=[obj.action_item_id, obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))


class ItemChangeList(ChangeList):
    """The item list: each row carries the day and calendar its "business days" column counts on (one per page)."""

    def get_results(self, request):
        super().get_results(request)
        sets = filters.item_sets(request)
        for item in self.result_list:
            item.tracker_sets = sets


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = readonly_fields = ("download", "content_type", "size", "uploaded_by", "created_at")

    @admin.display(description=gettext_lazy("file"))
    def download(self, obj):
        url = reverse("admin:coordination_actionitem_attachment", args=[obj.action_item_id, obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, obj.filename)


ACTION_FORMS = {
    "route": (RouteForm, gettext_lazy("Route inside the lead agency")),
    "progress": (ProgressForm, gettext_lazy("Post a progress update")),
    "extension": (ExtensionForm, gettext_lazy("Ask for an extension")),
    "concurrence": (ConcurrenceForm, gettext_lazy("Record concurrence")),
    "attach": (AttachmentForm, gettext_lazy("Attach a file")),
}


@admin.register(ActionItem)
class ActionItemAdmin(ItemExports, SavedViews, RestrictedAdmin):
    form = ActionItemForm
    change_form_template = "admin/coordination/actionitem/change_form.html"
    change_list_template = "admin/coordination/actionitem/change_list.html"
    list_display = (
        "id",
        "title_display",
        "status_display",
        "due_date_display",
        "percent_display",
        "agencies_display",
        "concurrence_display",
        "updated_display",
    )
    list_display_links = ("id", "title_display")
    list_filter = (
        filters.StateFilter,
        filters.AwaitingMeFilter,
        filters.AssignedToMeFilter,
        filters.OverdueFilter,
        filters.DueThisWeekFilter,
        filters.UnacknowledgedFilter,
        filters.StaleFilter,
        filters.AwaitingConcurrenceFilter,
        filters.ExtensionPendingFilter,
        filters.NonConcurredFilter,
        filters.DeclinedFilter,
        filters.EscalatedFilter,
        filters.OpenFilter,
        filters.ClosedRecentlyFilter,
        filters.OnTimeFilter,
        filters.OverdueAtFilter,
        "status",
        "lead_agency",
        filters.SupportingAgencyFilter,
        "initiative",
        "meeting",
        "department",
        "coordinator",
        "marking",
        "priority",
    )
    # Search is `coordination.search` (titles, description, external id, updates, file names; ranked), see below.
    search_fields = ("search_text",)
    list_per_page = 50
    show_full_result_count = False  # "N of M" would count every visible item again on each page
    date_hierarchy = "due_date"
    inlines = [ConcurrenceInline, ProgressUpdateInline, ExtensionRequestInline, AttachmentInline]
    # Choices among items and people are searched, never listed in full, and only among what the viewer sees.
    # The people and units that fit are few (the department's coordinators, the lead agency's liaisons and units) and
    # are offered as plain choices (see formfield_for_foreignkey).
    autocomplete_fields = ("parent", "dependencies", "meeting", "initiative")
    history_list_display = ("status", "due_date", "percent_complete")
    actions = [*bulk.admin_actions(), *export_actions()]

    fieldsets_spec = (
        (
            None,
            ("title", "title_ja", "description", "department", "initiative", "meeting", "coordinator", "external_id"),
        ),
        (gettext_lazy("Agencies"), ("lead_agency", "supporting", "assigned_liaison", "org_unit")),
        (gettext_lazy("Schedule and handling"), ("priority", "due_date", "original_due_date", "recurrence", "marking")),
        (gettext_lazy("Structure"), ("parent", "dependencies")),
        (
            gettext_lazy("Status"),
            (
                "status",
                "status_reason",
                "percent_complete",
                "close_override_reason",
                "assigned_at",
                "acknowledged_at",
                "submitted_at",
                "closed_at",
                "last_progress_at",
                "created_by",
            ),
        ),
    )
    # Fields only the workflow's actions change: the Status section, and the due date as first assigned.
    always_read_only = frozenset({"original_due_date", *fieldsets_spec[-1][1]})

    # --- Who sees and does what ------------------------------------------------------------------------------

    def get_queryset(self, request):
        concurrences = Concurrence.objects.select_related("agency").order_by("agency__code")
        return (
            with_visits(super().get_queryset(request), request.user)
            .select_related("lead_agency", "department", "assigned_liaison__user")
            .prefetch_related(Prefetch("concurrences", queryset=concurrences))
        )

    def _roles(self, request, obj):
        return action_item_roles(request_viewer(request), obj)

    def has_module_permission(self, request):
        return request_viewer(request).has_any_role

    def get_actions(self, request):
        # Bulk work is the department's: liaisons and read-only accounts act one item at a time, and export.
        actions = super().get_actions(request)
        viewer = request_viewer(request)
        if not viewer.is_coordinating or viewer.read_only:
            return {name: action for name, action in actions.items() if name.startswith("export_")}
        return actions

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return workflow.can_view(self._roles(request, obj))

    def has_change_permission(self, request, obj=None):
        # Which fields and actions, the workflow decides (get_readonly_fields, available_actions).
        return self.has_view_permission(request, obj) and not request_viewer(request).read_only

    def get_inline_instances(self, request, obj=None):
        # A new item has nothing recorded on it yet.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def _editable(self, request, obj) -> frozenset[str]:
        if obj is None:
            # Routing inside the lead agency comes once the item exists and its lead agency is known.
            return (workflow.COORDINATOR_FIELDS | {"supporting"}) - {"supporting_agencies"}
        if obj.is_archived_on(japan_today()):
            return frozenset()  # the archive is read-only: reopening is its one action
        fields = workflow.editable_fields(obj.status, self._roles(request, obj))
        if "supporting_agencies" in fields:
            fields = (fields - {"supporting_agencies"}) | {"supporting"}
        return fields

    # Read-only, these fields show through a method: supporting agencies with their state, and links among items
    # only to what the viewer sees ("an item you cannot see" for the rest, never its title).
    read_only_displays = {
        "supporting": "supporting_summary",
        "parent": "parent_display",
        "dependencies": "dependencies_display",
    }

    def get_fieldsets(self, request, obj=None):
        editable = self._editable(request, obj)
        fieldsets = []
        for title, names in self.fieldsets_spec:
            shown = [
                (self.read_only_displays.get(name, name) if name not in editable else name)
                for name in names
                if obj is not None or name not in self.always_read_only
            ]
            fieldsets.append((title, {"fields": shown}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        all_names = {name for _title, names in self.fieldsets_spec for name in names}
        read_only = (all_names - self._editable(request, obj)) | self.always_read_only
        return sorted(self.read_only_displays.get(name, name) for name in read_only)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.tracker_viewer = request_viewer(request)  # for the displays of linked items below
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._tracker_item = obj  # the choices of liaison and unit are the lead agency's
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        viewer = request_viewer(request)
        item = getattr(request, "_tracker_item", None)
        if not viewer.is_superuser:
            departments = viewer.coordinator_department_ids | viewer.director_department_ids
            if db_field.name == "department":
                kwargs["queryset"] = Department.objects.filter(pk__in=departments)
            elif db_field.name == "initiative":
                kwargs["queryset"] = Initiative.objects.filter(department_id__in=departments, is_active=True)
        if db_field.name == "lead_agency":
            kwargs["queryset"] = Agency.objects.filter(is_active=True)
        elif db_field.name == "coordinator":
            kwargs["queryset"] = bulk.coordinators_for(viewer)
        elif item is not None and db_field.name == "assigned_liaison":
            kwargs["queryset"] = liaisons_for_agency(item.lead_agency_id, today=japan_today())
        elif item is not None and db_field.name == "org_unit":
            kwargs["queryset"] = OrgUnit.objects.filter(agency_id=item.lead_agency_id, is_active=True)
        if item is not None and "queryset" in kwargs:
            # The value the item holds stays a choice (a coordinator who moved on, a liaison whose term ended), so
            # the form posted back unchanged still saves.
            current = getattr(item, db_field.attname)
            choices = kwargs["queryset"]
            kwargs["queryset"] = choices.model.objects.filter(Q(pk__in=choices.values("pk")) | Q(pk=current))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- List columns -------------------------------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return ItemChangeList

    def changelist_view(self, request, extra_context=None):
        context = {"may_import": may_add(ImportBatch, request_viewer(request)), **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_search_results(self, request, queryset, search_term):
        results = items_search(queryset, search_term)
        if search_term.strip() and ORDER_VAR not in request.GET:
            results = results.order_by("-search_rank", *queryset.query.order_by)  # best matches first
        return results, False

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def title_display(self, obj):
        marker = {"new": _("new"), "changed": _("changed")}.get(novelty(obj))
        if marker:
            return format_html('{} <span class="tracker-new">{}</span>', obj.display_title, marker)
        return obj.display_title

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, obj):
        return status_badge(obj)

    @admin.display(description=gettext_lazy("due date"), ordering="due_date")
    def due_date_display(self, obj):
        sets = getattr(obj, "tracker_sets", None)
        return due_text(obj, today=sets.today if sets else japan_today(), calendar=sets.calendar if sets else None)

    @admin.display(description=gettext_lazy("complete"), ordering="percent_complete")
    def percent_display(self, obj):
        return progress_bar(obj.percent_complete)

    @admin.display(description=gettext_lazy("lead agency and liaison"), ordering="lead_agency__code")
    def agencies_display(self, obj):
        liaison = obj.assigned_liaison.user.username if obj.assigned_liaison_id else "—"
        return format_html("<strong>{}</strong><br><small>{}</small>", obj.lead_agency.code, liaison)

    @admin.display(description=gettext_lazy("concurrence"))
    def concurrence_display(self, obj):
        return concurrence_summary(obj.concurrences.all())

    @admin.display(description=gettext_lazy("last update"), ordering="updated_at")
    def updated_display(self, obj):
        return date_format(localtime(obj.updated_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("supporting agencies (OCR)"))
    def supporting_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return ", ".join(f"{c.agency.code} ({c.get_state_display()})" for c in obj.concurrences.all()) or "—"

    def _linked(self, obj, items) -> str:
        viewer = getattr(obj, "tracker_viewer", None) or workflow.Viewer(user_id=None)
        items = list(items)
        if not items:
            return "—"
        seen = set(action_items_visible(viewer).filter(pk__in=[i.pk for i in items]).values_list("pk", flat=True))
        parts = [
            format_html(
                '<a href="{}">#{} {}</a>',
                reverse("admin:coordination_actionitem_change", args=[item.pk]),
                item.pk,
                item.title,
            )
            if item.pk in seen
            else format_html("<em>{}</em>", _("an item you cannot see"))
            for item in items
        ]
        return format_html_join(", ", "{}", ((part,) for part in parts))

    @admin.display(description=gettext_lazy("parent item"))
    def parent_display(self, obj):
        if obj is None or obj.pk is None or obj.parent_id is None:
            return "—"
        return self._linked(obj, [obj.parent])

    @admin.display(description=gettext_lazy("depends on"))
    def dependencies_display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return self._linked(obj, obj.dependencies.all())

    # --- Saving goes through the services ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        changes = form.changes()
        if change:
            saved = services.action_item_update(actor=request.user, item=obj, changes=changes)
        else:
            saved = services.action_item_create(actor=request.user, **changes)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """Dependencies and supporting agencies were saved by the service; the inlines are read-only."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # --- The change page and its action pages -------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="{}_{}_act".format(*info),
            ),
            *self.saved_view_urls(),
            path(
                "<path:object_id>/record/",
                self.admin_site.admin_view(self.record_view),
                name="{}_{}_record".format(*info),
            ),
            path(
                "<path:object_id>/attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="{}_{}_attachment".format(*info),
            ),
            path(
                "<path:object_id>/extension/<int:request_id>/decide/",
                self.admin_site.admin_view(self.decide_extension_view),
                name="{}_{}_decide_extension".format(*info),
            ),
            *super().get_urls(),
        ]

    def available_actions(self, request, obj) -> list[tuple[str, str]]:
        """The (label, url) of every action the request user can take on `obj` now."""
        roles = self._roles(request, obj)
        names = [(t.name, t.label) for t in workflow.available_transitions(obj.status, roles)]
        record = (_("Download the full record (ZIP)"), reverse("admin:coordination_actionitem_record", args=[obj.pk]))
        if obj.is_archived_on(japan_today()):
            names = [(name, label) for name, label in names if name in workflow.ARCHIVE_ACTIONS]
            acts = [(label, reverse("admin:coordination_actionitem_act", args=[obj.pk, name])) for name, label in names]
            return [*acts, record]
        if workflow.ROUTING_FIELDS <= workflow.editable_fields(obj.status, roles) and obj.status != "draft":
            names.append(("route", ACTION_FORMS["route"][1]))
        if workflow.can_post_progress(obj.status, roles):
            names.append(("progress", ACTION_FORMS["progress"][1]))
        if workflow.can_request_extension(obj.status, roles):
            names.append(("extension", ACTION_FORMS["extension"][1]))
        if workflow.can_record_concurrence(obj.status, roles):
            names.append(("concurrence", ACTION_FORMS["concurrence"][1]))
        if workflow.can_attach(obj.status, roles):
            names.append(("attach", ACTION_FORMS["attach"][1]))
        acts = [(label, reverse("admin:coordination_actionitem_act", args=[obj.pk, name])) for name, label in names]
        return [*acts, record]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["item_actions"] = self.available_actions(request, obj)
            extra_context["item_overdue"] = obj.is_overdue_on(japan_today())
        response = super().change_view(request, object_id, form_url, extra_context)
        if obj is not None and request.method == "GET" and response.status_code == 200:
            services.item_visit_record(user=request.user, item=obj)
        return response

    def _action_response(self, request, obj, form, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "form": form,
            "title": title,
            "media": self.media + form.media,
            "change_url": reverse("admin:coordination_actionitem_change", args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/coordination/actionitem/action_form.html", context)

    def _get_visible(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("No such action item."))
        return obj

    def action_view(self, request, object_id, action):
        obj = self._get_visible(request, object_id)
        viewer = request_viewer(request)
        kwargs = {"item": obj, "actor": request.user, "viewer": viewer}
        if action in workflow.TRANSITIONS:
            transition = workflow.TRANSITIONS[action]
            form_class, title, kwargs["transition"] = TransitionForm, transition.label, transition
        elif action in ACTION_FORMS:
            form_class, title = ACTION_FORMS[action]
        else:
            raise Http404(_("No such action."))
        posted = request.method == "POST"
        form = form_class(request.POST if posted else None, request.FILES if posted else None, **kwargs)
        if posted and form.is_valid() and form.save():
            messages.success(request, _("%(action)s: done.") % {"action": title})
            return HttpResponseRedirect(reverse("admin:coordination_actionitem_change", args=[obj.pk]))
        return self._action_response(request, obj, form, title)

    def record_view(self, request, object_id):
        obj = self._get_visible(request, object_id)
        return record_download(request, ActionItem.objects.filter(pk=obj.pk))

    def attachment_view(self, request, object_id, attachment_id):
        """Download a file attached to an item the requester sees."""
        obj = self._get_visible(request, object_id)
        attachment = get_object_or_404(Attachment, pk=attachment_id, action_item=obj)
        return attachment_response(attachment)

    def decide_extension_view(self, request, object_id, request_id):
        obj = self._get_visible(request, object_id)
        extension_request = get_object_or_404(ExtensionRequest, pk=request_id, action_item=obj)
        form = ExtensionDecisionForm(
            request.POST if request.method == "POST" else None,
            item=obj,
            actor=request.user,
            viewer=request_viewer(request),
            extension_request=extension_request,
        )
        title = _("Decide the extension request to %(date)s") % {"date": extension_request.requested_due_date}
        if request.method == "POST" and form.is_valid() and form.save():
            messages.success(request, _("Extension request decided."))
            return HttpResponseRedirect(reverse("admin:coordination_actionitem_change", args=[obj.pk]))
        return self._action_response(request, obj, form, title)
