"""Records the system keeps about itself."""

from django.conf import settings
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


class BeatLease(models.Model):
    """Which Celery beat may send the schedule: one row, held by one beat at a time and renewed while it runs, so
    that a second beat started by mistake (or a standby) sends nothing until the holder stops or dies."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    holder = models.CharField(_("held by"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("beat lease")
        verbose_name_plural = _("beat leases")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(models.Model):
    """The first answer to an API POST sent with an Idempotency-Key, replayed when the same request is retried."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    key = models.CharField(_("idempotency key"), max_length=200)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the transaction of the change that calls for it and published by the
    relay (`coordination.queue`): no web request waits on the broker, and nothing queued is lost while it is down."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    claimed_until = models.DateTimeField(
        _("being published until"),
        null=True,
        blank=True,
        help_text=_("A relay publishing it holds it until then; after that another relay may."),
    )
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    request_id = models.CharField(
        _("request id"), max_length=100, blank=True, help_text=_("The request that called for it, carried to the task.")
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
