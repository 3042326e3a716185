"""Each department's reminder policy (its coordinators edit it) and the ledger of reminders (read-only)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coordination.models import Reminder, ReminderPolicy, WebhookDelivery, WebhookEndpoint

from .base import ReadOnlyAdmin, RestrictedAdmin, RestrictedModelAdmin


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(RestrictedAdmin):
    list_display = ("department", "is_active", "due_soon_first", "due_soon_second", "stale_after")
    fieldsets = (
        (None, {"fields": ("department", "is_active")}),
        (
            _("Reminders to liaisons"),
            {
                "fields": (
                    "unacknowledged_remind_after",
                    "due_soon_first",
                    "due_soon_second",
                    "remind_on_due_date",
                    "stale_after",
                    "concurrence_before_due",
                )
            },
        ),
        (
            _("Escalations and coordinators"),
            {
                "fields": (
                    "unacknowledged_escalate_after",
                    "overdue_escalate_coordinator_after",
                    "overdue_escalate_director_after",
                    "review_waiting_after",
                )
            },
        ),
    )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin, RestrictedModelAdmin):
    """The ledger: every reminder recorded, to whom, and whether it went out. Nothing here is edited by hand."""

    list_display = ("created_at", "rule", "action_item", "recipient", "is_copy", "state", "attempts", "sent_at")
    list_filter = ("state", "rule", "is_copy", "due_on")
    search_fields = ("action_item__title", "recipient__username", "occurrence")
    list_select_related = ("action_item", "recipient")
    date_hierarchy = "created_at"


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Reminder.Rule.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("department", "name", "url", "secret", "events", "owner", "is_active")
        # The secret is typed once and never sent back to a browser; left empty on a change, it stays as it was.
        widgets = {"secret": forms.PasswordInput(render_value=False)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "secret" in self.fields:
            self.fields["secret"].required = False
            self.fields["secret"].help_text = _("Leave empty to keep the current secret; type a new one to rotate it.")

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        return secret or (self.instance.secret if self.instance.pk else secret)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(RestrictedAdmin):
    """A department's coordinators register its receivers; switching one back on clears its failure count."""

    form = WebhookEndpointForm
    list_display = ("name", "department", "url", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active", "department")
    readonly_fields = ("consecutive_failures", "disabled_at")
    history_hidden_fields = ("secret",)

    def save_model(self, request, obj, form, change):
        if change and "is_active" in form.changed_data and obj.is_active:
            obj.consecutive_failures = 0
            obj.disabled_at = None
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin, RestrictedModelAdmin):
    """The log of webhook deliveries: what was sent where, and how the receiver answered."""

    list_display = ("created_at", "event", "action_item", "endpoint", "state", "attempts", "last_status_code")
    list_filter = ("state", "event", "endpoint")
    list_select_related = ("endpoint", "action_item")
