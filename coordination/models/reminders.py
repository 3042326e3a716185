"""Reminders and notifications: each department's rules, and the ledger of every message due to a person."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import TimeStampedModel
from audit.records import SealedHistory
from coordination.validation import single_line

from .action_items import ActionItem
from .organisation import Department

DAYS = [MinValueValidator(1), MaxValueValidator(60)]


class ReminderPolicy(TimeStampedModel):
    """A department's reminder rules: when to remind and escalate, in business days. Coordinators edit them."""

    department = models.OneToOneField(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="reminder_policy"
    )
    is_active = models.BooleanField(_("send reminders"), default=True)
    unacknowledged_remind_after = models.PositiveSmallIntegerField(
        _("remind to acknowledge after (business days)"), default=1, validators=DAYS
    )
    unacknowledged_escalate_after = models.PositiveSmallIntegerField(
        _("escalate an unacknowledged item after (business days)"), default=2, validators=DAYS
    )
    due_soon_first = models.PositiveSmallIntegerField(
        _("first due-soon reminder (business days before)"), default=3, validators=DAYS
    )
    due_soon_second = models.PositiveSmallIntegerField(
        _("second due-soon reminder (business days before)"), default=1, validators=DAYS
    )
    remind_on_due_date = models.BooleanField(_("remind on the due date"), default=True)
    overdue_escalate_coordinator_after = models.PositiveSmallIntegerField(
        _("escalate to the coordinator when overdue by (business days)"), default=3, validators=DAYS
    )
    overdue_escalate_director_after = models.PositiveSmallIntegerField(
        _("escalate to the director when overdue by (business days)"), default=10, validators=DAYS
    )
    stale_after = models.PositiveSmallIntegerField(
        _("stale without a progress update for (business days)"), default=10, validators=DAYS
    )
    review_waiting_after = models.PositiveSmallIntegerField(
        _("remind coordinators of a submission or extension request after (business days)"),
        default=2,
        validators=DAYS,
    )
    concurrence_before_due = models.PositiveSmallIntegerField(
        _("remind supporting agencies to concur (business days before the due date)"), default=2, validators=DAYS
    )
    history = SealedHistory()

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(unacknowledged_escalate_after__gt=models.F("unacknowledged_remind_after")),
                name="reminder_policy_escalate_after_remind",
            ),
            models.CheckConstraint(
                condition=Q(overdue_escalate_director_after__gt=models.F("overdue_escalate_coordinator_after")),
                name="reminder_policy_director_after_coordinator",
            ),
        ]

    def __str__(self) -> str:
        return str(self.department)


class Reminder(models.Model):
    """One message due to one person about one item: the ledger row that makes every reminder sent once.

    (item, rule, recipient, occurrence) is unique, so however often a sweep runs, a message is recorded once.
    Delivery marks it sent, or failed after its retries; a row left unsent is queued again by a periodic task.
    """

    class Rule(models.TextChoices):
        UNACKNOWLEDGED = "unacknowledged", _("Not yet acknowledged")
        UNACKNOWLEDGED_ESCALATION = "unacknowledged_escalation", _("Still not acknowledged (escalation)")
        DUE_SOON = "due_soon", _("Due soon")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        OVERDUE_COORDINATOR = "overdue_coordinator", _("Overdue (escalation to the coordinator)")
        OVERDUE_DIRECTOR = "overdue_director", _("Overdue (escalation to the director)")
        STALE = "stale", _("No progress update for a while")
        SUBMISSION_WAITING = "submission_waiting", _("Submission waiting for review")
        EXTENSION_WAITING = "extension_waiting", _("Extension request waiting for a decision")
        CONCURRENCE_PENDING = "concurrence_pending", _("Concurrence still pending")
        # Events, sent within a minute of happening
        ASSIGNED = "assigned", _("Assigned to your agency")
        DECLINED = "declined", _("Declined by the lead agency")
        RETURNED = "returned", _("Returned to the lead agency")
        EXTENSION_DECIDED = "extension_decided", _("Extension request decided")
        CONCURRENCE_RECORDED = "concurrence_recorded", _("Concurrence recorded")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDED = "reminded", _("Reminder from the coordinator")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        WITHHELD = "withheld", _("Withheld (no longer allowed to see the item)")

    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="reminders"
    )
    rule = models.CharField(_("rule"), max_length=32, choices=Rule.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="reminders"
    )
    occurrence = models.CharField(
        _("occurrence"),
        max_length=64,
        help_text=_("What makes this reminder distinct from earlier ones of the same rule, e.g. the day it is for."),
    )
    is_copy = models.BooleanField(_("copy for information"), default=False)
    due_on = models.DateField(_("for the business day"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("delivery started at"), null=True, blank=True)
    claim_token = models.UUIDField(
        _("claim token"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Which delivery holds the row: only that one may mark it sent."),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(
        _("message id"),
        max_length=200,
        blank=True,
        help_text=_("Fixed when the digest is first claimed and kept on every attempt, so a copy is recognisable."),
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "rule", "recipient", "occurrence"], name="reminder_once_per_occurrence"
            ),
            models.CheckConstraint(condition=~Q(state="sent") | Q(sent_at__isnull=False), name="reminder_sent_at"),
        ]
        indexes = [
            models.Index(fields=["state", "recipient"], name="reminder_state_recipient"),
            models.Index(fields=["state", "claimed_at"], name="reminder_state_claimed"),
            # The escalations among a year of daily reminders: what the dashboard and the review queue ask for.
            models.Index(
                fields=["action_item"],
                condition=Q(rule__in=["overdue_coordinator", "overdue_director", "unacknowledged_escalation"]),
                name="reminder_escalations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} #{self.action_item_id} → {self.recipient}"


class WebhookEndpoint(TimeStampedModel):
    """A department's receiver for events and reminders: its URL, the shared secret that signs deliveries, and the
    events it wants. One that keeps failing is disabled and its owner told."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="webhooks"
    )
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=200, help_text=_("Shared with the receiver, which checks each delivery's signature.")
    )
    events = models.JSONField(_("events"), default=list, help_text=_("The rules and events to deliver."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Told when the endpoint is disabled after repeated failures."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    history = SealedHistory(excluded_fields=["secret", "consecutive_failures"])

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["department__code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint: the log of every attempt's outcome."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        WITHHELD = "withheld", _("Withheld (no longer allowed to see the item)")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(_("delivery id"), unique=True)
    event = models.CharField(_("event"), max_length=32, choices=Reminder.Rule.choices)
    action_item = models.ForeignKey(
        ActionItem, verbose_name=_("action item"), on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    occurrence = models.CharField(_("occurrence"), max_length=64)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("delivery started at"), null=True, blank=True)
    claim_token = models.UUIDField(
        _("claim token"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Which attempt holds the delivery: only that one may mark it delivered."),
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "action_item", "occurrence"], name="webhook_delivery_once"
            ),
        ]
        indexes = [models.Index(fields=["state", "claimed_at"], name="webhook_delivery_state")]

    def __str__(self) -> str:
        return f"{self.event} #{self.action_item_id} → {self.endpoint.name}"
