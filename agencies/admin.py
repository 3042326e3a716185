"""Agencies, their units and liaison terms: coordinators manage them, every staff user may look them up."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from coordination.admin.base import CoordinatorManagedAdmin
from coordination.services import liaison_end_term

from .models import Agency, Liaison, OrgUnit


class OrgUnitInline(admin.TabularInline):
    model = OrgUnit
    fields = ("name_en", "name_ja", "parent", "is_active")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return CoordinatorManagedAdmin.has_add_permission(self, request)

    def has_change_permission(self, request, obj=None):
        return CoordinatorManagedAdmin.has_change_permission(self, request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("code", "name_en", "name_ja", "parent", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_en", "name_ja")
    inlines = [OrgUnitInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("__str__", "agency", "is_active")
    list_filter = ("agency", "is_active")
    search_fields = ("name_en", "name_ja")
    list_select_related = ("agency", "parent__parent")


class TermFilter(admin.SimpleListFilter):
    title = _("term")
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [("active", _("In office")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        from coordination.calendar import japan_today

        active = Liaison.objects.active_on(japan_today()).values("pk")
        if self.value() == "active":
            return queryset.filter(pk__in=active)
        if self.value() == "ended":
            return queryset.exclude(pk__in=active)
        return queryset


@admin.register(Liaison)
class LiaisonAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("user", "agency", "org_unit", "role", "start_date", "end_date")
    list_filter = (TermFilter, "agency", "role")
    search_fields = ("user__username", "user__first_name", "user__last_name", "agency__code")
    list_select_related = ("user", "agency", "org_unit")
    actions = ["end_terms_today"]

    def get_readonly_fields(self, request, obj=None):
        # A term is replaced, never rewritten: who served which agency stays as it was.
        return ("user", "agency", "start_date") if obj is not None else ()

    @admin.action(description=_("End the selected terms today (access stops at once)"))
    def end_terms_today(self, request, queryset):
        ended = 0
        for liaison in queryset.filter(end_date__isnull=True):
            try:
                liaison_end_term(actor=request.user, liaison=liaison)
                ended += 1
            except ValidationError as error:
                messages.error(request, f"{liaison}: {' '.join(error.messages)}")
        messages.success(request, _("%(count)d terms ended.") % {"count": ended})
