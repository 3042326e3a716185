"""Who may use the API at all; what each person may do to an item is decided by the services and workflow."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from coordination.access import restrict
from coordination.selectors import request_viewer


class HasCurrentRole(BasePermission):
    """Signed in, and currently a coordinator, a director or a liaison in office (or a superuser)."""

    message = _("Your account has no current role in the tracker (a liaison term may have ended).")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        viewer = request_viewer(request)
        if viewer.read_only and request.method not in SAFE_METHODS:
            self.message = _("This token or account is read-only: it reads and changes nothing.")
            return False
        return viewer.has_any_role


class RestrictedQuerysetMixin:
    """Every list, detail and action of a viewset reads only what `access.restrict` lets the requester see."""

    def get_queryset(self):
        rows = super().get_queryset()
        return rows & restrict(rows.model, request_viewer(self.request))
