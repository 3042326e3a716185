"""Anchors: each sealed table's newest end, written outside the database once a day (a file under
`AUDIT_ANCHOR_DIR`, and the same file emailed to the superusers), so that deleting the newest rows, and with them
the chain's head in the database, is still caught by `verify_audit`."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .sealing import chain_name, key_id, seal_parts
from .verify import Anchor, sealed_models

PREFIX = "audit-anchor-"


def chain_heads() -> dict[str, dict]:
    """Each sealed table's newest row, as stored: {chain: {"length": its place, "mac": its MAC}}."""
    heads = {}
    for model in sealed_models():
        newest = model.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").values_list("seal_seq", "seal")
        for seq, seal in newest[:1]:
            parts = seal_parts(seal)
            heads[chain_name(model)] = {"length": seq, "mac": parts[2] if parts else ""}
    return heads


def anchor_document(*, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "written_at": now.astimezone(datetime.UTC).isoformat(),
        "key": key_id(settings.AUDIT_KEY),
        "chains": chain_heads(),
    }


def anchor_write(*, now: datetime.datetime | None = None, folder: Path | None = None) -> tuple[Path, dict]:
    """Write today's anchor file (never over an earlier one) and return its path and content."""
    document = anchor_document(now=now)
    folder = Path(folder or settings.AUDIT_ANCHOR_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.fromisoformat(document["written_at"]).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{PREFIX}{stamp}.json"
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    with open(path, "x", encoding="utf-8") as file:  # "x": an anchor is never overwritten
        file.write(text)
    os.chmod(path, 0o440)
    return path, document


def anchors_read(sources) -> tuple[list[Anchor], list[str]]:
    """The anchors in these files and folders (a folder: every anchor file in it); and what could not be read."""
    anchors, unreadable = [], []
    for source in sources:
        source = Path(source)
        files = sorted(source.glob(f"{PREFIX}*.json")) if source.is_dir() else [source]
        for path in files:
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                for chain, head in document["chains"].items():
                    anchors.append(Anchor(chain, int(head["length"]), str(head["mac"]), path.name))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                unreadable.append(f"{path}: {error}")
    return anchors, unreadable
