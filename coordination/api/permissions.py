"""Who may use the API at all; what each person may do to an item is decided by the services and workflow."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from coordination.calendar import japan_today
from coordination.selectors import viewer_for
from coordination.workflow import Viewer


def request_viewer(request) -> Viewer:
    """The requesting user's roles, computed once per request (token authentication already computed them)."""
    viewer = getattr(request, "_tracker_viewer", None)
    if viewer is None:
        viewer = getattr(request.user, "tracker_viewer", None) or viewer_for(request.user, today=japan_today())
        request._tracker_viewer = viewer
    return viewer


class HasCurrentRole(BasePermission):
    """Signed in, and currently a coordinator, a director or a liaison in office (or a superuser)."""

    message = _("Your account has no current role in the tracker (a liaison term may have ended).")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request_viewer(request).has_any_role
