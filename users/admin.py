"""Users, their API tokens, the security log and sign-in lockouts in the admin; the account's own security pages
(`account_pages`) are added to the site here."""

import datetime

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from coordination.access import may_change, tokens_issuable_for
from coordination.admin.base import RestrictedAccess, request_viewer
from coordination.sheets.writers import Sheet, sheet_download

from . import account_pages  # noqa: F401  (adds the account's pages to the site)
from .lockout import is_locked, lockout_lift, lockouts_current
from .models import ApiToken, SecurityEvent, User
from .services import api_token_issue, api_token_revoke
from .two_factor import two_factor_disable, two_factor_enabled

# knox's token model is replaced by ApiToken; a person's second factor is theirs to manage on their own security
# page (a superuser resets it from the user list), never edited as rows.
for replaced in (AuthToken, TOTPDevice, StaticDevice):
    if admin.site.is_registered(replaced):
        admin.site.unregister(replaced)


@admin.register(User)
class UserAdmin(RestrictedAccess, DjangoUserAdmin):
    """Accounts: a superuser manages them; everyone else sees and edits their own name, email and language (their
    password through "Change password", which asks for the old one), and a department's coordinators see the
    people they work with."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("preferred_language",)}),
    )
    own_fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Preferences"), {"fields": ("preferred_language",)}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "preferred_language",
        "is_staff",
        "is_active",
        "second_factor",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")
    actions = ["reset_second_factor"]

    @admin.display(description=_("two-factor"), boolean=True)
    def second_factor(self, obj):
        return two_factor_enabled(obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request_viewer(request).is_superuser:
            actions.pop("reset_second_factor", None)
        return actions

    @admin.action(description=_("Reset two-factor authentication (a lost phone); ends their sessions"))
    def reset_second_factor(self, request, queryset):
        count = 0
        for user in queryset:
            try:
                two_factor_disable(actor=request.user, user=user)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return
            count += 1
        self.message_user(
            request, _("Two-factor authentication reset for %(count)d accounts.") % {"count": count}, messages.SUCCESS
        )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request_viewer(request).is_superuser:
            return self.own_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request_viewer(request).is_superuser:
            return (
                ("username",)
                if may_change(request_viewer(request), obj)
                else ("username", "first_name", "last_name", "email", "preferred_language")
            )
        return super().get_readonly_fields(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Setting a password without knowing the current one is for the system's administrators.
        if not request_viewer(request).is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class ApiTokenAddForm(forms.ModelForm):
    """Issue a token: for whom, what for, and when it expires; the key is generated, shown once, never stored."""

    expires_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Leave empty for a token that does not expire."),
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "read_only")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise forms.ValidationError(_("This user is inactive."))
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(RestrictedAccess, admin.ModelAdmin):
    list_display = ("name", "user", "read_only", "created", "created_by", "expiry", "revoked_at", "last_used_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "read_only", "created")
    search_fields = ("name", "user__username")
    list_select_related = ("user", "created_by")
    autocomplete_fields = ("user",)  # people: too many for a list, and only those the user may see
    readonly_fields = (
        "user",
        "name",
        "read_only",
        "created",
        "created_by",
        "issued_from",
        "expiry",
        "revoked_at",
        "revoked_by",
    )
    actions = ["revoke_tokens"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            # A token acts as its owner: people issue tokens for themselves (superusers for anyone).
            form.base_fields["user"].queryset = tokens_issuable_for(request_viewer(request))
            form.base_fields["user"].initial = request.user.pk
        return form

    def get_fields(self, request, obj=None):
        # No part of the key, nor its hash, is shown once the token is issued.
        return ("user", "name", "read_only", "expires_days") if obj is None else (*self.readonly_fields, "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.readonly_fields, "last_used_at")

    def save_model(self, request, obj, form, change):
        token, key = api_token_issue(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            expires_days=form.cleaned_data.get("expires_days"),
            read_only=form.cleaned_data.get("read_only", False),
        )
        form.instance = token
        request._issued_key = key

    def save_related(self, request, form, formsets, change):
        pass  # nothing related to a token

    def response_add(self, request, obj, post_url_continue=None):
        """Show the key on the page itself, once: it is never stored, put in a message or a URL."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "key": request._issued_key,
            "title": _("API token issued"),
        }
        response = TemplateResponse(request, "admin/users/apitoken/issued.html", context)
        response.headers["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=request.user, token=token)
            count += 1
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count}, messages.SUCCESS)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


