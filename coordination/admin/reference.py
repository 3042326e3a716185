"""Departments, members, meetings, initiatives, extra closure days and heartbeats."""

from django.contrib import admin

from coordination import services
from coordination.models import ClosureDay, Department, DepartmentMember, Heartbeat, Initiative, Meeting

from .base import ReadOnlyAdmin, RestrictedAdmin, RestrictedModelAdmin, ServiceSaved, request_viewer


class DepartmentMemberInline(admin.TabularInline):
    """Who coordinates a department is decided by the system's administrators, not by coordinators themselves."""

    model = DepartmentMember
    fields = ("user", "role", "is_active")
    extra = 0
    can_delete = False
    autocomplete_fields = ("user",)

    def has_add_permission(self, request, obj=None):
        return request_viewer(request).is_superuser

    def has_change_permission(self, request, obj=None):
        return request_viewer(request).is_superuser

    def has_view_permission(self, request, obj=None):
        return request_viewer(request).is_coordinating


@admin.register(Department)
class DepartmentAdmin(RestrictedAdmin):
    list_display = ("code", "name_en", "name_ja", "is_active")
    search_fields = ("code", "name_en", "name_ja")
    inlines = [DepartmentMemberInline]

    def get_inline_instances(self, request, obj=None):
        # Liaisons see a department's name, not who works in it.
        return super().get_inline_instances(request, obj) if request_viewer(request).is_coordinating else []


class DepartmentRecordAdmin(ServiceSaved, RestrictedAdmin):
    """Meetings and initiatives: created and changed through their services by the department's coordinators."""

    create_service = update_service = None
    instance_name = ""
    service_fields: tuple[str, ...] = ()

    def service_save(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        if change:
            changes = {name: fields[name] for name in form.changed_data if name in fields}
            original = type(obj).objects.get(pk=obj.pk)
            return type(self).update_service(actor=request.user, changes=changes, **{self.instance_name: original})
        return type(self).create_service(actor=request.user, department=form.cleaned_data["department"], **fields)

    def get_readonly_fields(self, request, obj=None):
        return ("department",) if obj is not None else ()


@admin.register(Initiative)
class InitiativeAdmin(DepartmentRecordAdmin):
    list_display = ("code", "title_en", "title_ja", "department", "is_active")
    list_filter = ("department", "is_active")
    search_fields = ("code", "title_en", "title_ja")
    fields = ("department", "code", "title_en", "title_ja", "description", "is_active")
    create_service = staticmethod(services.initiative_create)
    update_service = staticmethod(services.initiative_update)
    instance_name = "initiative"
    service_fields = ("code", "title_en", "title_ja", "description", "is_active")


@admin.register(Meeting)
class MeetingAdmin(DepartmentRecordAdmin):
    list_display = ("held_on", "title", "department")
    list_filter = ("department",)
    search_fields = ("title", "notes")
    filter_horizontal = ("agencies",)
    fields = ("department", "title", "held_on", "agencies", "notes")
    create_service = staticmethod(services.meeting_create)
    update_service = staticmethod(services.meeting_update)
    instance_name = "meeting"
    service_fields = ("title", "held_on", "agencies", "notes")


@admin.register(ClosureDay)
class ClosureDayAdmin(RestrictedAdmin):
    list_display = ("date", "name", "created_by")
    fields = ("date", "name")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin, RestrictedModelAdmin):
    list_display = ("component", "last_seen_at", "detail")
