"""The coordinators' and liaisons' admin: what each person sees and may do follows the workflow and selectors."""

from . import action_items, console, integrity, reference, reminders  # noqa: F401  (registers the model admins and pages)
