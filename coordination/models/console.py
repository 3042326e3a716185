"""What the console remembers for each person: when they last opened each item, and the list views they saved."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import TimeStampedModel
from coordination.validation import single_line

from .action_items import ActionItem
from .organisation import Department


class ItemVisit(models.Model):
    """When a person last opened an item's page: what changed after it is marked as new to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="item_visits"
    )
    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="visits"
    )
    seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("item visit")
        verbose_name_plural = _("item visits")
        constraints = [models.UniqueConstraint(fields=["user", "action_item"], name="item_visit_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} saw #{self.action_item_id} at {self.seen_at:%Y-%m-%d %H:%M}"


class SavedView(TimeStampedModel):
    """A named set of filters on the item list, kept by one person and optionally shared with a department."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    query = models.CharField(
        _("filters"), max_length=2000, blank=True, help_text=_("The list's query string, without the leading “?”.")
    )
    shared_with = models.ForeignKey(
        Department,
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
        help_text=_("The department whose members also see this view; empty for a personal view."),
    )

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique_per_owner")]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """A spreadsheet of items someone uploaded: kept from its preview to its import, with who, when and what came
    of it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename
