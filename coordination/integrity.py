"""The record's integrity in the department's terms: the daily anchor (written under AUDIT_ANCHOR_DIR and emailed to
the superusers) and the daily verification, whose failure goes to the superusers and to the coordinators of each
department a broken row concerns (each told only of the breaks in their own department's records)."""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.anchors import anchor_write, anchors_read
from audit.models import AuditCheck
from audit.verify import Problem, Report, audit_check_record, audit_verify
from coordination.models import ActionItem, Department
from coordination.selectors import department_coordinators
from users.models import SecurityEvent, User

logger = logging.getLogger(__name__)


def _superusers():
    return User.objects.filter(is_superuser=True, is_active=True).exclude(email="").order_by("username")


def _send(users, subject_and_body, attachment: tuple[str, str] | None = None) -> int:
    """One email per person, in their language; returns how many were sent."""
    sent = 0
    for user in users:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject, body = subject_and_body(user)
        message = EmailMessage(subject=subject, body=body, to=[user.email])
        if attachment:
            message.attach(attachment[0], attachment[1], "application/json")
        message.send()
        sent += 1
    return sent


def audit_anchor(*, now: datetime.datetime | None = None) -> Path:
    """Write today's chain heads outside the database and email the same file to the superusers."""
    path, document = anchor_write(now=now)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"

    def compose(user):
        subject = _("[Coordination tracker] Record chain heads, %(day)s") % {"day": document["written_at"][:10]}
        body = _(
            "The newest end of each sealed record table, as of %(moment)s (UTC). Keep this email: "
            "`manage.py verify_audit --anchors <the attached file>` checks the database against it, so rows "
            "deleted later are caught even if the copy on the server is gone.\n\n%(heads)s"
        ) % {
            "moment": document["written_at"],
            "heads": "\n".join(
                f"{chain}: {head['length']} {head['mac']}" for chain, head in sorted(document["chains"].items())
            ),
        }
        return subject, body

    _send(_superusers(), compose, attachment=(path.name, text))
    logger.info("Record chain heads written to %s.", path)
    return path


def _item_fields(model) -> list[str]:
    """A sealed table's columns that name an action item (a foreign key to one, kept by the history row)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if getattr(field, "related_model", None) is ActionItem and field.attname != "history_relation_id"
    ]


def problem_departments(problems: list[Problem]) -> dict[int, list[Problem]]:
    """The breaks that concern each department, from the broken rows' own fields (a deleted row says nothing)."""
    concerns: list[tuple[Problem, set[int], set[int]]] = []
    item_ids: set[int] = set()
    for problem in problems:
        departments, items = set(), set()
        if "department_id" in problem.values and problem.values["department_id"]:
            departments.add(problem.values["department_id"])
        try:
            model = apps.get_model(problem.chain)
        except (LookupError, ValueError):
            model = None
        if model is not None:
            items |= {problem.values[name] for name in _item_fields(model) if problem.values.get(name)}
            if model is SecurityEvent and problem.pk is not None:
                departments |= set(SecurityEvent.objects.filter(pk=problem.pk).values_list("departments", flat=True))
        item_ids |= items
        concerns.append((problem, departments - {None}, items))
    item_departments = dict(ActionItem.objects.filter(pk__in=item_ids).values_list("pk", "department_id"))
    by_department: dict[int, list[Problem]] = {}
    for problem, departments, items in concerns:
        for department_id in departments | {item_departments[item] for item in items if item in item_departments}:
            by_department.setdefault(department_id, []).append(problem)
    return by_department


def _failure_compose(problems: list[Problem], department: Department | None):
    def compose(user):
        if department is None:
            subject = _("[Coordination tracker] The record failed its integrity check")
        else:
            subject = _("[Coordination tracker] Records of %(department)s failed their integrity check") % {
                "department": department.code
            }
        body = _(
            "The daily check of the sealed history found rows changed, deleted or inserted outside the "
            "application. Nothing has been repaired or hidden: keep the database as it is and tell the system's "
            "administrators. Run `manage.py verify_audit` for the full report.\n\n%(problems)s"
        ) % {"problems": "\n".join(problem.describe() for problem in problems)}
        return subject, body

    return compose


def audit_verify_and_alert(*, now: datetime.datetime | None = None) -> AuditCheck:
    """Verify every chain against the anchors on file, keep the outcome, and email it when something broke."""
    now = now or timezone.now()
    folder = Path(settings.AUDIT_ANCHOR_DIR)
    anchors, unreadable = anchors_read([folder] if folder.is_dir() else [])
    report: Report = audit_verify(anchors=anchors)
    for source in unreadable:
        report.problems.append(Problem("anchors", "unreadable", None, None, source))
    check = audit_check_record(report, now=now)
    if report.ok:
        logger.info("Record check: %d rows in %d tables intact (%.1f s).", report.rows, report.chains, report.seconds)
        return check
    logger.error("Record check failed: %s", "; ".join(problem.describe() for problem in report.problems[:5]))
    _send(_superusers(), _failure_compose(report.problems, None))
    for department_id, problems in problem_departments(report.problems).items():
        department = Department.objects.get(pk=department_id)
        coordinators = department_coordinators(department_id).exclude(email="").exclude(is_superuser=True)
        _send(coordinators, _failure_compose(problems, department))
    return check
