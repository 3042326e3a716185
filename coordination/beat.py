"""Exactly one Celery beat sends the schedule, however many are started: each beat holds a lease in the database
before it sends anything (`BeatLease`), renews it while it runs and gives it up when it stops. A second beat (a
deployment mistake, or a standby on another machine) waits, sending nothing, and takes over within the lease's
length once the holder stops or dies."""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import uuid

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

from coordination.models import BeatLease

LEASE_NAME = "beat"
# How soon beat tries the database again after it could not be reached.
DATABASE_RETRY_SECONDS = 2
logger = logging.getLogger(__name__)


def beat_lease_hold(*, holder: str, now: datetime.datetime, seconds: int) -> bool:
    """Take or renew the lease for `holder` until `now + seconds`; False while another holder's lease runs."""
    expires_at = now + datetime.timedelta(seconds=seconds)
    renewed = (
        BeatLease.objects.filter(name=LEASE_NAME)
        .filter(Q(holder=holder) | Q(expires_at__lt=now))
        .update(holder=holder, expires_at=expires_at)
    )
    if renewed:
        return True
    try:
        with transaction.atomic():
            BeatLease.objects.create(name=LEASE_NAME, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return False  # held by another beat, whose lease has not run out
    return True


def beat_lease_release(*, holder: str, now: datetime.datetime) -> None:
    BeatLease.objects.filter(name=LEASE_NAME, holder=holder).update(expires_at=now)


def beat_lease_holder(*, now: datetime.datetime) -> str | None:
    """Who holds the lease now, if anyone (for the health page)."""
    lease = BeatLease.objects.filter(name=LEASE_NAME, expires_at__gte=now).first()
    return lease.holder if lease else None


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler (the schedule in the database, editable in the admin), sending only while
    this beat holds the lease."""

    def __init__(self, *args, **kwargs):
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = settings.BEAT_LEASE_SECONDS
        self.lease_until = None
        self.standing_by = False
        self.closed = False
        self._busy = 0  # inside a call that may be using the database or the broker
        super().__init__(*args, **kwargs)

    @contextlib.contextmanager
    def _working(self):
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1

    def setup_schedule(self):
        with self._working():
            super().setup_schedule()

    def sync(self):
        with self._working():
            super().sync()

    def _holds_lease(self) -> bool:
        now = timezone.now()
        # Renewed once a third of it has passed: a write every few seconds would be wasted.
        if self.lease_until is not None and now < self.lease_until - datetime.timedelta(
            seconds=self.lease_seconds * 2 / 3
        ):
            return True
        if beat_lease_hold(holder=self.holder, now=now, seconds=self.lease_seconds):
            self.lease_until = now + datetime.timedelta(seconds=self.lease_seconds)
            if self.standing_by:
                logger.warning("Beat %s took over the schedule.", self.holder)
            self.standing_by = False
            return True
        self.lease_until = None
        if not self.standing_by:
            logger.warning("Another beat holds the schedule; %s stands by and sends nothing.", self.holder)
        self.standing_by = True
        return False

    def tick(self, *args, **kwargs):
        if self.closed:
            # Stopped (beat's SIGTERM handler closed the scheduler) while a send was blocked on the broker: the
            # SystemExit that handler raised was taken for a failed send, so beat would go on ticking. Stop now.
            raise SystemExit()
        with self._working():
            try:
                holds = self._holds_lease()
            except DatabaseError as error:
                # The database is out of reach (restarting, failing over): send nothing until the lease can be
                # checked again, and keep running; django-celery-beat rides out the same outage in its own calls.
                logger.warning("Beat %s cannot reach the database (%s); trying again shortly.", self.holder, error)
                connection.close()
                return min(self.max_interval, DATABASE_RETRY_SECONDS)
            if not holds:
                return min(self.max_interval, self.lease_seconds / 3)
            return super().tick(*args, **kwargs)

    def close(self):
        self.closed = True
        if self._busy:
            # Called by beat's stop handler, from a signal that interrupted a database or broker call of this very
            # thread: a second call on that connection would wait for the first for ever (psycopg's connection
            # lock is not re-entrant). Only mark it closed: beat's loop stops at once, and closes again, outside
            # any call, on its way out.
            return
        if self.lease_until is not None:
            try:
                beat_lease_release(holder=self.holder, now=timezone.now())
            except DatabaseError as error:  # the lease then runs out by itself within its length
                logger.warning("Beat %s could not give its lease up: %s", self.holder, error)
            self.lease_until = None
        super().close()
