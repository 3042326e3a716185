"""Action items (taskers) and what is recorded on them: concurrences, progress updates, extension requests."""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Upper
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Liaison, OrgUnit, TimeStampedModel, in_language
from audit.records import SealedHistory
from coordination.calendar import start_of
from coordination.validation import LONG_TEXT, TEXT, sane_date, single_line, text_validators

from .organisation import Department, Initiative, Meeting

# Sorts after every real day: items with no due date come last in due-date order.
NO_DUE_DATE = datetime.date(9999, 12, 31)
# Stands for "not finished" where an item's finishing time is compared: after any cut-off.
NOT_FINISHED = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def due_order() -> Coalesce:
    """The due date, with undated items last: what lists order by, and the head of their index."""
    return Coalesce(F("due_date"), Value(NO_DUE_DATE))


def finished_at() -> Coalesce:
    """When the item was closed or cancelled, or NOT_FINISHED. The archive is `finished_at() < cutoff`: one
    comparison the list indexes hold as a column, so a list walking them in order passes archived items over in the
    index instead of reading each of them (half the table after a year)."""
    return Coalesce(
        Case(
            When(status="closed", then=F("closed_at")),
            When(status="cancelled", then=F("cancelled_at")),
            output_field=models.DateTimeField(),
        ),
        Value(NOT_FINISHED),
    )


def archived_condition(today: datetime.date) -> Q:
    """Items in the archive on `today`: closed or cancelled before the start of the day ARCHIVE_AFTER_DAYS earlier
    (Japan time). They leave the working lists, dashboards and reminders, stay visible to whoever saw them, keep
    their history, and change only by being reopened."""
    return Q(LessThan(finished_at(), Value(_archive_cutoff(today))))


def current_condition(today: datetime.date) -> Q:
    """Everything but the archive on `today` (`archived_condition`'s complement, written so an index can use it)."""
    return Q(GreaterThanOrEqual(finished_at(), Value(_archive_cutoff(today))))


def _archive_cutoff(today: datetime.date) -> datetime.datetime:
    return start_of(today - datetime.timedelta(days=settings.ARCHIVE_AFTER_DAYS))


class ActionItemQuerySet(models.QuerySet):
    def archived_on(self, today: datetime.date):
        return self.filter(archived_condition(today))

    def current_on(self, today: datetime.date):
        """Everything but the archive: the items working lists and dashboards show."""
        return self.filter(current_condition(today))

    def active(self):
        """Items the lead agency is working on: assigned and not yet submitted, closed or cancelled."""
        return self.filter(status__in=ActionItem.ACTIVE_STATUSES)

    def overdue_on(self, day: datetime.date):
        """Active items whose due date is before `day`."""
        return self.active().filter(due_date__lt=day)


