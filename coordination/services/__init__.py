"""Every write: one atomic function per business operation.

Each takes the acting user, locks the row it changes, checks the workflow's rules, and leaves a history row
saying who changed what and why. The admin, the API, the management commands and the tasks all call these.
"""

from .action_items import (
    action_item_check_create,
    action_item_check_update,
    action_item_create,
    action_item_next_occurrence,
    action_item_remind,
    action_item_route,
    action_item_transition,
    action_item_update,
    action_items_recur,
)
from .console import item_visit_record, saved_view_remove, saved_view_save
from .organisation import (
    initiative_create,
    initiative_update,
    integration_account_create,
    integration_account_update,
    liaison_appoint,
    liaison_end_term,
    meeting_create,
    meeting_update,
)
from .records import (
    action_items_record_export,
    attachment_create,
    concurrence_note,
    concurrence_record,
    extension_request_create,
    extension_request_decide,
    progress_update_create,
)

__all__ = [
    "action_items_record_export",
    "action_item_check_create",
    "action_item_check_update",
    "action_item_create",
    "action_item_next_occurrence",
    "action_item_remind",
    "action_item_route",
    "action_item_transition",
    "action_item_update",
    "action_items_recur",
    "attachment_create",
    "concurrence_note",
    "concurrence_record",
    "extension_request_create",
    "extension_request_decide",
    "initiative_create",
    "initiative_update",
    "integration_account_create",
    "integration_account_update",
    "item_visit_record",
    "liaison_appoint",
    "liaison_end_term",
    "meeting_create",
    "meeting_update",
    "progress_update_create",
    "saved_view_remove",
    "saved_view_save",
]
