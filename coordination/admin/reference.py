"""Departments, members, meetings, initiatives, extra closure days and heartbeats."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from coordination import services
from coordination.access import integration_owners
from coordination.models import (
    ClosureDay,
    Department,
    DepartmentMember,
    Heartbeat,
    Initiative,
    IntegrationAccount,
    Meeting,
)

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
    list_display = ("held_on", "title", "department", "read_ahead")
    list_filter = ("department",)
    search_fields = ("title", "title_ja", "notes")
    filter_horizontal = ("agencies",)
    fields = ("department", "title", "title_ja", "held_on", "agencies", "notes")
    create_service = staticmethod(services.meeting_create)
    update_service = staticmethod(services.meeting_update)
    instance_name = "meeting"
    service_fields = ("title", "title_ja", "held_on", "agencies", "notes")

    @admin.display(description=_("read-ahead"))
    def read_ahead(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:report_read_ahead", args=[obj.pk]), _("Read-ahead"))


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


class IntegrationAccountForm(forms.ModelForm):
    """A tool's account: its sign-in name (fixed once created), a display name, whose it is and what it may do."""

    username = forms.CharField(
        label=_("account name"), max_length=150, help_text=_("Letters, digits and @/./+/-/_ only, e.g. mod-sync.")
    )
    display_name = forms.CharField(label=_("display name"), max_length=150, required=False)
    is_active = forms.BooleanField(
        label=_("active"), required=False, initial=True, help_text=_("An inactive account's tokens are refused.")
    )

    class Meta:
        model = IntegrationAccount
        fields = ("department", "agency", "read_only", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            user = self.instance.user
            self.fields["username"].required = False
            self.initial.update(username=user.username, display_name=user.first_name, is_active=user.is_active)


@admin.register(IntegrationAccount)
class IntegrationAccountAdmin(ServiceSaved, RestrictedAdmin):
    """Tools' accounts: created by a department's coordinators for the department, or by a ministry's primary
    liaison for the agency; their tokens are issued on the API token page by the same people."""

    form = IntegrationAccountForm
    list_display = ("user", "display_name", "department", "agency", "read_only", "is_active", "created_by")
    list_filter = ("department", "agency", "read_only")
    search_fields = ("user__username", "user__first_name", "description")
    list_select_related = ("user", "department", "agency", "created_by")

    @admin.display(description=_("display name"))
    def display_name(self, obj):
        return obj.user.first_name

    @admin.display(description=_("active"), boolean=True)
    def is_active(self, obj):
        return obj.user.is_active

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("username", "display_name", "department", "agency", "read_only", "description")
        return ("user", "display_name", "department", "agency", "read_only", "description", "is_active", "created_by")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "department", "agency", "created_by") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name in ("department", "agency"):
            departments, agencies = integration_owners(request_viewer(request))
            field.queryset = field.queryset.filter(pk__in=departments if db_field.name == "department" else agencies)
        return field

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            names = {"display_name", "description", "read_only", "is_active"}
            changes = {name: data.get(name) for name in form.changed_data if name in names}
            original = IntegrationAccount.objects.get(pk=obj.pk)
            return services.integration_account_update(actor=request.user, account=original, changes=changes)
        return services.integration_account_create(
            actor=request.user,
            username=data.get("username", ""),
            display_name=data.get("display_name", ""),
            department=data.get("department"),
            agency=data.get("agency"),
            read_only=data.get("read_only", False),
            description=data.get("description", ""),
        )
