"""Top-level URLs: the admin at /admin/ (no language prefix) and the health page."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from coordination.views import health
from users.views import language_set

admin.site.site_header = _("Interagency coordination tracker")
admin.site.site_title = _("Coordination tracker")
admin.site.index_title = _("Action items, agencies and liaisons")
admin.site.site_url = None  # the site is the admin: no "View site" link

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("coordination.api.urls")),
    path("health/", health, name="health"),
    path("language/", language_set, name="language_set"),
]

handler404 = "coordination.api.errors.not_found"
handler500 = "coordination.api.errors.server_error"
