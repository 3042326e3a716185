"""Tamper evidence: every history row and security event is sealed with a keyed MAC chained to the row before it.

A sealed table is one chain. Each row carries its place in the chain (`seal_seq`) and its seal: which key made it,
which list of fields it covers, and the HMAC over those fields' values and the previous row's MAC. Changing,
deleting or slipping in a row breaks the chain where it happened (`audit.verify`); deleting the newest rows is
caught against the chain heads kept outside the database (`audit.anchors`). Sealed models derive from
`audit.records.SealedRecord`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditChain(models.Model):
    """The newest end of one sealed table's chain: how many rows it holds and the last row's MAC. Writers lock it
    to take the next place; verification trusts it no more than the rows (the anchors outside are the witness)."""

    name = models.CharField(_("table"), max_length=150, unique=True)
    length = models.BigIntegerField(_("rows sealed"), default=0)
    head_mac = models.CharField(_("newest MAC"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("record chain")
        verbose_name_plural = _("record chains")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.length})"


class AuditSchema(models.Model):
    """A list of fields a table's seals covered from some row on (a field added later is not in the older seals)."""

    chain = models.CharField(_("table"), max_length=150)
    version = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(_("fields"))

    class Meta:
        verbose_name = _("sealed field list")
        verbose_name_plural = _("sealed field lists")
        constraints = [models.UniqueConstraint(fields=["chain", "version"], name="audit_schema_one_per_version")]

    def __str__(self) -> str:
        return f"{self.chain} v{self.version}"


class AuditCheck(models.Model):
    """One verification of every chain: when, how many rows, and what it found."""

    at = models.DateTimeField(_("at (UTC)"))
    ok = models.BooleanField(_("intact"))
    rows = models.BigIntegerField(_("rows checked"))
    anchors = models.PositiveIntegerField(_("anchors checked"))
    seconds = models.FloatField(_("seconds taken"))
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        verbose_name = _("record check")
        verbose_name_plural = _("record checks")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'intact' if self.ok else 'BROKEN'}"