class ActionItem(TimeStampedModel):
    """One assigned piece of work (a tasker) with one lead agency and a due date (the suspense)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ASSIGNED = "assigned", _("Assigned")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        BLOCKED = "blocked", _("Blocked")
        SUBMITTED = "submitted", _("Submitted")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        LOW = 10, _("Low")
        NORMAL = 20, _("Normal")
        HIGH = 30, _("High")
        URGENT = 40, _("Urgent")

    class Marking(models.TextChoices):
        OPEN = "open", _("Open")
        INTERNAL = "internal", _("Internal")
        RESTRICTED = "restricted", _("Restricted")

    class Recurrence(models.TextChoices):
        NONE = "", _("Does not recur")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        HALF_YEARLY = "half_yearly", _("Every six months")
        YEARLY = "yearly", _("Yearly")

    RECURRENCE_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}

    ACTIVE_STATUSES = (Status.ASSIGNED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.BLOCKED)
    OPEN_STATUSES = (Status.DRAFT, *ACTIVE_STATUSES, Status.SUBMITTED)
    FINISHED_STATUSES = (Status.CLOSED, Status.CANCELLED)

    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        validators=[single_line],
        help_text=_("The item's id in another tool; unique within a department."),
    )
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    title_ja = models.CharField(
        _("title (Japanese)"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("Shown instead of the title to people who read the tracker in Japanese."),
    )
    description = models.TextField(
        _("description"), blank=True, max_length=LONG_TEXT, validators=text_validators(LONG_TEXT)
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="action_items"
    )
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("originating meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible coordinator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_items",
    )
    lead_agency = models.ForeignKey(
        Agency, verbose_name=_("lead agency (OPR)"), on_delete=models.PROTECT, related_name="led_items"
    )
    supporting_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("supporting agencies (OCR)"),
        through="Concurrence",
        related_name="supported_items",
        blank=True,
    )
    assigned_liaison = models.ForeignKey(
        Liaison,
        verbose_name=_("assigned liaison"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_items",
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit in the lead agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_items",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    due_date = models.DateField(_("due date"), null=True, blank=True, validators=[sane_date])
    original_due_date = models.DateField(
        _("original due date"),
        null=True,
        blank=True,
        help_text=_("The due date when the item was first assigned; extensions never change it."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(
        _("reason for the last status change"), blank=True, max_length=TEXT, validators=text_validators(TEXT)
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MaxValueValidator(100)]
    )
    marking = models.CharField(_("handling marking"), max_length=16, choices=Marking.choices, default=Marking.OPEN)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    dependencies = models.ManyToManyField(
        "self",
        verbose_name=_("depends on"),
        symmetrical=False,
        blank=True,
        related_name="dependents",
    )
    close_override_reason = models.TextField(
        _("reason for closing without every concurrence"),
        blank=True,
        max_length=TEXT,
        validators=text_validators(TEXT),
    )
    recurrence = models.CharField(
        _("recurs"),
        max_length=16,
        choices=Recurrence.choices,
        blank=True,
        default="",
        help_text=_("When its due date arrives, the next occurrence is created and assigned, due one period later."),
    )
    recurrence_previous = models.OneToOneField(
        "self",
        verbose_name=_("previous occurrence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recurrence_next",
    )
    recurrence_anchor = models.DateField(_("first due date of the series"), null=True, blank=True)
    recurrence_index = models.PositiveSmallIntegerField(_("occurrence number"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_assigned_at = models.DateTimeField(
        _("first assigned at"),
        null=True,
        blank=True,
        help_text=_("Kept when the item is declined: the agencies on it see it from its first assignment on."),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("last progress update at"), null=True, blank=True)
    # What search reads (coordination.search): normalised copies the services keep, never shown, not in history.
    search_title = models.TextField(editable=False, blank=True, default="")
    search_text = models.TextField(editable=False, blank=True, default="")
    history = SealedHistory(m2m_fields=[dependencies], excluded_fields=["search_title", "search_text"])

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "-priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="action_item_percent_at_most_100"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="action_item_not_own_parent"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(due_date__isnull=False),
                name="action_item_due_date_once_assigned",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="action_item_closed_has_closed_at"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "assigned",
                        "acknowledged",
                        "in_progress",
                        "blocked",
                        "submitted",
                        "closed",
                        "cancelled",
                    ]
                ),
                name="action_item_status_known",
            ),
            models.UniqueConstraint(
                fields=["department", "external_id"],
                condition=~Q(external_id=""),
                name="action_item_external_id_unique_per_department",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"],
                condition=Q(status__in=["assigned", "acknowledged", "in_progress", "blocked", "submitted"]),
                name="action_item_open_by_due_date",
            ),
            models.Index(fields=["lead_agency", "status"], name="action_item_lead_status"),
            # A department's items by status and lead agency, holding every column the dashboard's figures, its
            # progress table and the review queue's counts read: those passes scan this narrow index (a tenth of the
            # table's size) rather than the rows with their texts.
            models.Index(
                fields=["department", "status", "lead_agency"],
                include=[
                    "id",
                    "due_date",
                    "original_due_date",
                    "first_assigned_at",
                    "assigned_at",
                    "acknowledged_at",
                    "last_progress_at",
                    "submitted_at",
                    "closed_at",
                    "cancelled_at",
                    "initiative",
                    "meeting",
                    "percent_complete",
                ],
                name="action_item_department_figures",
            ),  # fmt: skip
            # Items the lead declined (drafts assigned before), oldest change first: the review queue's section.
            models.Index(
                F("updated_at"),
                F("id"),
                condition=Q(status="draft", first_assigned_at__isnull=False),
                name="action_item_declined_changed",
            ),
            # A search for an item's external id, in any case, puts that item first (search.py): found here.
            models.Index(Upper("external_id"), name="action_item_external_id_upper"),
            # The lists' orders (oldest change first, due date), each with the item's finishing time so the archive
            # is passed over inside the index.
            models.Index(F("updated_at"), F("id"), finished_at(), name="action_item_changed_order"),
            models.Index(due_order(), F("id"), finished_at(), name="action_item_due_order"),
            # The overdue list (active items past due) in the lists' default order.
            models.Index(
                F("updated_at"),
                F("id"),
                condition=Q(status__in=["assigned", "acknowledged", "in_progress", "blocked"]),
                name="action_item_active_changed",
            ),
            # The admin's list: open work (its default) in the model's order.
            models.Index(
                F("due_date"),
                F("priority").desc(),
                F("id"),
                condition=Q(status__in=["draft", "assigned", "acknowledged", "in_progress", "blocked", "submitted"]),
                name="action_item_open_in_order",
            ),
        ]

    def is_archived_on(self, today: datetime.date) -> bool:
        cutoff = start_of(today - datetime.timedelta(days=settings.ARCHIVE_AFTER_DAYS))
        finished_at = {self.Status.CLOSED: self.closed_at, self.Status.CANCELLED: self.cancelled_at}.get(self.status)
        return finished_at is not None and finished_at < cutoff

    def __str__(self) -> str:
        return f"#{self.pk} {self.display_title}" if self.pk else self.display_title

    @property
    def display_title(self) -> str:
        """The title in the reader's language (the Japanese title to Japanese readers, when there is one)."""
        return in_language(self.title, self.title_ja)

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.status in self.ACTIVE_STATUSES and self.due_date is not None and self.due_date < day


