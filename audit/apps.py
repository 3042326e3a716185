from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Record integrity")

    def ready(self):
        from . import signals  # noqa: F401  (seals the rows simple-history writes in bulk)
