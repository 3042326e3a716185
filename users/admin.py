"""Users and their API tokens in the admin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from coordination.admin.base import request_viewer

from .models import ApiToken, User
from .services import api_token_issue, api_token_revoke

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)  # knox's own token model is replaced by ApiToken


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("preferred_language",)}),
    )
    list_display = ("username", "first_name", "last_name", "email", "preferred_language", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")


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
        fields = ("user", "name")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise forms.ValidationError(_("This user is inactive."))
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "token_key", "created", "created_by", "expiry", "revoked_at", "last_used_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created")
    search_fields = ("name", "token_key", "user__username")
    list_select_related = ("user", "created_by")
    readonly_fields = ("user", "name", "token_key", "created", "created_by", "expiry", "revoked_at", "revoked_by")
    actions = ["revoke_tokens"]

    def _is_coordinating(self, request) -> bool:
        return request.user.is_active and request_viewer(request).is_coordinating

    def has_module_permission(self, request):
        return self._is_coordinating(request)

    def has_view_permission(self, request, obj=None):
        return self._is_coordinating(request)

    def has_add_permission(self, request):
        return self._is_coordinating(request)

    def has_change_permission(self, request, obj=None):
        return False  # a token is issued and revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay on record

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(user__is_superuser=False)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and not request.user.is_superuser:
            form.base_fields["user"].queryset = User.objects.filter(is_active=True, is_superuser=False)
        return form

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        token, key = api_token_issue(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            expires_days=form.cleaned_data.get("expires_days"),
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