class Concurrence(TimeStampedModel):
    """A supporting agency's place on an item and its formal answer: pending, concur, or non-concur with a reason."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONCUR = "concur", _("Concur")
        NON_CONCUR = "non_concur", _("Non-concur")

    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="concurrences"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("supporting agency"), on_delete=models.PROTECT, related_name="concurrences"
    )
    state = models.CharField(_("concurrence"), max_length=16, choices=State.choices, default=State.PENDING)
    comment = models.TextField(_("comment"), blank=True, max_length=TEXT, validators=text_validators(TEXT))
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("non-concurrence noted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("non-concurrence noted at"), null=True, blank=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("concurrence")
        verbose_name_plural = _("concurrences")
        ordering = ["agency__code"]
        constraints = [
            models.UniqueConstraint(fields=["action_item", "agency"], name="concurrence_one_per_agency"),
            models.CheckConstraint(
                condition=~Q(state="non_concur") | ~Q(comment=""), name="concurrence_non_concur_has_comment"
            ),
        ]
        indexes = [
            # Non-concurrences not yet reviewed: the review queue's section, among a year's answers.
            models.Index(
                fields=["action_item"],
                condition=Q(state="non_concur", reviewed_at__isnull=True),
                name="concurrence_unreviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}: {self.get_state_display()}"


class ProgressUpdate(models.Model):
    """A dated note from the lead agency on an item, with the percent complete at that time."""

    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("update"), max_length=TEXT, validators=text_validators(TEXT))
    percent_complete = models.PositiveSmallIntegerField(_("percent complete"), validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="progress_update_percent_at_most_100"),
            models.CheckConstraint(condition=~Q(text=""), name="progress_update_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.percent_complete}%"


class ExtensionRequest(TimeStampedModel):
    """A request to move an item's due date, with its reason and the coordinator's decision."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_due_date = models.DateField(_("requested due date"), validators=[sane_date])
    previous_due_date = models.DateField(_("due date when requested"))
    reason = models.TextField(_("reason"), max_length=TEXT, validators=text_validators(TEXT))
    state = models.CharField(_("decision"), max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(
        _("decision comment"), blank=True, max_length=TEXT, validators=text_validators(TEXT)
    )
    history = SealedHistory()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_item"], condition=Q(state="pending"), name="extension_one_pending_per_item"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_has_reason"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(state="withdrawn") | Q(decided_at__isnull=False),
                name="extension_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_due_date:%Y-%m-%d} ({self.get_state_display()})"


def attachment_path(instance, filename: str) -> str:
    """Files are stored under a random name: the original name is kept in the row, never trusted as a path."""
    return f"attachments/{instance.action_item_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to an item (a draft, a minute, a map), stored through Django's storage API."""

    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255, validators=[single_line])
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = SealedHistory()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename
