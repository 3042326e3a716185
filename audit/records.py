"""The base of every sealed table: history rows (simple-history's `bases`) and security events."""

from __future__ import annotations

from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import utils as history_utils
from simple_history.models import HistoricalRecords
from simple_history.signals import (
    post_create_historical_m2m_records,
    post_create_historical_record,
    pre_create_historical_record,
)

from .sealing import chains_advance, heads_write, seal_into, seal_rows


class SealedRecord(models.Model):
    """Abstract base of a record that is written once, sealed as it is written, and never changed."""

    seal_seq = models.BigIntegerField(_("place in the record's chain"), null=True, editable=False, db_index=True)
    seal = models.CharField(_("seal"), max_length=100, blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} rows are a record: they are written once and never changed.")
        # The chain moves only if the row is written: a failure rolls back the enclosing transaction (or savepoint),
        # chain and all. No savepoint of its own: a write's history costs no SAVEPOINT and RELEASE round trips.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            seal_rows(type(self), [self])
            super().save(*args, **kwargs)

    def insert_sealed(self, *, using=None) -> None:
        """Write a row its caller has sealed already (`SealedHistoricalRecords`), in the caller's transaction."""
        if not self._state.adding or not self.seal:
            raise TypeError(f"Only a new, sealed {self._meta.label} row is written this way.")
        super().save(using=using)

    def sealed_extra(self) -> dict:
        """What the seal covers beyond the row's own columns (e.g. the rows of a many-to-many set at once)."""
        return {}

    @classmethod
    def sealed_extras(cls, pks) -> dict:
        """`sealed_extra` of the stored rows with these primary keys, read in one go for verification."""
        return {}


class SealedHistoricalRecords(HistoricalRecords):
    """simple-history's `HistoricalRecords`, writing a history row and the rows of its many-to-many histories (the
    set as it is after the change) sealed together: their chains locked, moved and read in one statement, and their
    heads written in one, whatever the number of tables."""

    def create_historical_record(self, instance, history_type, using=None):
        # simple-history 3.13's own method, with its rows sealed together (and the set read as plain values).
        using = using if self.use_base_model_db else None
        history_date = getattr(instance, "_history_date", timezone.now())
        history_user = self.get_history_user(instance)
        history_change_reason = self.get_change_reason_for_object(instance, history_type, using)
        manager = getattr(instance, self.manager_name)
        history_model = manager.model
        attrs = {field.attname: getattr(instance, field.attname) for field in self.fields_included(instance)}
        if getattr(history_model, "history_relation", None) is not None:
            attrs["history_relation"] = instance
        history_instance = history_model(
            history_date=history_date,
            history_type=history_type,
            history_user=history_user,
            history_change_reason=history_change_reason,
            **attrs,
        )
        pre_create_historical_record.send(
            sender=history_model,
            instance=instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            history_instance=history_instance,
            using=using,
        )
        sets = [(field, self._m2m_set(field, instance, using)) for field in history_model._history_m2m_fields]
        write_to = using or router.db_for_write(history_model)
        with transaction.atomic(using=write_to, savepoint=False):  # the chains move only if every row is written
            places = chains_advance(
                {history_model: 1, **{self.m2m_models[field]: len(values) for field, values in sets}}, using=write_to
            )
            seal_into(places[history_model], [history_instance])
            history_instance.insert_sealed(using=using)
            for field, values in sets:
                m2m_history_model = self.m2m_models[field]
                rows = [m2m_history_model(history=history_instance, **row) for row in values]
                if rows:
                    seal_into(places[m2m_history_model], rows)
                    rows = m2m_history_model.objects.using(write_to).bulk_create(rows)
                post_create_historical_m2m_records.send(
                    sender=m2m_history_model,
                    created_rows=rows,
                    history_instance=history_instance,
                    instance=instance,
                    field=field,
                )
            heads_write(places.values(), using=write_to)
        post_create_historical_record.send(
            sender=history_model,
            instance=instance,
            history_instance=history_instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            using=using,
        )

    @staticmethod
    def _m2m_set(field, instance, using) -> list[dict]:
        """The rows of the many-to-many set of `instance` now, as the through table's column values."""
        through = field.remote_field.through
        columns = [column.attname for column in through._meta.fields]
        rows = through._default_manager.using(using or router.db_for_read(through))
        return list(rows.filter(**{history_utils.get_m2m_field_name(field): instance}).order_by("pk").values(*columns))


def SealedHistory(**options) -> HistoricalRecords:  # noqa: N802  (reads as the field class it stands for)
    """simple-history's `HistoricalRecords` whose rows, and the rows of its many-to-many histories, are sealed."""
    return SealedHistoricalRecords(bases=[SealedRecord], m2m_bases=[SealedRecord], **options)
