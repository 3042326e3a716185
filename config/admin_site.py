"""The admin site: its door lets in an active staff account with a current role (an ended liaison term opens
nothing), and never an integration account, which has tokens only.

The console's own pages (the dashboard and liaison home that replace the index, the review queue) are added by
`coordination.admin.console` through `add_page` and `home`, as model admins are added through `register`.
"""

from django.contrib import admin
from django.urls import path

from coordination.selectors import request_viewer


class TrackerAdminSite(admin.AdminSite):
    # The item list needs the width; the home page and the breadcrumbs lead everywhere the sidebar did.
    enable_nav_sidebar = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.home = None  # a view (site, request, extra_context) shown as the index, or None for Django's own
        self._pages = []

    def add_page(self, route: str, view, name: str) -> None:
        """Serve `view(site, request)` at `route` under the admin, behind the admin's door."""
        self._pages.append((route, view, name))

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff) or getattr(user, "is_integration", False):
            return False
        return request_viewer(request).has_any_role

    def index(self, request, extra_context=None):
        if self.home is not None:
            return self.home(self, request, extra_context)
        return super().index(request, extra_context)

    def get_urls(self):
        pages = [
            path(route, self.admin_view(lambda request, view=view, **kwargs: view(self, request, **kwargs)), name=name)
            for route, view, name in self._pages
        ]
        return [*pages, *super().get_urls()]
