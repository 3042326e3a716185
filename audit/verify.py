"""Verification: walk every sealed table's chain and report where it breaks.

For each table, in chain order: a row whose MAC does not match its fields was changed (or its seal was); a place
missing from the chain is a deleted row; a place taken twice, a row stored before one it follows, or a row with
no seal was inserted outside the application. The newest end is checked against the chain's head in the
database and against every anchor (the heads written outside the database each day), so deleting the newest rows
is caught as well. What it cannot catch: someone holding both the database and AUDIT_KEY can rewrite a chain whole,
and rows written after the newest anchor can be deleted without trace if the head row is rewritten to match."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable

from django.apps import apps
from django.utils import timezone

from .models import AuditChain, AuditCheck, AuditSchema
from .records import SealedRecord
from .sealing import canonical_text, chain_name, keys_known, mac, seal_parts

CHUNK = 5000
# A table with more problems than this is reported with its first ones: the first is what matters.
PROBLEMS_PER_TABLE = 20


@dataclasses.dataclass
class Problem:
    """One break in a chain: which table, what kind, where, and the row's fields as stored now (they tell whom the
    break concerns; a deleted row has none)."""

    chain: str
    kind: str  # changed | deleted | inserted | unknown_key
    seq: int | None
    pk: object = None
    detail: str = ""
    values: dict = dataclasses.field(default_factory=dict)

    def describe(self) -> str:
        where = f"place {self.seq}" if self.seq is not None else "no place"
        row = f", row id {self.pk}" if self.pk is not None else ""
        return f"{self.chain}: {self.kind} at {where}{row}: {self.detail}"

    def as_dict(self) -> dict:
        return {"chain": self.chain, "kind": self.kind, "seq": self.seq, "pk": self.pk, "detail": self.detail}


@dataclasses.dataclass
class Anchor:
    """A chain's head as written outside the database: its length and the MAC of its newest row then."""

    chain: str
    length: int
    mac: str
    source: str


@dataclasses.dataclass
class Report:
    rows: int = 0
    chains: int = 0
    anchors: int = 0
    seconds: float = 0.0
    problems: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sealed_models() -> list:
    """Every sealed table of the project (history tables, their many-to-many histories, the security log)."""
    return sorted(
        (model for model in apps.get_models() if issubclass(model, SealedRecord)), key=lambda model: chain_name(model)
    )


