"""Records the system keeps about itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a background component (Celery beat, a Celery worker) was last seen running."""

    class Component(models.TextChoices):
        BEAT = "beat", _("Celery beat")
        WORKER = "worker", _("Celery worker")

    component = models.CharField(_("component"), max_length=16, choices=Component.choices, unique=True)
    last_seen_at = models.DateTimeField(_("last seen at"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["component"]

    def __str__(self) -> str:
        return f"{self.component} {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
