"""Delivery: one email per recipient listing everything the ledger holds for them, grouped by urgency.

A delivery claims the recipient's pending rows with a token (state "sending") and fixes the digest's Message-ID
on them, sends, then marks them sent, only if they are still its claim. Rows that come back (the send failed, or
the worker died and the periodic requeue freed its claim) go out again as the same digest under the same
Message-ID, so a copy is recognisable as one. A worker that dies after the mail server accepted the message but
before marking the rows sent is the one case in which a digest goes out twice: SMTP cannot be asked whether a
message was already accepted, so at-least-once, with a stable Message-ID, is the strongest promise email allows.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coordination.access import action_items_visible, goes_outside
from coordination.calendar import japan_today
from coordination.models import Reminder
from coordination.selectors import viewer_for

from .claims import claim_leaves_time, claim_timeout, claim_token_new, through_outage

logger = logging.getLogger(__name__)
Rule = Reminder.Rule
State = Reminder.State

MAX_ATTEMPTS = 5
DELIVER_REMINDERS_TASK = "coordination.tasks.deliver_reminders_task"

# The digest's sections, most urgent first, and the rules each one lists.
SECTIONS = [
    ("overdue", [Rule.OVERDUE_DIRECTOR, Rule.OVERDUE_COORDINATOR, Rule.OVERDUE]),
    ("due_today", [Rule.DUE_TODAY]),
    ("unacknowledged", [Rule.UNACKNOWLEDGED_ESCALATION, Rule.UNACKNOWLEDGED]),
    (
        "waiting_for_you",
        [Rule.REMINDED, Rule.SUBMISSION_WAITING, Rule.EXTENSION_WAITING, Rule.CONCURRENCE_PENDING],
    ),
    ("due_soon", [Rule.DUE_SOON]),
    ("stale", [Rule.STALE]),
    (
        "updates",
        [
            Rule.ASSIGNED,
            Rule.DECLINED,
            Rule.RETURNED,
            Rule.EXTENSION_DECIDED,
            Rule.CONCURRENCE_RECORDED,
            Rule.CLOSED,
            Rule.CANCELLED,
        ],
    ),
]


def section_titles() -> dict[str, str]:
    return {
        "overdue": _("Overdue"),
        "due_today": _("Due today"),
        "unacknowledged": _("Waiting for acknowledgement"),
        "waiting_for_you": _("Waiting for you"),
        "due_soon": _("Due soon"),
        "stale": _("No progress update for a while"),
        "updates": _("What happened"),
        "copies": _("For your information (copies of escalations)"),
    }


class DeliveryFailed(Exception):
    """The message could not be sent this time; the rows are pending again (or failed after the last attempt)."""


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def digest_entries(reminders: list[Reminder]) -> list[dict]:
    """The digest's sections with their entries; restricted items show only id, title, due date and links."""
    by_section: dict[str, list[dict]] = defaultdict(list)
    section_of = {rule: name for name, rules in SECTIONS for rule in rules}
    seen = set()
    for reminder in sorted(reminders, key=lambda r: (r.action_item.due_date or datetime.date.max, r.action_item_id)):
        item = reminder.action_item
        section = "copies" if reminder.is_copy else section_of[reminder.rule]
        if (section, item.pk, reminder.rule) in seen:
            continue
        seen.add((section, item.pk, reminder.rule))
        restricted = not goes_outside(item, "status")
        by_section[section].append(
            {
                "id": item.pk,
                "title": item.title,
                "due_date": item.due_date,
                "reason": reminder.get_rule_display(),
                "status": None if restricted else item.get_status_display(),
                "lead_agency": None if restricted else item.lead_agency.code,
                "restricted": restricted,
                "admin_url": site_link(f"/admin/coordination/actionitem/{item.pk}/change/"),
                "api_url": site_link(f"/api/v1/action-items/{item.pk}/"),
            }
        )
    titles = section_titles()
    order = [name for name, _rules in SECTIONS] + ["copies"]
    return [{"key": name, "title": titles[name], "entries": by_section[name]} for name in order if by_section[name]]


def digest_message(recipient, reminders: list[Reminder]) -> EmailMultiAlternatives:
    """The email for one recipient: text and HTML, in the recipient's language (its Message-ID is the claim's)."""
    with translation.override(recipient.preferred_language or settings.LANGUAGE_CODE):
        sections = digest_entries(reminders)
        count = len({entry["id"] for section in sections for entry in section["entries"]})
        subject = ngettext(
            "[Coordination tracker] %(count)d item needs your attention",
            "[Coordination tracker] %(count)d items need your attention",
            count,
        ) % {"count": count}
        context = {
            "recipient": recipient,
            "sections": sections,
            "count": count,
            "admin_url": site_link("/admin/coordination/actionitem/"),
            "language": translation.get_language(),
        }
        text = render_to_string("coordination/email/digest.txt", context)
        html = render_to_string("coordination/email/digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Claim:
    """Rows one delivery holds: only the holder of `token` may mark them."""

    ids: list[int]
    token: uuid.UUID
    message_id: str
    claimed_at: datetime.datetime


def _claim(recipient_id: int, now: datetime.datetime) -> Claim | None:
    """Take the recipient's next digest: the rows of an earlier attempt, together and under their Message-ID, or
    else every pending row under a new one. None when nothing is pending (or another worker has it)."""
    with transaction.atomic():
        pending = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=recipient_id, state=State.PENDING)
            .order_by("pk")
            .values_list("pk", "message_id")
        )
        if not pending:
            return None
        earlier = min((message_id for _pk, message_id in pending if message_id), default="")
        ids = [pk for pk, row_message_id in pending if row_message_id == earlier]
        message_id = earlier or make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)
        claim = Claim(ids=ids, token=claim_token_new(), message_id=message_id, claimed_at=now)
        Reminder.objects.filter(pk__in=ids, state=State.PENDING).update(
            state=State.SENDING, claimed_at=now, claim_token=claim.token, message_id=message_id,
            attempts=F("attempts") + 1,
        )  # fmt: skip
    return claim


