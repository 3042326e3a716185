"""Agencies, their units and liaison terms: names for everyone with a role; terms appointed and ended through
the services (superusers any, a ministry's primary liaison its alternates)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from coordination.admin.base import RestrictedAdmin, ServiceSaved, request_viewer
from coordination.calendar import japan_today
from coordination.services import liaison_appoint, liaison_end_term

from .models import Agency, Liaison, OrgUnit


class OrgUnitInline(admin.TabularInline):
    model = OrgUnit
    fields = ("name_en", "name_ja", "parent", "is_active")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return request_viewer(request).is_superuser

    def has_change_permission(self, request, obj=None):
        return request_viewer(request).is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(Agency)
class AgencyAdmin(RestrictedAdmin):
    list_display = ("code", "name_en", "name_ja", "parent", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_en", "name_ja")
    inlines = [OrgUnitInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(RestrictedAdmin):
    list_display = ("__str__", "agency", "is_active")
    list_filter = ("agency", "is_active")
    search_fields = ("name_en", "name_ja", "agency__code")
    list_select_related = ("agency", "parent__parent")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        viewer = request_viewer(request)
        if db_field.name in ("agency", "parent") and field is not None and not viewer.is_superuser:
            # A primary liaison keeps the unit tree of their own agency only.
            agency_path = "pk__in" if db_field.name == "agency" else "agency_id__in"
            field.queryset = field.queryset.filter(**{agency_path: viewer.primary_agency_ids})
        return field


class TermFilter(admin.SimpleListFilter):
    title = _("term")
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [("active", _("In office")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        active = Liaison.objects.active_on(japan_today()).values("pk")
        if self.value() == "active":
            return queryset.filter(pk__in=active)
        if self.value() == "ended":
            return queryset.exclude(pk__in=active)
        return queryset


class LiaisonAppointForm(forms.ModelForm):
    """The person is named by their account name: a ministry's primary liaison appoints colleagues whose accounts
    the system's administrators created, without a list of everyone's accounts to pick from."""

    username = forms.CharField(label=_("account name"), max_length=150)

    class Meta:
        model = Liaison
        fields = ("agency", "role", "org_unit", "start_date")

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active account has this name; the system's administrators create them."))
        self.cleaned_data["user"] = user
        return username


class LiaisonEndForm(forms.ModelForm):
    class Meta:
        model = Liaison
        fields = ("end_date",)


@admin.register(Liaison)
class LiaisonAdmin(ServiceSaved, RestrictedAdmin):
    """A term is appointed and ended, never rewritten: who served which agency stays as it was."""

    list_display = ("user", "agency", "org_unit", "role", "start_date", "end_date")
    list_filter = (TermFilter, "agency", "role")
    search_fields = ("user__username", "user__first_name", "user__last_name", "agency__code")
    list_select_related = ("user", "agency", "org_unit")
    actions = ["end_terms_today"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = LiaisonEndForm if obj is not None else LiaisonAppointForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        return {
            "start_date": japan_today(),
            "role": Liaison.Role.ALTERNATE,
            **super().get_changeform_initial_data(request),
        }

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("username", "agency", "role", "org_unit", "start_date")
        return ("user", "agency", "role", "org_unit", "start_date", "end_date")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "agency", "role", "org_unit", "start_date") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        viewer = request_viewer(request)
        if db_field.name == "agency" and field is not None and not viewer.is_superuser:
            field.queryset = field.queryset.filter(pk__in=viewer.primary_agency_ids)
        return field

    def service_save(self, request, obj, form, change):
        if change:
            return liaison_end_term(actor=request.user, liaison=obj, end_date=form.cleaned_data.get("end_date"))
        fields = {name: form.cleaned_data.get(name) for name in ("user", "agency", "role", "org_unit", "start_date")}
        return liaison_appoint(actor=request.user, **fields)

    @admin.action(description=_("End the selected terms today (access stops at once)"))
    def end_terms_today(self, request, queryset):
        ended = 0
        for liaison in queryset.filter(end_date__isnull=True):
            try:
                liaison_end_term(actor=request.user, liaison=liaison)
                ended += 1
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                messages.error(request, f"{liaison}: {reason}")
        messages.success(request, _("%(count)d terms ended.") % {"count": ended})
