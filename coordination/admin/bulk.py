"""Bulk actions on the item list, through the same services as the one-by-one pages.

Each selected item is handled on its own (each service call is its own transaction), so one refusal never undoes
or blocks the others; the report after the action names every item done and every item refused, with the reason.
An action that needs a reason or a choice shows a short form first, listing the selected items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination import services
from coordination.models import ActionItem, DepartmentMember, ExtensionRequest
from coordination.selectors import request_viewer
from users.models import User


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason to close without every concurrence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("Needed only for items on which a supporting agency has not concurred."),
    )


class CoordinatorForm(forms.Form):
    coordinator = forms.ModelChoiceField(label=gettext_lazy("Responsible coordinator"), queryset=User.objects.none())

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = coordinators_for(request_viewer(request))


def coordinators_for(viewer) -> object:
    """The people who may be named an item's coordinator by `viewer`: the coordinators and directors of the
    departments `viewer` works in (of every department, for a superuser)."""
    members = DepartmentMember.objects.filter(is_active=True, user__is_active=True, department__is_active=True)
    if not viewer.is_superuser:
        members = members.filter(department_id__in=viewer.coordinator_department_ids | viewer.director_department_ids)
    return User.objects.filter(pk__in=members.values("user_id")).order_by("username")


def _pending_extension(item: ActionItem) -> ExtensionRequest:
    request = item.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    if request is None:
        raise ValidationError(_("No extension request is waiting."))
    return request


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: str
    run: Callable  # (actor, item, cleaned_data) -> None; raises ValidationError or PermissionDenied to refuse
    form: type[forms.Form] | None = None


BULK_ACTIONS = [
    BulkAction(
        "assign",
        gettext_lazy("Assign the selected items"),
        lambda actor, item, data: services.action_item_transition(actor=actor, item=item, name="assign"),
    ),
    BulkAction(
        "remind",
        gettext_lazy("Remind the lead agency now"),
        lambda actor, item, data: services.action_item_remind(actor=actor, item=item),
    ),
    BulkAction(
        "approve_extensions",
        gettext_lazy("Approve the pending extension requests"),
        lambda actor, item, data: services.extension_request_decide(
            actor=actor, extension_request=_pending_extension(item), approve=True, comment=""
        ),
    ),
    BulkAction(
        "deny_extensions",
        gettext_lazy("Deny the pending extension requests"),
        lambda actor, item, data: services.extension_request_decide(
            actor=actor, extension_request=_pending_extension(item), approve=False, comment=data["reason"]
        ),
        ReasonForm,
    ),
    BulkAction(
        "close",
        gettext_lazy("Close out the selected submissions"),
        lambda actor, item, data: services.action_item_transition(
            actor=actor, item=item, name="close", override_reason=data["reason"]
        ),
        OptionalReasonForm,
    ),
    BulkAction(
        "return",
        gettext_lazy("Return the selected submissions to the lead"),
        lambda actor, item, data: services.action_item_transition(
            actor=actor, item=item, name="return", reason=data["reason"]
        ),
        ReasonForm,
    ),
    BulkAction(
        "change_coordinator",
        gettext_lazy("Change the responsible coordinator"),
        lambda actor, item, data: services.action_item_update(
            actor=actor, item=item, changes={"coordinator": data["coordinator"]}
        ),
        CoordinatorForm,
    ),
]


def run_bulk(model_admin, request, queryset, action: BulkAction):
    """Show the action's form (if it has one), then run it item by item and report each result."""
    data = {}
    if action.form is not None:
        kwargs = {"request": request} if action.form is CoordinatorForm else {}
        form = action.form(request.POST if "apply" in request.POST else None, **kwargs)
        if not form.is_bound or not form.is_valid():
            context = {
                **model_admin.admin_site.each_context(request),
                "title": action.label,
                "opts": model_admin.opts,
                "form": form,
                "items": list(queryset.order_by("pk")[:200]),
                "count": queryset.count(),
                "action": action.name,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "admin/tracker/bulk_form.html", context)
        data = form.cleaned_data
    done, refused = [], []
    for item in queryset.order_by("pk"):
        try:
            action.run(request.user, item, data)
        except (ValidationError, PermissionDenied) as error:
            reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            refused.append((item, reason))
        else:
            done.append(item)
    if done:
        model_admin.message_user(
            request,
            _("%(action)s: done for %(items)s.")
            % {"action": action.label, "items": ", ".join(f"#{item.pk}" for item in done)},
            messages.SUCCESS,
        )
    for item, reason in refused:
        model_admin.message_user(
            request, _("#%(id)s was not changed: %(reason)s") % {"id": item.pk, "reason": reason}, messages.ERROR
        )
    return None


def admin_actions() -> list:
    """The bulk actions as admin actions (functions the changelist's action menu lists)."""

    def make(action: BulkAction):
        def handler(model_admin, request, queryset):
            return run_bulk(model_admin, request, queryset, action)

        handler.__name__ = f"bulk_{action.name}"
        return admin.action(description=action.label)(handler)

    return [make(action) for action in BULK_ACTIONS]
