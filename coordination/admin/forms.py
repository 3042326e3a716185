"""Forms behind the admin's item actions: each validates its input, then calls one service."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, OrgUnit
from coordination import services, workflow
from coordination.calendar import japan_today
from coordination.models import ActionItem, Concurrence, ExtensionRequest
from coordination.selectors import liaisons_for_agency

from .base import add_service_error


class ActionForm(forms.Form):
    """Base: knows the item and the viewer; `perform` calls the service."""

    def __init__(self, *args, item: ActionItem, actor, viewer: workflow.Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.item, self.actor, self.viewer = item, actor, viewer

    def perform(self):
        raise NotImplementedError

    def save(self) -> bool:
        """Call the service; on a refusal, put its message on the form and return False."""
        try:
            self.perform()
        except (ValidationError, PermissionDenied) as error:
            add_service_error(self, error)
            return False
        return True


class TransitionForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    override_reason = forms.CharField(
        label=_("Reason to close without every concurrence"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Only needed when a supporting agency has not concurred."),
    )

    def __init__(self, *args, transition: workflow.Transition, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.fields["reason"].required = transition.reason_required
        if transition.name != "close":
            del self.fields["override_reason"]

    def perform(self):
        services.action_item_transition(
            actor=self.actor,
            item=self.item,
            name=self.transition.name,
            reason=self.cleaned_data.get("reason", ""),
            override_reason=self.cleaned_data.get("override_reason", ""),
        )


class RouteForm(ActionForm):
    liaison = forms.ModelChoiceField(label=_("Liaison"), queryset=None, required=False)
    org_unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["liaison"].queryset = liaisons_for_agency(self.item.lead_agency_id, today=japan_today())
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(agency_id=self.item.lead_agency_id, is_active=True)
        self.initial.setdefault("liaison", self.item.assigned_liaison_id)
        self.initial.setdefault("org_unit", self.item.org_unit_id)

    def perform(self):
        services.action_item_route(
            actor=self.actor,
            item=self.item,
            liaison=self.cleaned_data["liaison"],
            org_unit=self.cleaned_data["org_unit"],
        )


class ProgressForm(ActionForm):
    text = forms.CharField(label=_("What has been done"), widget=forms.Textarea(attrs={"rows": 4}))
    percent_complete = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("percent_complete", self.item.percent_complete)

    def perform(self):
        services.progress_update_create(
            actor=self.actor,
            item=self.item,
            text=self.cleaned_data["text"],
            percent_complete=self.cleaned_data["percent_complete"],
        )


class ExtensionForm(ActionForm):
    requested_due_date = forms.DateField(label=_("New due date"), widget=AdminDateWidget)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def perform(self):
        services.extension_request_create(
            actor=self.actor,
            item=self.item,
            requested_due_date=self.cleaned_data["requested_due_date"],
            reason=self.cleaned_data["reason"],
        )


class ConcurrenceForm(ActionForm):
    agency = forms.ModelChoiceField(label=_("Supporting agency"), queryset=None)
    state = forms.ChoiceField(
        label=_("Answer"),
        choices=[(Concurrence.State.CONCUR, _("Concur")), (Concurrence.State.NON_CONCUR, _("Non-concur"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required for a non-concurrence."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(
            pk__in=self.viewer.liaison_agency_ids, concurrences__action_item=self.item
        )

    def perform(self):
        services.concurrence_record(
            actor=self.actor,
            item=self.item,
            agency=self.cleaned_data["agency"],
            state=self.cleaned_data["state"],
            comment=self.cleaned_data["comment"],
        )


class AttachmentForm(ActionForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG, JPEG, text, CSV, Word, Excel or PowerPoint, up to the size limit."),
    )

    def perform(self):
        services.attachment_create(actor=self.actor, item=self.item, upload=self.cleaned_data["file"])


class ExtensionDecisionForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: move the due date")), ("deny", _("Deny"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when denying."),
    )

    def __init__(self, *args, extension_request: ExtensionRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.extension_request = extension_request

    def perform(self):
        services.extension_request_decide(
            actor=self.actor,
            extension_request=self.extension_request,
            approve=self.cleaned_data["decision"] == "approve",
            comment=self.cleaned_data["comment"],
        )


class ActionItemForm(forms.ModelForm):
    """The item's own fields; the service decides what the user may change, and its refusals show here."""

    supporting = forms.ModelMultipleChoiceField(
        label=_("Supporting agencies (OCR)"),
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    request = None  # set by the admin's get_form

    class Meta:
        model = ActionItem
        # The admin narrows these to what the user may change (ModelAdmin.get_readonly_fields).
        fields = [
            "title",
            "title_ja",
            "description",
            "department",
            "initiative",
            "meeting",
            "coordinator",
            "external_id",
            "lead_agency",
            "assigned_liaison",
            "org_unit",
            "priority",
            "due_date",
            "recurrence",
            "marking",
            "parent",
            "dependencies",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "supporting" in self.fields:
            self.initial["supporting"] = list(self.instance.concurrences.values_list("agency_id", flat=True))

    def changes(self) -> dict:
        """The changed fields (every filled field for a new item), named as the services name them."""
        if self.instance.pk:
            names = [name for name in self.changed_data if name in self.cleaned_data]
        else:
            names = [name for name, value in self.cleaned_data.items() if value not in (None, "", [])]
            names += [name for name in ("department", "title", "lead_agency") if name not in names]
        changes = {name: self.cleaned_data.get(name) for name in names}
        if "supporting" in changes:
            changes["supporting_agencies"] = list(changes.pop("supporting"))
        return changes

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        changes = self.changes()
        try:
            if self.instance.pk:
                services.action_item_check_update(actor=self.request.user, item=self.instance, changes=changes)
            else:
                services.action_item_check_create(actor=self.request.user, **changes)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(self, error)
        return cleaned
