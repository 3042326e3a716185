"""`manage.py benchmark_audit`: time `verify_audit` over the sealed history of many action items (100,000 by
default) in a scratch database of its own, and write the figures to docs/benchmarks/verify_audit.json.

The scratch database is made on the same server as DATABASE_URL (a new PostgreSQL database) or as a temporary
SQLite file, filled and verified by child processes, then dropped: the configured database is never touched. The
history is the demo's (seed_demo, every status and record type), its rows copied with new item ids until there
are as many items as asked, each copy sealed in chain order as the application seals."""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max

from audit.sealing import seal_rows
from audit.verify import audit_verify, sealed_models
from coordination.benchmark.children import manage_py
from coordination.models import ActionItem
from coordination.scratch_database import is_postgres, scratch_database
from users.models import SecurityEvent

DEMO_DAY = "2026-11-24"


def _copy_fields(model) -> tuple[list, list[str]]:
    """The columns a copy takes over, and those naming an action item (shifted to the copy's items)."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in ("seal_seq", "seal")
    ]
    shifted = [field.attname for field in fields if getattr(field, "related_model", None) is ActionItem]
    if getattr(model, "instance_type", None) is ActionItem:
        shifted.append("id")  # the item's own id, kept by its history rows
    return fields, shifted


class Command(BaseCommand):
    help = (
        "Time verify_audit over the history of --items action items in a scratch database of its own (the "
        "configured database is not touched) and write the figures to docs/benchmarks/verify_audit.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=100_000, help="How many items' history (default 100000).")
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "docs" / "benchmarks" / "verify_audit.json"),
            help="The figures file; the entry for this database engine and item count is replaced.",
        )
        parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, items, output, fill, verify, **options):
        if items < 1:
            raise CommandError("--items must be at least 1.")
        if fill:
            self._fill(items)
        elif verify:
            report = audit_verify()
            self.stdout.write(json.dumps({"rows": report.rows, "seconds": report.seconds, "ok": report.ok}))
        else:
            self._run(items, Path(output))

    # --- In the scratch database (child processes) ------------------------------------------------------------------

    def _fill(self, items: int) -> None:
        if ActionItem.objects.exists():
            raise CommandError("--fill works on an empty scratch database only.")
        started = time.monotonic()
        call_command("seed_demo", today=DEMO_DAY, stdout=open(os.devnull, "w"))  # noqa: SIM115
        demo_items = ActionItem.objects.count()
        copies = math.ceil(items / demo_items) - 1
        offset = (ActionItem.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        for model in sealed_models():
            if model is SecurityEvent:
                continue  # the benchmark is about the items' history; the demo's own security events stay
            fields, shifted = _copy_fields(model)
            template = list(model.objects.order_by("seal_seq").values_list(*[field.attname for field in fields]))
            for copy in range(1, copies + 1):
                rows = []
                for values in template:
                    row = model(**dict(zip([field.attname for field in fields], values, strict=True)))
                    for name in shifted:
                        if getattr(row, name) is not None:
                            setattr(row, name, getattr(row, name) + copy * offset)
                    rows.append(row)
                with transaction.atomic():
                    seal_rows(model, rows)
                    model.objects.bulk_create(rows, batch_size=2000)
        rows = sum(model.objects.count() for model in sealed_models())
        figures = {"items": demo_items * (copies + 1), "rows": rows, "fill_seconds": time.monotonic() - started}
        self.stdout.write(json.dumps(figures))

    # --- The parent: scratch database, children, figures -----------------------------------------------------------

    def _run(self, items: int, output: Path) -> None:
        folder = Path(tempfile.mkdtemp(prefix="benchmark-audit-"))
        engine = connection.vendor
        scratch_url, drop = self._scratch_database(folder)
        env = {**os.environ, "DATABASE_URL": scratch_url, "CELERY_BROKER_DIR": str(folder / "broker")}
        env.pop("REDIS_URL", None)  # nothing is queued for real: the scratch database's tasks go nowhere
        try:
            self.stdout.write(f"Filling a scratch {engine} database with {items} items' history…")
            self._child(env, "migrate", "--noinput", "-v0")
            filled = json.loads(self._child(env, "benchmark_audit", "--fill", "--items", str(items)))
            self.stdout.write(f"{filled['rows']} sealed rows for {filled['items']} items; verifying…")
            verified = json.loads(self._child(env, "benchmark_audit", "--verify"))
        finally:
            drop()
        if not verified["ok"]:
            raise CommandError("The freshly filled scratch database did not verify: the benchmark is void.")
        entry = {
            "database": engine,
            "items": filled["items"],
            "sealed_rows": verified["rows"],
            "verify_seconds": round(verified["seconds"], 1),
            "rows_per_second": round(verified["rows"] / verified["seconds"]),
            "fill_seconds": round(filled["fill_seconds"], 1),
            "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        document = json.loads(output.read_text()) if output.exists() else {"verify_audit": []}
        document["verify_audit"] = [
            row for row in document["verify_audit"] if (row["database"], row["items"]) != (engine, entry["items"])
        ] + [entry]
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        self.stdout.write(
            f"verify_audit: {entry['sealed_rows']} rows ({entry['items']} items) in {entry['verify_seconds']} s on "
            f"{engine}, {entry['rows_per_second']} rows/s; written to {output}"
        )

    def _child(self, env, *arguments) -> str:
        return manage_py(env, *arguments)

    def _scratch_database(self, folder: Path):
        name = f"tracker_benchmark_{uuid.uuid4().hex[:8]}"
        if connection.vendor == "postgresql":
            current = os.environ.get("DATABASE_URL", "")
            if not is_postgres(current):
                raise CommandError("On PostgreSQL, DATABASE_URL names the server the scratch database is made on.")
            return scratch_database(current, name, folder)
        if connection.vendor != "sqlite":
            raise CommandError(f"Benchmarks run on PostgreSQL or SQLite, not {connection.vendor}.")
        return scratch_database("sqlite://", name, folder)
