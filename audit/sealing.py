"""Sealing rows as they are written: each row's fields in one canonical text, a keyed MAC over that text and the
previous row's MAC, and the chain's newest end moved under a lock so that two writers never take the same place.

The key is `AUDIT_KEY`, held outside the database (an environment setting). Rows sealed with an earlier key keep
verifying while it is listed in `AUDIT_PREVIOUS_KEYS`."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import router
from django.db.models import F

from .models import AuditChain, AuditSchema

NOT_SEALED = ("seal_seq", "seal")


def chain_name(model) -> str:
    """A sealed table's chain is named after its model (`coordination.historicalactionitem`)."""
    return model._meta.label_lower


def sealed_fields(model) -> list:
    """The columns a new seal covers: every stored field but the primary key and the seal itself."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key and field.name not in NOT_SEALED]
    return sorted(fields, key=lambda field: field.attname)


def key_id(key: str) -> str:
    """A short name for a key, written in each seal (never the key itself)."""
    return hashlib.sha256(f"tracker-audit-key:{key}".encode()).hexdigest()[:8]


def keys_known() -> dict[str, bytes]:
    """Every key a seal may have been made with, by its short name: the current one and the earlier ones."""
    keys = [settings.AUDIT_KEY, *settings.AUDIT_PREVIOUS_KEYS]
    return {key_id(key): key.encode() for key in keys if key}


def canonical_value(field, value):
    """One value as the seal sees it, the same whether it comes from a model instance or from the database."""
    if value is None:
        return None
    value = field.to_python(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = getattr(field, "decimal_places", None)
        return str(value.quantize(Decimal(1).scaleb(-places)) if places is not None else value.normalize())
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def canonical_text(fields, values: dict, extra: dict) -> str:
    """The text a seal covers: field name -> canonical value, plus `extra`, as sorted compact JSON."""
    content = {field.attname: canonical_value(field, values[field.attname]) for field in fields}
    content.update(extra)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def mac(key: bytes, chain: str, seq: int, previous: str, text: str) -> str:
    """The MAC of the row at place `seq` of `chain`, bound to the MAC of the row before it."""
    message = "\n".join([chain, str(seq), previous, text]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_text(key_name: str, version: int, row_mac: str) -> str:
    return f"{key_name}:{version}:{row_mac}"


def seal_parts(seal: str) -> tuple[str, int, str] | None:
    """(key name, field-list version, MAC) of a stored seal, or None when it is not one."""
    parts = (seal or "").split(":")
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
        return None
    return parts[0], int(parts[1]), parts[2]


def _schema_version(chain: str, attnames: list[str], using: str, schema_model) -> int:
    """The version of this field list for the chain, added when the table has changed (under the chain's lock)."""
    versions = dict(schema_model.objects.using(using).filter(chain=chain).values_list("version", "fields"))
    for version, fields in versions.items():
        if fields == attnames:
            return version
    version = max(versions, default=0) + 1
    schema_model.objects.using(using).create(chain=chain, version=version, fields=attnames)
    return version


# One row every sealing transaction locks first, whatever tables it then writes: two transactions writing history
# of the same two tables in opposite orders would otherwise each hold one table's chain and wait for the other's.
ALL_CHAINS = "*"


def _advance(chain_model, using: str, name: str, count: int):
    rows = chain_model.objects.using(using).filter(name=name)
    if not rows.update(length=F("length") + count):
        chain_model.objects.using(using).get_or_create(name=name)  # the first row ever
        rows.update(length=F("length") + count)
    return rows


def chain_advance(model, count: int, *, using: str | None = None, chain_model=AuditChain):
    """Take the next `count` places of the model's chain; returns (the place before them, the MAC there). Each
    UPDATE comes before anything is read, so the lock is held first (on SQLite too); the caller's transaction keeps
    the locks until its rows are written."""
    using = using or router.db_for_write(model)
    _advance(chain_model, using, ALL_CHAINS, count)
    length, head_mac = _advance(chain_model, using, chain_name(model), count).values_list("length", "head_mac").get()
    return length - count, head_mac


def seal_rows(model, rows, *, extras=None, using=None, chain_model=AuditChain, schema_model=AuditSchema) -> None:
    """Seal `rows` (unsaved instances of `model`, to be written in this order in the current transaction).
    `extras` gives what each seal covers beyond the columns (default: each row's `sealed_extra()`)."""
    if not rows:
        return
    using = using or router.db_for_write(model)
    chain = chain_name(model)
    fields = sealed_fields(model)
    attnames = [field.attname for field in fields]
    seq, previous = chain_advance(model, len(rows), using=using, chain_model=chain_model)
    version = _schema_version(chain, attnames, using, schema_model)
    key = settings.AUDIT_KEY
    name = key_id(key)
    for index, row in enumerate(rows):
        seq += 1
        extra = extras[index] if extras is not None else row.sealed_extra()
        text = canonical_text(fields, {attname: getattr(row, attname) for attname in attnames}, extra)
        previous = mac(key.encode(), chain, seq, previous, text)
        row.seal_seq = seq
        row.seal = seal_text(name, version, previous)
    chain_model.objects.using(using).filter(name=chain).update(head_mac=previous)
