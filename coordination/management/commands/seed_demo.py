"""python manage.py seed_demo [--today YYYY-MM-DD]: load the demo data (a second run changes nothing)."""

import datetime
import os

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from coordination.demo import seed_demo


def parse_day(value: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"Give the day as YYYY-MM-DD, not {value[:40]!r}.") from None
    if not 2000 <= day.year <= 2100:
        raise CommandError("Give a day between the years 2000 and 2100.")
    return day


class Command(BaseCommand):
    help = (
        "Load the demo agencies, people, initiatives and action items, dated around a day (today by default, "
        "or DEMO_TODAY). A second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="The day the demo is built around (Japan time); defaults to DEMO_TODAY, then to today.",
        )

    def handle(self, *args, today=None, **options):
        value = today or os.environ.get("DEMO_TODAY", "")
        day = parse_day(value) if value else None
        try:
            report = seed_demo(today=day)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if not report.created:
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        if day:
            self.stdout.write(f"built around {day.isoformat()}")
        for what, count in sorted(report.created.items()):
            self.stdout.write(f"created {count} {what}")
