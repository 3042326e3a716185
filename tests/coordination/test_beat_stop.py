"""Beat's stop handler runs in a signal, possibly in the middle of a database or broker call of the same thread: the
scheduler then only marks itself closed (a second call on that connection would wait for ever), stops at its next
tick, and gives its lease up when beat closes it again on the way out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app
from coordination.beat import SingleBeatScheduler, beat_lease_holder

# Beat runs in autocommit, and django-celery-beat's scheduler drops a connection it finds inside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stop_in_the_middle_of_a_call_touches_nothing_and_the_way_out_gives_the_lease_up():
    scheduler = SingleBeatScheduler(app=app)
    assert scheduler._holds_lease()
    assert beat_lease_holder(now=timezone.now()) == scheduler.holder
    with scheduler._working():  # as if SIGTERM arrived during the lease's renewal or a send
        with CaptureQueriesContext(connection) as queries:
            scheduler.close()
    assert scheduler.closed and len(queries) == 0
    assert beat_lease_holder(now=timezone.now()) == scheduler.holder  # not yet given up
    with pytest.raises(SystemExit):
        scheduler.tick()  # the stop is not lost if the interrupted call swallowed it
    scheduler.close()  # beat's own `finally`, outside any call
    assert beat_lease_holder(now=timezone.now()) is None


def test_a_stop_between_calls_closes_at_once():
    scheduler = SingleBeatScheduler(app=app)
    scheduler._holds_lease()
    scheduler.close()
    assert scheduler.closed and beat_lease_holder(now=timezone.now()) is None