SECURITY_LOG_HEADINGS = (
    _("At (UTC)"),
    _("Event"),
    _("Username"),
    _("Account"),
    _("Done by"),
    _("From address"),
    _("Browser or tool"),
    _("Page or endpoint"),
    _("Request id"),
    _("Detail"),
)


def security_log_download(events, file_format: str):
    rows = [
        [
            _utc(event.at),
            event.get_kind_display(),
            event.username,
            event.user.username if event.user else "",
            event.actor.username if event.actor else "",
            event.address or "",
            event.user_agent,
            event.path,
            event.request_id,
            ", ".join(f"{key}={value}" for key, value in sorted(event.detail.items())),
        ]
        for event in events.select_related("user", "actor")
    ]
    sheet = Sheet(title=str(_("Security log")), headings=[str(heading) for heading in SECURITY_LOG_HEADINGS], rows=rows)
    stem = f"security-log-{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}"
    return sheet_download([sheet], file_format=file_format, stem=stem)


@admin.register(SecurityEvent)
class SecurityEventAdmin(RestrictedAccess, admin.ModelAdmin):
    """The security log: read-only for everyone; its coordinators and directors see their department's people and
    items (`coordination.access`), superusers everything; the list (filters and all) downloads as XLSX or CSV."""

    list_display = ("at_utc", "kind", "username", "actor", "address", "path")
    list_filter = ("kind", "at")
    search_fields = ("username", "address", "request_id", "path")
    date_hierarchy = "at"
    list_select_related = ("user", "actor")
    fields = (
        "at_utc", "kind", "username", "user", "actor", "address", "user_agent", "path", "request_id", "detail",
        "departments",
    )  # fmt: skip
    readonly_fields = fields
    actions = ["export_xlsx", "export_csv"]

    @admin.display(description=_("at (UTC)"), ordering="at")
    def at_utc(self, obj):
        return _utc(obj.at)

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        file_format = request.GET.get("_export")
        if file_format in ("xlsx", "csv") and self.has_view_permission(request):
            request.GET = request.GET.copy()
            request.GET.pop("_export")
            changelist = self.get_changelist_instance(request)
            return security_log_download(changelist.get_queryset(request), file_format)
        extra_context = {**(extra_context or {}), "export_formats": ("xlsx", "csv")}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Export the selected events (XLSX)"))
    def export_xlsx(self, request, queryset):
        return security_log_download(queryset, "xlsx")

    @admin.action(description=_("Export the selected events (CSV)"))
    def export_csv(self, request, queryset):
        return security_log_download(queryset, "csv")


class LockoutAdmin(RestrictedAccess, admin.ModelAdmin):
    """Failed sign-ins still counting towards a lockout, by account and address; a superuser lifts a lockout."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time", "locked")
    search_fields = ("username", "ip_address")
    fields = ("username", "ip_address", "user_agent", "failures_since_start", "attempt_time", "path_info")
    readonly_fields = fields
    actions = ["lift"]

    def get_queryset(self, request):
        return super().get_queryset(request) & lockouts_current()

    @admin.display(description=_("locked out"), boolean=True)
    def locked(self, obj):
        return is_locked(obj)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Lift the lockout of the selected accounts and addresses"))
    def lift(self, request, queryset):
        try:
            count = lockout_lift(actor=request.user, attempts=queryset)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(request, _("Lockout lifted (%(count)d records).") % {"count": count}, messages.SUCCESS)


admin.site.register(AccessAttempt, LockoutAdmin)
