"""The record's integrity checks in the admin: each night's verification, read-only, for the superusers."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AuditCheck

from .base import RestrictedAccess


@admin.register(AuditCheck)
class AuditCheckAdmin(RestrictedAccess, admin.ModelAdmin):
    """When the sealed history was last verified, how much of it, and what broke."""

    list_display = ("at", "ok", "rows", "anchors", "seconds", "first_problem")
    list_filter = ("ok",)
    fields = ("at", "ok", "rows", "anchors", "seconds", "problem_list")
    readonly_fields = fields
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("first problem"))
    def first_problem(self, obj):
        return _describe(obj.problems[0]) if obj.problems else "-"

    @admin.display(description=_("problems"))
    def problem_list(self, obj):
        return "\n".join(_describe(problem) for problem in obj.problems) or "-"


def _describe(problem: dict) -> str:
    where = f" {problem['seq']}" if problem.get("seq") is not None else ""
    return f"{problem.get('chain')}: {problem.get('kind')}{where} {problem.get('detail', '')}".strip()
