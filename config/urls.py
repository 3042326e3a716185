"""Top-level URLs: the admin at /admin/ (no language prefix) and the health page."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from coordination.views import health

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
