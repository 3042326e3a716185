"""simple-history writes the rows of a many-to-many history with `bulk_create`, which calls no `save()`: they are
sealed here, in the order they will be written, just before."""

from simple_history.signals import pre_create_historical_m2m_records

from .records import SealedRecord
from .sealing import seal_rows


def seal_m2m_history(sender, rows, **kwargs):
    if issubclass(sender, SealedRecord):
        seal_rows(sender, rows)


pre_create_historical_m2m_records.connect(seal_m2m_history, dispatch_uid="audit_seal_m2m_history")
