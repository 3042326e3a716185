"""Departments, members, meetings, initiatives, extra closure days and heartbeats."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from coordination.models import ClosureDay, Department, DepartmentMember, Heartbeat, Initiative, Meeting

from .base import CoordinatorManagedAdmin, ReadOnlyAdmin


class DepartmentMemberInline(admin.TabularInline):
    model = DepartmentMember
    fields = ("user", "role", "is_active")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Department)
class DepartmentAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("code", "name_en", "name_ja", "is_active")
    inlines = [DepartmentMemberInline]

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # Who coordinates is decided by the system's administrators, not by coordinators themselves.
        return request.user.is_superuser


@admin.register(Initiative)
class InitiativeAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("code", "title_en", "title_ja", "department", "is_active")
    list_filter = ("department", "is_active")
    search_fields = ("code", "title_en", "title_ja")


@admin.register(Meeting)
class MeetingAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("held_on", "title", "department")
    list_filter = ("department",)
    search_fields = ("title", "notes")
    filter_horizontal = ("agencies",)


@admin.register(ClosureDay)
class ClosureDayAdmin(CoordinatorManagedAdmin, SimpleHistoryAdmin):
    list_display = ("date", "name", "created_by")
    fields = ("date", "name")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("component", "last_seen_at", "detail")

    def has_module_permission(self, request):
        return request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff
