"""Users and their API tokens in the admin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from coordination.access import may_change, tokens_issuable_for
from coordination.admin.base import RestrictedAccess, request_viewer

from .models import ApiToken, User
from .services import api_token_issue, api_token_revoke

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)  # knox's own token model is replaced by ApiToken


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
    list_display = ("username", "first_name", "last_name", "email", "preferred_language", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")

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
