"""The coordinating departments, their members, meetings, initiatives and the extra closure days."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Liaison, TimeStampedModel, in_language
from audit.records import SealedHistory
from coordination.validation import LONG_TEXT, TEXT, sane_date, single_line, text_validators


class Department(TimeStampedModel):
    """A coordinating body that assigns action items (the NSS security cooperation department, the StratCom center)."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[single_line])
    name_en = models.CharField(_("name (English)"), max_length=200, validators=[single_line])
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, validators=[single_line])
    is_active = models.BooleanField(_("active"), default=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return in_language(self.name_en, self.name_ja)


class DepartmentMember(TimeStampedModel):
    """A person's membership of a department, as coordinator or director."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        DIRECTOR = "director", _("Director")

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.COORDINATOR)
    is_active = models.BooleanField(_("active"), default=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        ordering = ["department__code", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="department_member_unique"),
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(role="director", is_active=True),
                name="department_one_active_director",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.department.code}, {self.get_role_display()})"

    def clean(self):
        # Nobody holds a department role and a liaison term at once: a ministry's people are not the department's.
        if self.user_id is None or not self.is_active:
            return
        if self.user.is_integration:
            raise ValidationError({"user": _("A tool's account cannot be a member; create it for the department.")})
        open_terms = Q(end_date__isnull=True) | Q(end_date__gt=timezone.localdate())
        if Liaison.objects.filter(open_terms, user_id=self.user_id).exists():
            raise ValidationError(
                {"user": _("This person holds a liaison term; end it before they join a department.")}
            )


class IntegrationAccount(TimeStampedModel):
    """A tool that reads or writes through the API (a ministry's own tracker, a reporting job), as an account of its
    own: a user with no password that never signs in to the admin, acting for one department (with its
    coordinators' rights) or one agency (with a liaison's), or read-only. Its writes show as the account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="integration_account",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integration_accounts",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integration_accounts",
    )
    read_only = models.BooleanField(
        _("read-only"), default=False, help_text=_("Reads what the department or agency sees and changes nothing.")
    )
    description = models.TextField(_("what it is for"), blank=True, max_length=TEXT, validators=text_validators(TEXT))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = SealedHistory()

    class Meta:
        verbose_name = _("integration account")
        verbose_name_plural = _("integration accounts")
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, agency__isnull=True)
                | Q(department__isnull=True, agency__isnull=False),
                name="integration_account_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.user.username

    @property
    def owner(self):
        return self.department or self.agency


class Meeting(TimeStampedModel):
    """An interagency meeting whose decisions produce action items."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True, validators=[single_line])
    held_on = models.DateField(_("held on"), validators=[sane_date])
    agencies = models.ManyToManyField(Agency, verbose_name=_("participating agencies"), blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=LONG_TEXT, validators=text_validators(LONG_TEXT))
    history = SealedHistory()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "title"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.display_title}"

    @property
    def display_title(self) -> str:
        return in_language(self.title, self.title_ja)


class Initiative(TimeStampedModel):
    """A line of effort that groups action items (one of the nine proposals, say)."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[single_line])
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="initiatives"
    )
    title_en = models.CharField(_("title (English)"), max_length=200, validators=[single_line])
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True, validators=[single_line])
    description = models.TextField(
        _("description"), blank=True, max_length=LONG_TEXT, validators=text_validators(LONG_TEXT)
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.display_title}"

    @property
    def display_title(self) -> str:
        return in_language(self.title_en, self.title_ja)


class ClosureDay(TimeStampedModel):
    """A day offices are closed beyond weekends, national holidays and the year-end closure."""

    date = models.DateField(_("date"), unique=True, validators=[sane_date])
    name = models.CharField(_("reason"), max_length=200, validators=[single_line])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = SealedHistory()

    class Meta:
        verbose_name = _("extra closure day")
        verbose_name_plural = _("extra closure days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
