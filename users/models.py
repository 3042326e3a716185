"""People who sign in: coordinators, directors, liaison officers and the tools' service accounts."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class User(AbstractUser):
    """A person (or a tool's service account) who signs in to the tracker."""

    class Language(models.TextChoices):
        JAPANESE = "ja", _("Japanese")
        ENGLISH = "en", _("English")

    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=Language.choices,
        default=Language.JAPANESE,
        help_text=_("The language of the pages and of the messages this person receives."),
    )
    is_integration = models.BooleanField(
        _("integration account"),
        default=False,
        editable=False,
        help_text=_("A tool, not a person: it has no password, never signs in to the admin and acts by tokens."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class ApiToken(AbstractAuthToken):
    """A key a tool presents as `Authorization: Token <key>`; only its hash is stored, and it is shown once."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the MOD tracker sync."))
    created_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when issued from the command line."),
    )
    issued_from = models.CharField(
        _("issued from"),
        max_length=200,
        blank=True,
        help_text=_("For a token issued on the server's command line: the operator's login and host."),
    )
    read_only = models.BooleanField(
        _("read-only"), default=False, help_text=_("A read-only token reads what its owner sees and changes nothing.")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        # The key's first characters are not shown: after it is issued, no page shows any part of a key.
        return f"{self.name} ({self.created:%Y-%m-%d})" if self.created else self.name

    def is_usable_at(self, moment) -> bool:
        return self.revoked_at is None and (self.expiry is None or self.expiry > moment)
