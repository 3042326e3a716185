"""What both channels' deliveries share: the claim that fences a send, and marking the outcome through a database
outage.

A delivery claims its rows with a fresh token before it sends. Only the holder of the token may mark them sent
or delivered; a claim that ran out (its worker died) is freed by the periodic requeue, which clears the token, so
a worker that comes back from the dead finds its claim gone and marks nothing. The settings keep every outside
call well inside a claim (see DELIVERY_LONGEST_SECONDS), so a live worker never has its claim taken over.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# The waits between tries of a write that met a database outage: short first, then at most a few seconds.
FIRST_WAIT = 0.25
LONGEST_WAIT = 4.0


def claim_token_new() -> uuid.UUID:
    return uuid.uuid4()


def claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


def claim_time_left(claimed_at: datetime.datetime, *, now: datetime.datetime | None = None) -> float:
    """Seconds until a claim made at `claimed_at` runs out and may be taken over."""
    return (claimed_at + claim_timeout() - (now or timezone.now())).total_seconds()


def claim_leaves_time(claimed_at: datetime.datetime, *, now: datetime.datetime | None = None) -> bool:
    """Whether a send started now would end, marked, well before the claim runs out (a worker held up since it
    claimed, by a pause or a stop, gives its rows back instead)."""
    return claim_time_left(claimed_at, now=now) > settings.DELIVERY_LONGEST_SECONDS


def through_outage(write: Callable[[], int], *, what: str) -> int:
    """Run `write` (an UPDATE that records a send's outcome), retrying with growing waits while the database cannot
    be reached, for up to DELIVERY_MARK_RETRY_SECONDS; then raise. Each retry starts on a fresh connection."""
    deadline = time.monotonic() + settings.DELIVERY_MARK_RETRY_SECONDS
    wait = FIRST_WAIT
    while True:
        try:
            return write()
        except DatabaseError as error:
            if time.monotonic() + wait > deadline:
                logger.error("Could not record that %s: %s", what, error)
                raise
            logger.warning("Database unreachable while recording that %s; trying again in %.2f s.", what, wait)
            if not connection.in_atomic_block:  # a broken connection is replaced on the next query
                connection.close()
            time.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
