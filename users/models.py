"""People who sign in: coordinators, directors, liaison officers and the tools' service accounts."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from audit.records import SealedRecord

from .request_origin import current_origin

security_logger = logging.getLogger("tracker.security")

# The one development password of the demo data (README). Production settings refuse it.
DEMO_PASSWORD = "demo-pass-2026"


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

    uses_demo_password = models.BooleanField(
        _("uses the demo password"),
        default=False,
        editable=False,
        help_text=_("Set when the password is the demo data's; production's deploy check fails while anyone has it."),
    )
    session_generation = models.PositiveIntegerField(
        _("session generation"),
        default=0,
        editable=False,
        help_text=_("Raised to end every session of the account at once (deactivation, an ended term)."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        # The only moment the password is known in clear: remember whether it is the demo data's (users.checks).
        self.uses_demo_password = raw_password == DEMO_PASSWORD

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_is_active = user.__dict__.get("is_active")
        return user

    def save(self, *args, **kwargs):
        """An account that stops being active loses its sessions at once (and its tokens, which check the flag); a
        new password is put on the security record."""
        password_changed = self._password is not None and self.pk is not None
        if self._password is not None and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "uses_demo_password"}
        deactivated = getattr(self, "_loaded_is_active", None) is True and not self.is_active
        if deactivated:
            self.session_generation += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "session_generation"}
        super().save(*args, **kwargs)
        self._loaded_is_active = self.is_active
        if password_changed:
            SecurityEvent.objects.record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=self)
        if deactivated:
            SecurityEvent.objects.record(
                kind=SecurityEvent.Kind.SESSIONS_ENDED, user=self, detail={"reason": "deactivated"}
            )

    def sessions_end(self, *, reason: str, actor=None) -> None:
        """End every session of this account now: the next request of each one finds itself signed out."""
        User.objects.filter(pk=self.pk).update(session_generation=models.F("session_generation") + 1)
        self.refresh_from_db(fields=["session_generation"])
        SecurityEvent.objects.record(
            kind=SecurityEvent.Kind.SESSIONS_ENDED, user=self, actor=actor, detail={"reason": reason}
        )

    # Sessions carry a hash of the password and of the session generation: a new password or a raised generation
    # signs every existing session out (Django checks the hash on every request).
    def get_session_auth_hash(self):
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def _session_hash(self, secret):
        value = f"{self.password}|{self.session_generation}"
        return salted_hmac("users.User.session", value, secret=secret, algorithm="sha256").hexdigest()


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


class SecurityEventManager(models.Manager):
    def record(
        self,
        *,
        kind: str,
        user=None,
        actor=None,
        username: str = "",
        detail: dict | None = None,
        departments=(),
        now=None,
    ) -> SecurityEvent:
        """Put an event on the security record, with where the request being served came from (if any)."""
        origin = current_origin()
        event = self.model(
            at=now or timezone.now(),
            kind=kind,
            user=user,
            actor=actor,
            username=(username or (user.username if user is not None else ""))[:150],
            address=origin.address if origin else None,
            user_agent=origin.user_agent if origin else "",
            path=origin.path if origin else "",
            request_id=origin.request_id if origin else "",
            detail=detail or {},
        )
        event.sealed_departments = sorted({getattr(department, "pk", department) for department in departments})
        with transaction.atomic():  # the departments are under the event's seal: written with it or not at all
            event.save(force_insert=True)
            if event.sealed_departments:
                event.departments.set(event.sealed_departments)
        security_logger.info(
            "security event %s",
            kind,
            extra={"security_event": kind, "username": event.username, "address": event.address or ""},
        )
        return event


class SecurityEvent(SealedRecord):
    """One event on the security record: a sign-in or a failed one, a lockout, a second-factor or token change, a
    refusal, an export or an import. Written by the system, never changed."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOGOUT = "logout", _("Signed out")
        LOCKED_OUT = "locked_out", _("Locked out")
        UNLOCKED = "unlocked", _("Lockout lifted")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset asked for")
        PASSWORD_RESET_DONE = "password_reset_done", _("Password reset")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor authentication turned on")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor authentication turned off")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Wrong second-factor code")
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("Recovery codes created")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        TOKEN_REFUSED = "token_refused", _("API token refused")
        PERMISSION_REFUSED = "permission_refused", _("Permission refused")
        SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")

    at = models.DateTimeField(_("at (UTC)"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=40, choices=Kind.choices)
    user = models.ForeignKey(
        User,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The account the event is about."),
    )
    actor = models.ForeignKey(
        User,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who did it, when not the account itself (empty for the system and the command line)."),
    )
    username = models.CharField(
        _("username"), max_length=150, blank=True, help_text=_("As typed, for a sign-in to an unknown account.")
    )
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or tool"), max_length=300, blank=True)
    path = models.CharField(_("page or endpoint"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    departments = models.ManyToManyField(
        "coordination.Department",
        verbose_name=_("departments concerned"),
        blank=True,
        related_name="+",
        help_text=_("For events about items: the departments the items belong to."),
    )

    objects = SecurityEventManager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"], name="security_event_user_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.username or self.user_id or '-'} · {self.at:%Y-%m-%d %H:%M:%S}"

    def sealed_extra(self) -> dict:
        # The departments decide who sees the event: they are sealed with it.
        return {"departments": list(getattr(self, "sealed_departments", []))}

    @classmethod
    def sealed_extras(cls, pks) -> dict:
        extras = {pk: {"departments": []} for pk in pks}
        pairs = cls.departments.through.objects.filter(securityevent_id__in=pks).order_by("department_id")
        for event_id, department_id in pairs.values_list("securityevent_id", "department_id"):
            extras[event_id]["departments"].append(department_id)
        return extras
