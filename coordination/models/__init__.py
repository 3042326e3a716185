"""Departments, initiatives, action items and everything recorded about them."""

from .action_items import (
    ActionItem,
    Attachment,
    Concurrence,
    ExtensionRequest,
    ProgressUpdate,
    archived_condition,
    current_condition,
    due_order,
)
from .console import ImportBatch, ItemVisit, SavedView
from .organisation import ClosureDay, Department, DepartmentMember, Initiative, IntegrationAccount, Meeting
from .reminders import Reminder, ReminderPolicy, WebhookDelivery, WebhookEndpoint
from .system import BeatLease, Heartbeat, IdempotencyRecord, OutboxMessage

__all__ = [
    "archived_condition",
    "current_condition",
    "due_order",
    "ActionItem",
    "Attachment",
    "ClosureDay",
    "Concurrence",
    "Department",
    "DepartmentMember",
    "ExtensionRequest",
    "BeatLease",
    "Heartbeat",
    "IntegrationAccount",
    "IdempotencyRecord",
    "ImportBatch",
    "ItemVisit",
    "Initiative",
    "Meeting",
    "OutboxMessage",
    "ProgressUpdate",
    "Reminder",
    "ReminderPolicy",
    "SavedView",
    "WebhookDelivery",
    "WebhookEndpoint",
]
