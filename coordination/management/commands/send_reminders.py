"""Run a reminder sweep as of a moment (Japan time; default now) and queue its deliveries."""

import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coordination.calendar import get_calendar, japan_today
from coordination.models import ActionItem, Reminder
from coordination.queue import outbox_relay
from coordination.reminders.sweep import reminders_record, reminders_sweep
from coordination.services import action_items_recur
from users.models import User

JAPAN = ZoneInfo("Asia/Tokyo")
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_moment(text: str) -> datetime.datetime:
    for pattern in FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), pattern).replace(tzinfo=JAPAN)
        except ValueError:
            continue
    raise CommandError(f'--at takes a Japan time such as "2026-12-01 09:00", not {text!r}.')


class Command(BaseCommand):
    help = (
        "Record the reminders due at a moment (Japan time, default now) and queue their delivery. "
        "With --dry-run, print what would be recorded, one line each, and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help='Japan time, e.g. "2026-12-01 09:00" (default: now).')
        parser.add_argument("--dry-run", action="store_true", help="Print what would be recorded; record nothing.")

    def handle(self, *args, at=None, dry_run=False, **options):
        moment = parse_moment(at) if at else timezone.now()
        today = japan_today(moment)
        if not get_calendar().is_business_day(today):
            reason = get_calendar().closure_reason(today)
            self.stdout.write(f"{today.isoformat()} is not a business day ({reason}): no reminders.")
            return
        if not dry_run:
            for item in action_items_recur(now=moment):
                self.stdout.write(f"created #{item.pk} {item.title} (due {item.due_date.isoformat()}), recurring")
        reminders = reminders_record(at=moment, dry_run=True) if dry_run else reminders_sweep(at=moment)
        titles = dict(ActionItem.objects.filter(pk__in={r.item_id for r in reminders}).values_list("pk", "title"))
        users = dict(User.objects.filter(pk__in={r.recipient_id for r in reminders}).values_list("pk", "username"))
        rules = dict(Reminder.Rule.choices)
        for reminder in sorted(reminders, key=lambda r: (users[r.recipient_id], r.rule, r.item_id)):
            copy = " (copy)" if reminder.is_copy else ""
            self.stdout.write(
                f"{users[reminder.recipient_id]}\t{reminder.rule}{copy}\t#{reminder.item_id} {titles[reminder.item_id]}"
                f"\t{reminder.occurrence}\t{rules[reminder.rule]}"
            )
        if not dry_run:
            # Handed to the broker now, so that a sweep run from cron needs no beat; what cannot be published now
            # waits in the outbox for the relay.
            queued = outbox_relay()
            self.stdout.write(f"queued {queued} deliveries.")
        verb = "would record" if dry_run else "recorded"
        self.stdout.write(f"{today.isoformat()}: {verb} {len(reminders)} reminders.")
