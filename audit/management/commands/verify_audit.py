"""`manage.py verify_audit`: walk every sealed table's chain and report the first rows changed, deleted or inserted
out of order; exits with status 1 when anything is broken."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.anchors import anchors_read
from audit.verify import audit_check_record, audit_verify


class Command(BaseCommand):
    help = (
        "Verify the seals of every history row and security event against each other and against the anchors "
        "(the chain heads written outside the database). Exits with status 1 when a row was changed, deleted or "
        "inserted out of order."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            action="append",
            default=[],
            metavar="PATH",
            help="An anchor file (e.g. one emailed to the superusers) or a folder of them; may be repeated. "
            "AUDIT_ANCHOR_DIR is always read as well, unless --no-anchor-dir.",
        )
        parser.add_argument("--no-anchor-dir", action="store_true", help="Do not read AUDIT_ANCHOR_DIR.")
        parser.add_argument("--record", action="store_true", help="Keep the outcome among the admin's record checks.")

    def handle(self, *args, anchors, no_anchor_dir, record, **options):
        sources = [Path(path) for path in anchors]
        missing = [str(path) for path in sources if not path.exists()]
        if missing:
            raise CommandError(f"No such anchor file or folder: {', '.join(missing)}")
        folder = Path(settings.AUDIT_ANCHOR_DIR)
        if not no_anchor_dir and folder.is_dir():
            sources.append(folder)
        found, unreadable = anchors_read(sources)
        report = audit_verify(anchors=found)
        if record:
            audit_check_record(report)
        for source in unreadable:
            self.stderr.write(f"Anchor not readable: {source}")
        summary = (
            f"{report.rows} rows in {report.chains} tables checked against {report.anchors} anchor entries "
            f"in {report.seconds:.1f} s"
        )
        if report.ok and not unreadable:
            self.stdout.write(f"{summary}: intact.")
            return
        for problem in report.problems:
            self.stdout.write(problem.describe())
        raise CommandError(f"{summary}: {len(report.problems)} problems found, {len(unreadable)} anchors unreadable.")
