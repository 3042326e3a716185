"""Issue an API token for a user and print only its key (for piping into a tool's configuration)."""

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

    def handle(self, *args, username, expires_days, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            token, key = api_token_issue(
                actor=None, user=user, name=name or "Issued from the command line", expires_days=expires_days
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        expiry = token.expiry.isoformat() if token.expiry else "never"
        self.stderr.write(f"Token {token.token_key}… for {username}, expires {expiry}. The key is shown only now.")
        self.stdout.write(key)
