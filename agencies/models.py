"""Ministries and agencies, the org-unit tree inside each, and the liaison officers who serve them."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audit.records import SealedHistory
from coordination.validation import sane_date, single_line


def in_language(english: str, japanese: str) -> str:
    """The Japanese text to someone reading in Japanese, when there is one; the English text otherwise."""
    return japanese if japanese and (get_language() or "").startswith("ja") else english


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Agency(TimeStampedModel):
    """A ministry or agency that receives action items (MOD, MOFA, JCG under MLIT, ...)."""

    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[single_line],
        help_text=_("Short upper-case code, e.g. MOD or MOFA."),
    )
    name_en = models.CharField(_("name (English)"), max_length=200, validators=[single_line])
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, validators=[single_line])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The ministry this agency belongs to, e.g. MLIT for the Japan Coast Guard."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="agency_not_own_parent"),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z][A-Z0-9-]*$"), name="agency_code_upper_case"),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        if self.code:
            self.code = self.code.strip().upper()
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An agency cannot be placed under itself.")})
            ancestor = ancestor.parent


class OrgUnit(TimeStampedModel):
    """A bureau, division or office inside an agency; units nest into a tree."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="org_units")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name_en = models.CharField(_("name (English)"), max_length=200, validators=[single_line])
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, blank=True, validators=[single_line])
    is_active = models.BooleanField(_("active"), default=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["agency__code", "name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "parent", "name_en"],
                condition=Q(parent__isnull=False),
                name="org_unit_unique_name_under_parent",
            ),
            models.UniqueConstraint(
                fields=["agency", "name_en"],
                condition=Q(parent__isnull=True),
                name="org_unit_unique_top_level_name",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="org_unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} / {self.path}"

    @property
    def path(self) -> str:
        names = []
        unit = self
        while unit is not None:
            names.append(unit.name_en)
            unit = unit.parent
        return " / ".join(reversed(names))

    def clean(self):
        if self.parent_id and self.agency_id and self.parent.agency_id != self.agency_id:
            raise ValidationError({"parent": _("The parent unit must belong to the same agency.")})
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A unit cannot be placed under itself.")})
            ancestor = ancestor.parent


class LiaisonQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        """Terms in force on that day: started, and not yet ended (the end date is the first day without access)."""
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gt=day))


class Liaison(TimeStampedModel):
    """A liaison officer's term serving an agency (primary or alternate); ended terms are kept, never deleted."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        ALTERNATE = "alternate", _("Alternate")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="liaison_terms"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="liaisons")
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="liaisons"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.PRIMARY)
    start_date = models.DateField(_("start date"), validators=[sane_date])
    end_date = models.DateField(
        _("end date"),
        null=True,
        validators=[sane_date],
        blank=True,
        help_text=_(
            "The first day without access (Japan time). Set it to today to end the term at once; "
            "leave empty while the term runs."
        ),
    )
    history = SealedHistory()

    objects = LiaisonQuerySet.as_manager()

    class Meta:
        verbose_name = _("liaison officer")
        verbose_name_plural = _("liaison officers")
        ordering = ["agency__code", "role", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="liaison_term_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["user", "agency"],
                condition=Q(end_date__isnull=True),
                name="liaison_one_open_term_per_user_and_agency",
            ),
        ]
        indexes = [models.Index(fields=["user", "agency", "end_date"], name="liaison_user_agency_end")]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.agency.code}, {self.get_role_display()})"

    def clean(self):
        if self.org_unit_id and self.agency_id and self.org_unit.agency_id != self.agency_id:
            raise ValidationError({"org_unit": _("The unit must belong to the liaison's agency.")})

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date > day)
