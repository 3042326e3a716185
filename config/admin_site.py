"""The admin site: its door lets in an active staff account with a current role (an ended liaison term opens
nothing), and never an integration account, which has tokens only."""

from django.contrib import admin

from coordination.selectors import request_viewer


class TrackerAdminSite(admin.AdminSite):
    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff) or getattr(user, "is_integration", False):
            return False
        return request_viewer(request).has_any_role
