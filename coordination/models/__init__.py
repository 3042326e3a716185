"""Departments, initiatives, action items and everything recorded about them."""

from .action_items import ActionItem, Concurrence, ExtensionRequest, ProgressUpdate
from .organisation import ClosureDay, Department, DepartmentMember, Initiative, Meeting
from .system import Heartbeat

__all__ = [
    "ActionItem",
    "ClosureDay",
    "Concurrence",
    "Department",
    "DepartmentMember",
    "ExtensionRequest",
    "Heartbeat",
    "Initiative",
    "Meeting",
    "ProgressUpdate",
]