def _held(claim: Claim, ids: list[int]):
    """The claim's rows among `ids` that are still its own (not freed and taken over since)."""
    return Reminder.objects.filter(pk__in=ids, state=State.SENDING, claim_token=claim.token)


def reminders_deliver(*, recipient_id: int, now: datetime.datetime | None = None) -> int:
    """Send the recipient's pending reminders, one digest per claim; returns how many rows went out. `now`, when
    given, stands for the clock throughout (tests)."""
    clock = (lambda: now) if now is not None else timezone.now
    sent = 0
    # An earlier attempt's digest first, then one with everything else: two at most, bar rows recorded meanwhile.
    for _round in range(3):
        claim = _claim(recipient_id, clock())
        if claim is None:
            break
        sent += _digest_send(claim, clock=clock)
    return sent


def _digest_send(claim: Claim, *, clock) -> int:
    reminders = list(
        Reminder.objects.filter(pk__in=claim.ids).select_related("recipient", "action_item", "action_item__lead_agency")
    )
    recipient = reminders[0].recipient
    reminders = _withhold_unseen(reminders, recipient, claim=claim, now=clock())
    if not reminders:
        return 0
    ids = [reminder.pk for reminder in reminders]
    if not recipient.email:
        _release(claim, ids, error=_("The recipient has no email address."), final=True)
        logger.warning("Reminders to %s not sent: no email address.", recipient.username)
        return 0
    message = digest_message(recipient, reminders)
    message.extra_headers["Message-ID"] = claim.message_id
    if not claim_leaves_time(claim.claimed_at, now=clock()) or _held(claim, ids).count() != len(ids):
        # Held up since the claim (a pause, a stop): sending now could overlap a worker that took the rows over.
        _release(claim, ids, error=_("The claim ran short before sending; sent on a later try."), final=False)
        raise DeliveryFailed("claim ran short before sending")
    try:
        message.send()
    except Exception as error:  # SMTP and network errors have many types; all mean "try again later"
        attempts = max(reminder.attempts for reminder in reminders)
        _release(claim, ids, error=str(error)[:1000], final=attempts >= MAX_ATTEMPTS)
        raise DeliveryFailed(str(error)) from error
    marked = through_outage(
        lambda: _held(claim, ids).update(state=State.SENT, sent_at=timezone.now(), last_error=""),
        what=f"digest {claim.message_id} was sent",
    )
    if marked < len(ids):
        logger.warning(
            "Digest %s was sent after %d of its %d rows had been taken over: the copy carries the same Message-ID.",
            claim.message_id, len(ids) - marked, len(ids),
        )  # fmt: skip
    return len(ids)


def _withhold_unseen(reminders: list[Reminder], recipient, *, claim: Claim, now: datetime.datetime) -> list[Reminder]:
    """Access is checked again at send time: rows about items the recipient can no longer see (an agency taken
    off the item, a term ended, an account deactivated) are withheld, with the reason on the row."""
    viewer = viewer_for(recipient, today=japan_today(now))
    item_ids = {reminder.action_item_id for reminder in reminders}
    seen = set(action_items_visible(viewer).filter(pk__in=item_ids).values_list("pk", flat=True))
    withheld = [reminder.pk for reminder in reminders if reminder.action_item_id not in seen]
    if withheld:
        with translation.override(settings.LANGUAGE_CODE):
            reason = (
                _("Not sent: the recipient no longer sees this item.")
                if viewer.has_any_role
                else _("Not sent: the recipient has no current role (account inactive or liaison term ended).")
            )
        _held(claim, withheld).update(state=State.WITHHELD, last_error=reason)
        logger.info("Withheld %d reminders to %s: %s", len(withheld), recipient.username, reason)
    return [reminder for reminder in reminders if reminder.action_item_id in seen]


def _release(claim: Claim, ids: list[int], *, error: str, final: bool) -> None:
    """Give the rows back (pending, their Message-ID kept), or fail them after the last attempt."""
    _held(claim, ids).update(state=State.FAILED if final else State.PENDING, claim_token=None, last_error=error)


def reminders_to_requeue(*, now: datetime.datetime | None = None) -> list[int]:
    """Free claims of dead workers and return the recipients whose pending rows nobody has tried lately."""
    now = now or timezone.now()
    # Pending rows are queued again when nobody has tried them for this long (lost message, broker outage).
    requeue_after = datetime.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    # A claim older than its timeout belongs to a delivery whose worker died: the rows are pending again, and go
    # out as the same digest under the same Message-ID.
    Reminder.objects.filter(state=State.SENDING, claimed_at__lt=now - claim_timeout()).update(
        state=State.PENDING, claim_token=None
    )
    stale = Reminder.objects.filter(state=State.PENDING, created_at__lt=now - requeue_after).exclude(
        claimed_at__gte=now - requeue_after
    )
    return sorted(set(stale.values_list("recipient_id", flat=True)))
