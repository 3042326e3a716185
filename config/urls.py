"""Top-level URLs: the admin at /admin/ (no language prefix) and the health page."""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from coordination.views import health

admin.site.site_header = _("Interagency coordination tracker")
admin.site.site_title = _("Coordination tracker")
admin.site.index_title = _("Action items, agencies and liaisons")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
