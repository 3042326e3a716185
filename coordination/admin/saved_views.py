"""Saved views of the item list: filters people name and reuse, personal or shared with their department.
The rule for who sees and removes a view is `access.SavedViewRule`; the writes are `services.saved_view_*`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _

from coordination import services
from coordination.access import may_add, restrict
from coordination.models import Department, SavedView

from .base import request_viewer


class SavedViews:
    """Model admin behaviour: the changelist lists the saved views and saves the current filters as one."""

    def saved_view_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        return [
            path("views/save/", self.admin_site.admin_view(self.saved_view_save), name="{}_{}_view_save".format(*info)),
            path(
                "views/<int:view_id>/remove/",
                self.admin_site.admin_view(self.saved_view_remove),
                name="{}_{}_view_remove".format(*info),
            ),
        ]

    def changelist_view(self, request, extra_context=None):
        viewer = request_viewer(request)
        query = request.GET.copy()
        for name in ("e", "p"):  # an error marker and the page are not part of a view
            query.pop(name, None)
        views = restrict(SavedView, viewer).select_related("shared_with", "owner").order_by("name", "pk")
        context = {
            "saved_views": [
                {"view": view, "url": f"?{view.query}" if view.query else "?", "mine": view.owner_id == request.user.pk}
                for view in views
            ],
            "saved_view_query": query.urlencode(),
            "saved_view_departments": Department.objects.filter(
                pk__in=viewer.coordinator_department_ids | viewer.director_department_ids
            ),
            "may_save_views": may_add(SavedView, viewer),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def _back_to_list(self, query: str = ""):
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return HttpResponseRedirect(f"{url}?{query}" if query else url)

    def saved_view_save(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        query = request.POST.get("query", "")
        department_id = request.POST.get("shared_with") or None
        shared_with = Department.objects.filter(pk=department_id).first() if department_id else None
        try:
            if department_id and shared_with is None:
                raise ValidationError(_("No such department."))
            if not request.POST.get("name", "").strip():
                raise ValidationError(_("Give the view a name."))
            view = services.saved_view_save(
                actor=request.user, name=request.POST["name"], query=query, shared_with=shared_with
            )
        except (ValidationError, PermissionDenied) as error:
            reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, _("The view was not saved: %(reason)s") % {"reason": reason})
        else:
            messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
        return self._back_to_list(query)

    def saved_view_remove(self, request, view_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        view = get_object_or_404(restrict(SavedView, request_viewer(request)), pk=view_id)
        try:
            services.saved_view_remove(actor=request.user, view=view)
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Removed the view “%(name)s”.") % {"name": view.name})
        return self._back_to_list()
