"""The deploy check (`manage.py check --deploy`) refuses a database where anyone still signs in with the demo data's
password: a production that was seeded with demo accounts, or someone who set it by hand."""

from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from .models import User


@register(Tags.security, deploy=True)
def demo_password_check(app_configs=None, **kwargs):
    try:
        names = list(
            User.objects.filter(uses_demo_password=True, is_active=True)
            .order_by("username")
            .values_list("username", flat=True)
        )
    except DatabaseError as error:
        return [
            Warning(
                f"Could not look for accounts with the demo password: the database did not answer ({error}).",
                id="tracker.W001",
            )
        ]
    if not names:
        return []
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return [
        Error(
            f"{len(names)} accounts still have the demo password: {shown}.",
            hint="Set their passwords (or deactivate them) before opening this site: the demo password is public.",
            id="tracker.E001",
        )
    ]
