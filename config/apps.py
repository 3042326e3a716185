"""Django's admin, with the tracker's own site (`config.admin_site`) as `admin.site`."""

from django.contrib.admin.apps import AdminConfig


class TrackerAdminConfig(AdminConfig):
    default_site = "config.admin_site.TrackerAdminSite"