class _ChainWalk:
    """The state of one chain's walk."""

    def __init__(self, model, anchors: list[Anchor], keys: dict[str, bytes]):
        self.model = model
        self.chain = chain_name(model)
        self.anchors = anchors
        self.keys = keys
        self.problems: list[Problem] = []
        self.schemas = {
            version: fields
            for version, fields in AuditSchema.objects.filter(chain=self.chain).values_list("version", "fields")
        }
        self.columns = {field.attname: field for field in model._meta.concrete_fields}
        self.wanted_seqs = {anchor.length for anchor in anchors}
        self.seen_macs: dict[int, str] = {}

    def report(self, kind, seq, pk=None, detail="", values=None):
        if len(self.problems) < PROBLEMS_PER_TABLE:
            self.problems.append(Problem(self.chain, kind, seq, pk, detail, values or {}))

    def walk(self) -> int:
        model = self.model
        head_length = AuditChain.objects.filter(name=self.chain).values_list("length", flat=True).first() or 0
        for pk in model.objects.filter(seal_seq__isnull=True).order_by("pk").values_list("pk", flat=True)[:1]:
            self.report("inserted", None, pk, "a row without a seal: written outside the application")
        fields_needed = sorted({name for fields in self.schemas.values() for name in fields} & set(self.columns))
        gone = sorted({name for fields in self.schemas.values() for name in fields} - set(self.columns))
        if gone:
            self.report("changed", None, None, f"sealed columns no longer in the table: {', '.join(gone)}")
        pk_name = model._meta.pk.attname
        rows = (
            model.objects.filter(seal_seq__isnull=False)
            .order_by("seal_seq", "pk")
            .values_list(pk_name, "seal_seq", "seal", *fields_needed)
        )
        previous_seq, previous_mac, previous_pk, count = 0, "", None, 0
        for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
            extras = model.sealed_extras([row[0] for row in chunk])
            for pk, seq, seal, *values in chunk:
                count += 1
                row = dict(zip(fields_needed, values, strict=True))
                linked = True
                if seq == previous_seq:
                    self.report("inserted", seq, pk, f"a second row at place {seq}", row)
                    continue
                if seq > previous_seq + 1:
                    missing = f"{previous_seq + 1}" if seq == previous_seq + 2 else f"{previous_seq + 1}-{seq - 1}"
                    self.report("deleted", previous_seq + 1, None, f"place {missing} missing from the chain")
                    linked = False  # the MAC before this row is gone: this row's own link cannot be checked
                if previous_pk is not None and pk < previous_pk:
                    self.report("inserted", seq, pk, f"stored before row id {previous_pk}, which it follows", row)
                problem = self._seal_problem(seq, seal, row, extras.get(pk, {}), previous_mac if linked else None)
                if problem:
                    self.report(problem[0], seq, pk, problem[1], row)
                parts = seal_parts(seal)
                previous_seq, previous_mac, previous_pk = seq, parts[2] if parts else "", pk
                if seq in self.wanted_seqs:
                    self.seen_macs[seq] = previous_mac
        if previous_seq < head_length:
            self.report(
                "deleted", previous_seq + 1, None, f"the newest rows, {previous_seq + 1}-{head_length}, are gone"
            )
        for anchor in self.anchors:
            if anchor.length > previous_seq:
                self.report(
                    "deleted",
                    previous_seq + 1,
                    None,
                    f"the chain ends at {previous_seq}, but {anchor.source} saw it {anchor.length} rows long",
                )
            elif anchor.length in self.seen_macs and self.seen_macs[anchor.length] != anchor.mac:
                self.report(
                    "changed",
                    anchor.length,
                    None,
                    f"the row at place {anchor.length} is not the one {anchor.source} saw",
                )
        return count

    def _seal_problem(self, seq, seal, row, extra, previous_mac) -> tuple[str, str] | None:
        parts = seal_parts(seal)
        if parts is None:
            return "changed", "the seal is not one the application writes"
        key_name, version, row_mac = parts
        key = self.keys.get(key_name)
        if key is None:
            return "unknown_key", f"sealed with key {key_name}, which is not AUDIT_KEY or in AUDIT_PREVIOUS_KEYS"
        fields = self.schemas.get(version)
        if fields is None:
            return "changed", f"the seal names field list {version}, which is not on record"
        if previous_mac is None:
            return None
        sealed = [self.columns[name] for name in fields if name in self.columns]
        text = canonical_text(sealed, row, extra)
        if mac(key, self.chain, seq, previous_mac, text) != row_mac:
            return "changed", "its fields (or its seal) are not what was sealed"
        return None


def _chunks(iterable: Iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def audit_verify(*, anchors: Iterable[Anchor] = (), models=None) -> Report:
    """Walk every sealed table (or `models`) against `anchors`; the report lists what broke, first break first."""
    started = time.monotonic()
    report = Report()
    anchors = list(anchors)
    report.anchors = len(anchors)
    keys = keys_known()
    for model in models or sealed_models():
        chain = chain_name(model)
        walk = _ChainWalk(model, [anchor for anchor in anchors if anchor.chain == chain], keys)
        report.rows += walk.walk()
        report.chains += 1
        report.problems.extend(walk.problems)
    report.seconds = time.monotonic() - started
    return report


def audit_check_record(report: Report, *, now=None) -> AuditCheck:
    """Keep the outcome of a verification (the admin's *Record checks* and `/health/` read it)."""
    return AuditCheck.objects.create(
        at=now or timezone.now(),
        ok=report.ok,
        rows=report.rows,
        anchors=report.anchors,
        seconds=round(report.seconds, 3),
        problems=[problem.as_dict() for problem in report.problems],
    )
