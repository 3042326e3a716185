"""The base of every sealed table: history rows (simple-history's `bases`) and security events."""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .sealing import seal_rows


class SealedRecord(models.Model):
    """Abstract base of a record that is written once, sealed as it is written, and never changed."""

    seal_seq = models.BigIntegerField(_("place in the record's chain"), null=True, editable=False, db_index=True)
    seal = models.CharField(_("seal"), max_length=100, blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} rows are a record: they are written once and never changed.")
        with transaction.atomic(using=kwargs.get("using")):  # the chain moves only if the row is written
            seal_rows(type(self), [self])
            super().save(*args, **kwargs)

    def sealed_extra(self) -> dict:
        """What the seal covers beyond the row's own columns (e.g. the rows of a many-to-many set at once)."""
        return {}

    @classmethod
    def sealed_extras(cls, pks) -> dict:
        """`sealed_extra` of the stored rows with these primary keys, read in one go for verification."""
        return {}


def SealedHistory(**options) -> HistoricalRecords:  # noqa: N802  (reads as the field class it stands for)
    """simple-history's `HistoricalRecords` whose rows, and the rows of its many-to-many histories, are sealed."""
    return HistoricalRecords(bases=[SealedRecord], m2m_bases=[SealedRecord], **options)
