"""Top-level URLs: the admin at /admin/ (no language prefix) and the health page."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from coordination.views import health
from users import views as account_views
from users.views import language_set

admin.site.site_header = _("Interagency coordination tracker")
admin.site.site_title = _("Coordination tracker")
admin.site.index_title = _("Action items, agencies and liaisons")
admin.site.site_url = None  # the site is the admin: no "View site" link

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Password reset by email (the admin's sign-in page links here when the first name exists).
    path("admin/password_reset/", account_views.ResetRequestView.as_view(), name="admin_password_reset"),
    path("admin/password_reset/done/", account_views.ResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", account_views.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", account_views.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("api/", include("coordination.api.urls")),
    path("health/", health, name="health"),
    path("language/", language_set, name="language_set"),
]

handler404 = "coordination.api.errors.not_found"
handler500 = "coordination.api.errors.server_error"
