"""python manage.py seed_demo: load the demo data (a second run changes nothing)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from coordination.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo agencies, people, initiatives and action items. A second run changes nothing."

    def handle(self, *args, **options):
        try:
            report = seed_demo()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if not report.created:
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        for what, count in sorted(report.created.items()):
            self.stdout.write(f"created {count} {what}")
