"""A backup restores to the same data, with the commands docs/deploy.md gives: on the services leg pg_dump's custom
format restored by pg_restore into a new, empty database, on the embedded leg SQLite's online backup; in both, the
media files by tar. Every table is compared row for row, and the restored site still opens the attachment."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.e2e.conftest import child_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]

ADD_ATTACHMENT = """
from django.core.files.uploadedfile import SimpleUploadedFile
from coordination.models import ActionItem
from coordination.services.records import attachment_create
open_items = ActionItem.objects.filter(status__in=ActionItem.OPEN_STATUSES).select_related("department")
item = open_items.order_by("pk").first()
coordinator = item.department.members.filter(role="coordinator").first().user
upload = SimpleUploadedFile("minutes.txt", "Minutes of the director-level meeting".encode(), "text/plain")
print(attachment_create(actor=coordinator, item=item, upload=upload).pk)
"""
READ_ATTACHMENT = """
from coordination.models import Attachment
print(Attachment.objects.get(pk={pk}).file.read().decode())
"""


def manage(env, *arguments) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def tables(env) -> list[str]:
    if env["DATABASE_URL"].startswith("sqlite"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    return [name for (name,) in child_query(env, sql)]


def contents(env) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    return {table: sorted(map(repr, child_query(env, f'SELECT * FROM "{table}"'))) for table in tables(env)}


def test_a_backup_restores_every_row_and_the_media_files(seeded_env, tmp_path):
    media = tmp_path / "media"
    env = {**seeded_env, "MEDIA_ROOT": str(media)}
    attachment = int(manage(env, "shell", "-c", ADD_ATTACHMENT).split()[-1])
    before = contents(env)
    assert len(before) > 30 and sum(len(rows) for rows in before.values()) > 500

    restored_env = {**env, "MEDIA_ROOT": str(tmp_path / "restored-media")}
    url = env["DATABASE_URL"]
    dropper = None
    if url.startswith("postgres"):
        dump = tmp_path / "tracker.dump"
        subprocess.run(
            ["pg_dump", "--no-password", "--format=custom", "--no-owner", f"--file={dump}", url],
            check=True,
            timeout=300,
        )
        server = urlparse(url)
        name = f"tracker_restore_{uuid.uuid4().hex[:8]}"
        subprocess.run(["createdb", *connection_options(server), name], check=True, timeout=60)
        restored_url = urlunparse(server._replace(path=f"/{name}"))

        def dropper():
            subprocess.run(["dropdb", *connection_options(server), "--force", name], check=False, timeout=60)

        subprocess.run(
            ["pg_restore", "--no-password", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump)],
            check=True, timeout=300,
        )  # fmt: skip
    else:
        copy = tmp_path / "restored.sqlite3"
        with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # SQLite's online backup: consistent even while the site writes
        restored_url = f"sqlite:///{copy}"
    restored_env["DATABASE_URL"] = restored_url
    try:
        archive = tmp_path / "media.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(media, arcname=".")
        Path(restored_env["MEDIA_ROOT"]).mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(restored_env["MEDIA_ROOT"], filter="data")

        assert contents(restored_env) == before
        assert "No migrations to apply" in manage(restored_env, "migrate", "--noinput")
        text = manage(restored_env, "shell", "-c", READ_ATTACHMENT.format(pk=attachment))
        assert "Minutes of the director-level meeting" in text
    finally:
        if dropper is not None:
            dropper()


def connection_options(server) -> list[str]:
    options = ["--no-password", "--host", server.hostname or "127.0.0.1", "--port", str(server.port or 5432)]
    if server.username:
        options += ["--username", server.username]
    return options
