"""An item's full record as one package for records management: a ZIP holding, per item, `record.json` (its fields,
its history with who did what and when, progress updates, concurrences, extension requests and their decisions,
attachments, and the reminders and notices sent about it) beside the attached files themselves, with
`manifest.json` naming what the package holds and `SHA256SUMS` listing the SHA-256 of every other file in it
(`sha256sum -c SHA256SUMS` checks it).

What goes in follows the viewer's sight (reminders and webhook deliveries as the ledger's rules give them) and the
restricted-marking rule for what leaves the system (`access.goes_outside`): of a restricted item only its id,
titles, due date and link leave; the rest of its record stays in the tracker."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from coordination.access import goes_outside, restrict
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    ExtensionRequest,
    ProgressUpdate,
    Reminder,
    WebhookDelivery,
)
from coordination.selectors import action_item_history
from coordination.workflow import Viewer

FORMAT = "tracker-record/1"
# The most items one package holds (it is built in memory, attachments included).
MOST_ITEMS = 100
ITEM_FIELDS = (
    "id", "external_id", "title", "title_ja", "description", "status", "status_reason", "priority", "marking",
    "percent_complete", "due_date", "original_due_date", "recurrence", "close_override_reason", "assigned_at",
    "first_assigned_at", "acknowledged_at", "submitted_at", "closed_at", "cancelled_at", "last_progress_at",
    "created_at", "updated_at",
)  # fmt: skip


def _user(user) -> str | None:
    return user.username if user is not None else None


def _item_fields(item: ActionItem, viewer: Viewer) -> dict:
    fields = {name: getattr(item, name) for name in ITEM_FIELDS}
    visible = set(restrict(ActionItem, viewer).filter(pk__in=[item.parent_id or 0]).values_list("pk", flat=True))
    fields.update(
        {
            "department": item.department.code,
            "initiative": item.initiative.title if item.initiative_id else None,
            "meeting": item.meeting.title if item.meeting_id else None,
            "coordinator": _user(item.coordinator),
            "lead_agency": item.lead_agency.code,
            "assigned_liaison": _user(item.assigned_liaison.user) if item.assigned_liaison_id else None,
            "org_unit": item.org_unit.name_en if item.org_unit_id else None,
            "created_by": _user(item.created_by),
            # Related items only where the viewer sees them (ACCESS.md: never an unseen item's id or title).
            "parent": item.parent_id if item.parent_id in visible else None,
            "dependencies": sorted(restrict(ActionItem, viewer).filter(dependents=item).values_list("pk", flat=True)),
        }
    )
    return fields


def _recorded(item: ActionItem, viewer: Viewer) -> dict:
    updates = ProgressUpdate.objects.filter(action_item=item).select_related("author").order_by("created_at", "pk")
    concurrences = Concurrence.objects.filter(action_item=item).select_related("agency", "responded_by", "reviewed_by")
    extensions = ExtensionRequest.objects.filter(action_item=item).select_related("requested_by", "decided_by")
    reminders = restrict(Reminder, viewer).filter(action_item=item).select_related("recipient")
    deliveries = restrict(WebhookDelivery, viewer).filter(action_item=item).select_related("endpoint")
    return {
        "history": action_item_history(item),
        "progress_updates": [
            {"at": u.created_at, "by": _user(u.author), "percent_complete": u.percent_complete, "text": u.text}
            for u in updates
        ],
        "concurrences": [
            {
                "agency": c.agency.code,
                "state": c.state,
                "comment": c.comment,
                "answered_at": c.responded_at,
                "answered_by": _user(c.responded_by),
                "noted_at": c.reviewed_at,
                "noted_by": _user(c.reviewed_by),
            }  # fmt: skip
            for c in concurrences.order_by("agency__code")
        ],
        "extension_requests": [
            {
                "requested_at": e.created_at,
                "requested_by": _user(e.requested_by),
                "due_date_then": e.previous_due_date,
                "requested_due_date": e.requested_due_date,
                "reason": e.reason,
                "decision": e.state,
                "decided_at": e.decided_at,
                "decided_by": _user(e.decided_by),
                "decision_comment": e.decision_comment,
            }  # fmt: skip
            for e in extensions.order_by("created_at", "pk")
        ],
        "reminders_and_notices": [
            {
                "rule": r.rule,
                "to": _user(r.recipient),
                "copy": r.is_copy,
                "for_day": r.due_on,
                "state": r.state,
                "recorded_at": r.created_at,
                "sent_at": r.sent_at,
                "message_id": r.message_id,
            }  # fmt: skip
            for r in reminders.order_by("created_at", "pk")
        ],
        "webhook_deliveries": [
            {
                "event": d.event,
                "endpoint": d.endpoint.name,
                "delivery_id": d.delivery_id,
                "state": d.state,
                "recorded_at": d.created_at,
                "delivered_at": d.delivered_at,
            }  # fmt: skip
            for d in deliveries.order_by("created_at", "pk")
        ],
    }


def _safe_name(filename: str) -> str:
    """A file name that stays inside its folder whatever program unpacks the package."""
    name = filename.replace("/", "_").replace("\\", "_").lstrip(".") or "file"
    return "".join(character for character in name if character.isprintable())


def _json(document) -> bytes:
    return (json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def record_package(items, viewer: Viewer, *, exported_by, now: datetime.datetime) -> bytes:
    """The ZIP of these items' records (items the viewer sees: the caller restricts them)."""
    files: dict[str, bytes] = {}
    listed = []
    for item in items.select_related(
        "department", "initiative", "meeting", "coordinator", "lead_agency", "assigned_liaison__user", "org_unit",
        "created_by",
    ):  # fmt: skip
        folder = f"item-{item.pk}"
        link = settings.SITE_URL.rstrip("/") + reverse("admin:coordination_actionitem_change", args=[item.pk])
        if goes_outside(item, "status"):
            attachments = Attachment.objects.filter(action_item=item).select_related("uploaded_by").order_by("pk")
            attached = []
            for attachment in attachments:
                path = f"{folder}/attachments/{attachment.pk}-{_safe_name(attachment.filename)}"
                with attachment.file.open("rb") as stored:
                    files[path] = stored.read()
                attached.append(
                    {
                        "file": path,
                        "name": attachment.filename,
                        "content_type": attachment.content_type,
                        "size": attachment.size,
                        "sha256": attachment.sha256,
                        "uploaded_at": attachment.created_at,
                        "uploaded_by": _user(attachment.uploaded_by),
                    }  # fmt: skip
                )
            record = {"item": _item_fields(item, viewer), "link": link, "attachments": attached}
            record.update(_recorded(item, viewer))
        else:
            record = {
                "item": {name: getattr(item, name) for name in ("id", "title", "title_ja", "due_date")},
                "link": link,
                "withheld": "restricted: only the id, titles, due date and link leave the tracker; the rest of "
                "this record is read there",
            }
        files[f"{folder}/record.json"] = _json(record)
        listed.append({"id": item.pk, "title": item.title, "folder": folder, "restricted": "withheld" in record})
    files["manifest.json"] = _json(
        {
            "format": FORMAT,
            "exported_at": now.astimezone(datetime.UTC),
            "exported_by": _user(exported_by),
            "site": settings.SITE_URL,
            "items": listed,
        }
    )
    sums = "".join(f"{hashlib.sha256(content).hexdigest()}  {path}\n" for path, content in sorted(files.items()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for path, content in sorted(files.items()):
            package.writestr(path, content)
        package.writestr("SHA256SUMS", sums)
    return buffer.getvalue()
