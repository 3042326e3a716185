"""Role-aware building blocks shared by the admin pages."""

from __future__ import annotations

from coordination.calendar import japan_today
from coordination.selectors import viewer_for
from coordination.workflow import Viewer


def request_viewer(request) -> Viewer:
    """The request user's roles context, computed once per request."""
    viewer = getattr(request, "_tracker_viewer", None)
    if viewer is None:
        viewer = viewer_for(request.user, today=japan_today())
        request._tracker_viewer = viewer
    return viewer


class CoordinatorManagedAdmin:
    """Reference data: coordinators and directors (and superusers) manage it; other staff may look; no deletes."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, *args):
        return request_viewer(request).is_coordinating

    def has_change_permission(self, request, obj=None):
        return request_viewer(request).is_coordinating

    def has_delete_permission(self, request, obj=None):
        # Nothing people worked on is deleted: deactivate or end it instead.
        return False


class ReadOnlyAdmin:
    """Records the system keeps (heartbeats, the reminder ledger): shown to those allowed, never edited by hand."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DepartmentCoordinatorsAdmin:
    """Settings of a department (its reminder policy, its webhooks): its coordinators and director manage them,
    and see no other department's; nothing is deleted."""

    def _departments(self, request) -> frozenset[int]:
        viewer = request_viewer(request)
        return viewer.coordinator_department_ids | viewer.director_department_ids

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(self._departments(request))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return request.user.is_superuser or obj.department_id in self._departments(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("department")
        return rows if request.user.is_superuser else rows.filter(department_id__in=self._departments(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "department" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(pk__in=self._departments(request))
        return field
