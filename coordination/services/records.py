"""What is recorded on an item: progress updates, extension requests, concurrences, attachments."""

from __future__ import annotations

import datetime
import hashlib
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from coordination import workflow
from coordination.attachments import OFFICE_ZIP, attachment_kind, office_archive_problem
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    ExtensionRequest,
    ProgressUpdate,
    Reminder,
)
from coordination.record_package import record_package
from coordination.reminders.events import event_record
from coordination.selectors import action_item_roles, action_items_visible_to, viewer_for
from users.models import SecurityEvent

from .common import _business_due_date, _lock, _lock_with_roles, _refresh_search, _require, _save, _touch

Status = ActionItem.Status


# --- Progress, extensions, concurrence ------------------------------------------------------------------------------


@transaction.atomic
def progress_update_create(
    *, actor, item: ActionItem, text: str, percent_complete: int, now: datetime.datetime | None = None
) -> ProgressUpdate:
    """Post a progress update from the lead agency; an acknowledged item it reports on is now in progress."""
    now = now or timezone.now()
    item, roles = _lock_with_roles(actor, item, now=now)
    _require(
        workflow.can_post_progress(item.status, roles),
        _("Only the lead agency's liaisons post progress, while the item is acknowledged, in progress or blocked."),
    )
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write what has been done.")]
    if percent_complete is None or not 0 <= int(percent_complete) <= 100:
        errors["percent_complete"] = [_("Percent complete is a whole number from 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    update = ProgressUpdate(action_item=item, author=actor, text=text, percent_complete=int(percent_complete))
    _save(update, actor=actor)
    item.percent_complete = update.percent_complete
    item.last_progress_at = update.created_at
    fields = ["percent_complete", "last_progress_at"]
    if item.status == Status.ACKNOWLEDGED:
        item.status = Status.IN_PROGRESS
        fields.append("status")
    _save(item, actor=actor, reason=_("Progress update"), update_fields=fields)
    return update


@transaction.atomic
def extension_request_create(
    *,
    actor,
    item: ActionItem,
    requested_due_date: datetime.date,
    reason: str,
    now: datetime.datetime | None = None,
) -> ExtensionRequest:
    """Ask for a later due date, with a reason; the coordinator decides."""
    now = now or timezone.now()
    item, roles = _lock_with_roles(actor, item, now=now)
    _require(
        workflow.can_request_extension(item.status, roles),
        _("Only the lead agency's liaisons ask for extensions, while the item is being worked on."),
    )
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Say why the extension is needed.")]
    requested_due_date = _business_due_date(requested_due_date, field="requested_due_date")
    if requested_due_date is None or requested_due_date <= item.due_date:
        errors["requested_due_date"] = [_("Ask for a date after the current due date.")]
    if item.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
        errors["__all__"] = [_("An extension request for this item is already waiting for a decision.")]
    if errors:
        raise ValidationError(errors)
    request = ExtensionRequest(
        action_item=item,
        requested_by=actor,
        requested_due_date=requested_due_date,
        previous_due_date=item.due_date,
        reason=reason,
    )
    _save(request, actor=actor)
    _touch(item, now)
    return request


@transaction.atomic
def extension_request_decide(
    *,
    actor,
    extension_request: ExtensionRequest,
    approve: bool,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> ExtensionRequest:
    """Approve (the due date moves; the original is kept) or deny an extension request."""
    now = now or timezone.now()
    request = ExtensionRequest.objects.select_for_update().get(pk=extension_request.pk)
    item, roles = _lock_with_roles(actor, request.action_item, now=now)
    _require(workflow.can_decide_extension(roles), _("Only the department's coordinators decide extensions."))
    if request.state != ExtensionRequest.State.PENDING:
        raise ValidationError(_("This request was already decided."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"decision_comment": [_("Say why the extension is denied.")]})
    request.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.DENIED
    request.decided_by = actor
    request.decided_at = now
    request.decision_comment = comment
    _save(request, actor=actor)
    if approve:
        if item.original_due_date is None:
            item.original_due_date = item.due_date
        item.due_date = request.requested_due_date
        _save(
            item,
            actor=actor,
            reason=_("Extension approved: due %(date)s") % {"date": item.due_date.isoformat()},
            update_fields=["due_date", "original_due_date"],
        )
    else:
        _touch(item, now)
    event_record(
        item=item,
        rule=Reminder.Rule.EXTENSION_DECIDED,
        actor=actor,
        occurrence=f"extension/{request.pk}",
        requester_id=request.requested_by_id,
        now=now,
    )
    return request


@transaction.atomic
def concurrence_record(
    *,
    actor,
    item: ActionItem,
    agency: Agency,
    state: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Concurrence:
    """Record a supporting agency's concurrence or non-concurrence (a non-concurrence needs a reason)."""
    now = now or timezone.now()
    item = _lock(item)
    viewer = viewer_for(actor, today=japan_today(now))
    roles = action_item_roles(viewer, item)
    _require(workflow.can_view(roles), _("You cannot change this item."))
    _require(
        workflow.can_record_concurrence(item.status, roles) and agency.pk in viewer.liaison_agency_ids,
        _("Only a liaison of that supporting agency records its concurrence, while the item is open."),
    )
    concurrence = Concurrence.objects.select_for_update().filter(action_item=item, agency=agency).first()
    if concurrence is None:
        raise ValidationError(_("%(agency)s is not a supporting agency of this item.") % {"agency": agency.code})
    comment = (comment or "").strip()
    if state not in (Concurrence.State.CONCUR, Concurrence.State.NON_CONCUR):
        raise ValidationError({"state": [_("Answer concur or non-concur.")]})
    if state == Concurrence.State.NON_CONCUR and not comment:
        raise ValidationError({"comment": [_("Give the reason for the non-concurrence.")]})
    concurrence.state = state
    concurrence.comment = comment
    concurrence.responded_by = actor
    concurrence.responded_at = now
    concurrence.reviewed_by, concurrence.reviewed_at = None, None  # a new answer waits for the coordinators again
    _save(concurrence, actor=actor)
    _touch(item, now)
    occurrence = f"concurrence/{concurrence.history.values_list('history_id', flat=True).first()}"
    event_record(item=item, rule=Reminder.Rule.CONCURRENCE_RECORDED, actor=actor, occurrence=occurrence, now=now)
    return concurrence


@transaction.atomic
def concurrence_note(*, actor, concurrence: Concurrence, now: datetime.datetime | None = None) -> Concurrence:
    """A coordinator notes a non-concurrence: it leaves the review queue (and comes back if the agency answers
    again). The item carries on; resolving the disagreement is the lead's and the coordinator's work."""
    now = now or timezone.now()
    item, roles = _lock_with_roles(actor, concurrence.action_item, now=now)
    _require(bool(roles & workflow.COORDINATING_ROLES), _("Only the department's coordinators note a non-concurrence."))
    concurrence = Concurrence.objects.select_for_update().get(pk=concurrence.pk)
    if concurrence.state != Concurrence.State.NON_CONCUR:
        raise ValidationError(_("Only a non-concurrence is noted."))
    if concurrence.reviewed_at is not None:
        raise ValidationError(_("This non-concurrence was already noted."))
    concurrence.reviewed_by, concurrence.reviewed_at = actor, now
    _save(concurrence, actor=actor, reason=_("Non-concurrence noted"))
    return concurrence


# --- Attachments -----------------------------------------------------------------------------------------------------

ATTACHMENT_SNIFF_BYTES = 2048


@transaction.atomic
def attachment_create(*, actor, item: ActionItem, upload, now: datetime.datetime | None = None) -> Attachment:
    """Attach an uploaded file to an item: within the size limit, of an allowed type that its bytes confirm."""
    now = now or timezone.now()
    item, roles = _lock_with_roles(actor, item, now=now)
    _require(workflow.can_attach(item.status, roles), _("Files are attached only while the item is open."))
    limit = settings.API_ATTACHMENT_MAX_BYTES
    filename = os.path.basename((upload.name or "").replace("\\", "/")).strip()[:255]
    if not filename:
        raise ValidationError({"file": [_("The file needs a name.")]})
    if upload.size > limit:
        raise ValidationError(
            {"file": [_("The file is larger than the limit of %(limit)d MB.") % {"limit": limit // (1024 * 1024)}]}
        )
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(ATTACHMENT_SNIFF_BYTES)
    upload.seek(0)
    kind = attachment_kind(filename, getattr(upload, "content_type", ""), head)
    if kind is None:
        raise ValidationError(
            {
                "file": [
                    _("This type of file is not accepted, or its content does not match its name. Accepted: %(types)s.")
                    % {"types": "PDF, PNG, JPEG, text, CSV, Word, Excel, PowerPoint"}
                ]
            }
        )
    if kind.signature == OFFICE_ZIP:
        problem = office_archive_problem(upload, max_uncompressed=settings.ATTACHMENT_MAX_UNCOMPRESSED_BYTES)
        if problem:
            raise ValidationError({"file": [problem]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        action_item=item,
        filename=filename,
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(filename, upload, save=False)
    _save(attachment, actor=actor)
    _touch(item, now)
    _refresh_search(item)
    return attachment


def action_items_record_export(*, actor, items, now: datetime.datetime | None = None) -> bytes:
    """The full records of `items` (those `actor` sees) as one package (`coordination.record_package`), put on the
    security log as an export of those items' departments."""
    now = now or timezone.now()
    viewer = viewer_for(actor, today=japan_today(now))
    visible = action_items_visible_to(actor, today=japan_today(now), viewer=viewer)
    items = items.filter(pk__in=visible.values("pk")).order_by("pk")
    package = record_package(items, viewer, exported_by=actor, now=now)
    SecurityEvent.objects.record(
        kind=SecurityEvent.Kind.EXPORT,
        user=actor,
        detail={"format": "record package", "items": list(items.values_list("pk", flat=True)[:1000])},
        departments=sorted(set(items.values_list("department_id", flat=True))),
    )
    return package
