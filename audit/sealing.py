"""Sealing rows as they are written: each row's fields in one canonical text, a keyed MAC over that text and the
previous row's MAC, and the chain's newest end moved under a lock so that two writers never take the same place.

The key is `AUDIT_KEY`, held outside the database (an environment setting). Rows sealed with an earlier key keep
verifying while it is listed in `AUDIT_PREVIOUS_KEYS`."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import connections, router
from django.db.models import Case, F, Value, When

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
# A transaction locks it once, before its first chain, and holds it to its end (its `length` moves by one each time
# it is locked: it counts no rows).
ALL_CHAINS = "*"


def _all_chains_held(connection) -> bool:
    """Whether the current transaction has locked ALL_CHAINS and still holds it. Django gives `run_on_commit` a new
    list when a transaction commits or rolls back, when a savepoint is rolled back (which drops the locks taken
    after it) and when the connection closes: the lock is trusted only while the list it was taken under is current."""
    held = getattr(connection, "_audit_all_chains_held", None)
    return (
        held is not None
        and connection.in_atomic_block
        and held[0] is connection.connection
        and held[1] is connection.run_on_commit
    )


def _lock_all_chains(chain_model, using: str) -> None:
    connection = connections[using]
    if _all_chains_held(connection):
        return
    rows = chain_model.objects.using(using).filter(name=ALL_CHAINS)
    if not rows.update(length=F("length") + 1):
        chain_model.objects.using(using).get_or_create(name=ALL_CHAINS)  # the first row ever
        rows.update(length=F("length") + 1)
    _mark_all_chains_held(connection)


def _mark_all_chains_held(connection) -> None:
    if connection.in_atomic_block:
        connection._audit_all_chains_held = (connection.connection, connection.run_on_commit)


@dataclasses.dataclass
class ChainPlace:
    """The places a transaction took in one chain: the place and MAC before its next row, and the field-list
    version its seals name."""

    model: type
    seq: int
    previous: str
    version: int
    left: int


def _advance_returning(
    chain_model, schema_model, using: str, counts: dict[str, int], *, lock_all: bool = False
) -> dict[str, tuple]:
    """Move each named chain's end by its count, in one statement that also returns each chain's new length, its
    head MAC and its newest field list: {name: (length, head_mac, version, fields)}, for the rows that exist.
    Called with ALL_CHAINS held, so the order in which the statement locks the rows cannot deadlock; or, on
    PostgreSQL, with `lock_all`: the same statement locks ALL_CHAINS first (a WITH clause whose row the update
    waits for: a one-time filter on it runs before any chain's row is read), and moves nothing without it."""
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(chain_model._meta.db_table)
    name, length, head = (quote(chain_model._meta.get_field(field).column) for field in ("name", "length", "head_mac"))
    schemas = quote(schema_model._meta.db_table)
    chain, version, fields = (
        quote(schema_model._meta.get_field(field).column) for field in ("chain", "version", "fields")
    )

    def newest(column: str) -> str:
        return f"(SELECT {column} FROM {schemas} WHERE {chain} = {table}.{name} ORDER BY {version} DESC LIMIT 1)"

    names = list(counts)
    prefix, condition, params = "", "", []
    if lock_all:
        prefix = f"WITH all_chains AS (UPDATE {table} SET {length} = {length} + 1 WHERE {name} = %s RETURNING 1) "
        condition, params = " AND EXISTS (SELECT 1 FROM all_chains)", [ALL_CHAINS]
    sql = (
        f"{prefix}"
        f"UPDATE {table} SET {length} = {length} + CASE {name} {' '.join(['WHEN %s THEN %s'] * len(names))} END "
        f"WHERE {name} IN ({', '.join(['%s'] * len(names))}){condition} "
        f"RETURNING {name}, {length}, {head}, {newest(version)}, {newest(fields)}"
    )
    params += [value for each in names for value in (each, counts[each])] + names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _field_list(value) -> list | None:
    """A stored field list as a raw query returns it (JSON text, or already decoded)."""
    if value is None or isinstance(value, list):
        return value
    return json.loads(value)


def chains_advance(
    counts: dict, *, using: str | None = None, chain_model=AuditChain, schema_model=AuditSchema
) -> dict[type, ChainPlace]:
    """Take the next places of several sealed tables' chains at once ({model: how many rows}): ALL_CHAINS locked
    first (once per transaction), then every chain moved and read in one statement. The caller seals its rows into
    the places (`seal_into`), writes them, then writes the heads (`heads_write`), all in its transaction, which
    keeps the locks until it ends. On PostgreSQL the lock and the move are one statement."""
    counts = {model: count for model, count in counts.items() if count}
    if not counts:
        return {}
    using = using or router.db_for_write(next(iter(counts)))
    connection = connections[using]
    by_name = {chain_name(model): count for model, count in counts.items()}
    found = {}
    if connection.vendor == "postgresql" and not _all_chains_held(connection):
        found = _advance_returning(chain_model, schema_model, using, by_name, lock_all=True)
        if found:
            _mark_all_chains_held(connection)
    if not found:  # ALL_CHAINS held already, SQLite, or the first rows ever of ALL_CHAINS or of these tables
        _lock_all_chains(chain_model, using)
        found = _advance_returning(chain_model, schema_model, using, by_name)
    missing = {name: count for name, count in by_name.items() if name not in found}
    if missing:  # the first rows ever of these tables
        for name in missing:
            chain_model.objects.using(using).get_or_create(name=name)
        found.update(_advance_returning(chain_model, schema_model, using, missing))
    places = {}
    for model, count in counts.items():
        name = chain_name(model)
        length, head_mac, newest_version, newest_fields = found[name]
        attnames = [field.attname for field in sealed_fields(model)]
        if newest_version is None or _field_list(newest_fields) != attnames:
            newest_version = _schema_version(name, attnames, using, schema_model)
        places[model] = ChainPlace(model, length - count, head_mac, newest_version, count)
    return places


def seal_into(place: ChainPlace, rows, *, extras=None) -> None:
    """Seal `rows` (unsaved instances of the place's model, to be written in this order) into the next places taken.
    `extras` gives what each seal covers beyond the columns (default: each row's `sealed_extra()`)."""
    if len(rows) > place.left:
        raise ValueError(f"{len(rows)} rows to seal into {place.left} places of {chain_name(place.model)}")
    chain = chain_name(place.model)
    fields = sealed_fields(place.model)
    attnames = [field.attname for field in fields]
    key = settings.AUDIT_KEY
    name = key_id(key)
    for index, row in enumerate(rows):
        place.seq += 1
        extra = extras[index] if extras is not None else row.sealed_extra()
        text = canonical_text(fields, {attname: getattr(row, attname) for attname in attnames}, extra)
        place.previous = mac(key.encode(), chain, place.seq, place.previous, text)
        row.seal_seq = place.seq
        row.seal = seal_text(name, place.version, place.previous)
    place.left -= len(rows)


def heads_write(places, *, using: str | None = None, chain_model=AuditChain) -> None:
    """Write each chain's new head MAC, in one statement; every place taken must have been sealed into."""
    places = list(places)
    if not places:
        return
    unsealed = [chain_name(place.model) for place in places if place.left]
    if unsealed:
        raise ValueError(f"places taken but not sealed in {', '.join(unsealed)}")
    using = using or router.db_for_write(places[0].model)
    heads = {chain_name(place.model): place.previous for place in places}
    rows = chain_model.objects.using(using).filter(name__in=list(heads))
    if len(heads) == 1:
        rows.update(head_mac=next(iter(heads.values())))
    else:
        rows.update(head_mac=Case(*(When(name=name, then=Value(head)) for name, head in heads.items())))


def seal_rows(model, rows, *, extras=None, using=None, chain_model=AuditChain, schema_model=AuditSchema) -> None:
    """Seal `rows` (unsaved instances of `model`, to be written in this order in the current transaction).
    `extras` gives what each seal covers beyond the columns (default: each row's `sealed_extra()`)."""
    if not rows:
        return
    using = using or router.db_for_write(model)
    place = chains_advance({model: len(rows)}, using=using, chain_model=chain_model, schema_model=schema_model)[model]
    seal_into(place, rows, extras=extras)
    heads_write([place], using=using, chain_model=chain_model)
