"""Issue an API token for a user and print only its key (for piping into a tool's configuration).

An operator's command: whoever runs it holds the server. The token records the operator as its issuer: the
operator's account when `--operator` names one, and always the login and host it was run from."""

import getpass
import socket

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from users.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print the key on standard output; the key is not stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until the token expires (1-3650).")
        parser.add_argument("--name", default="", help="What the token is for (default: issued from the command line).")
        parser.add_argument("--read-only", action="store_true", help="The token reads and changes nothing.")
        parser.add_argument(
            "--operator", default="", help="The operator's own account (a superuser), recorded as the issuer."
        )

    def handle(self, *args, username, expires_days, name, read_only, operator, **options):
        users = get_user_model().objects
        user = users.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        issuer = None
        if operator:
            issuer = users.filter(username=operator, is_superuser=True, is_active=True).first()
            if issuer is None:
                raise CommandError(f"--operator must name an active superuser; {operator!r} is not one.")
        try:
            token, key = api_token_issue(
                actor=issuer,
                user=user,
                name=name or "Issued from the command line",
                expires_days=expires_days,
                read_only=read_only,
                issued_from=f"manage.py issue_token by {_login()}@{socket.gethostname()}",
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        expiry = token.expiry.isoformat() if token.expiry else "never"
        access = "read-only" if token.read_only else "read-write"
        self.stderr.write(f"{access.capitalize()} token for {username}, expires {expiry}. The key is shown only now.")
        self.stdout.write(key)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name for this uid (a container, say)
        return "unknown"
