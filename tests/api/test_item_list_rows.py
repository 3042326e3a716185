"""The item list builds its rows from plain values (coordination/api/listing.py). Each row must be exactly the item's
own representation (its detail answer) for every reader, and a page costs the same queries whatever its size and
the table's."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from coordination import search
from coordination.api.listing import VARIES, LinksSeen, ReaderMoments, _zone_days
from coordination.calendar import JAPAN
from coordination.demo import seed_demo
from coordination.models import ActionItem
from coordination.workflow import Viewer

DEMO_DAY = datetime.date(2026, 11, 24)
CEILING = 3
# A search in its own order (coordination/search.ranked_page), read from a window of items by id: the table's size
# (read once in a while); whether enough items hold the query for a window to hold a page of them (read as often);
# the ids of a page of the rank in that window, and whether an item's external id is the query; then that page's rows,
# or, when the window fell short, every match ranked.
SEARCH_CEILING = 2 + 4
QUERIES = ["", "?ordering=due_date", "?ordering=-priority", "?archived=true", "?overdue=true", "?search=MOD"]


@pytest.fixture
def demo(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 24, 11, 0, tzinfo=JAPAN))
    seed_demo(today=DEMO_DAY)


def listed(client, query: str) -> list[dict]:
    """Every page of the list."""
    rows, url = [], f"/api/v1/action-items/{query}{'&' if query else '?'}page_size=7"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content[:300]
        rows += answer.json()["results"]
        url = answer.json()["next"]
    return rows


def test_every_row_of_the_list_is_the_items_own_representation_for_every_reader(demo, token_for):
    readers = get_user_model().objects.filter(is_active=True).order_by("username")
    seen = {"parent_hidden": 0, "hidden_dependencies": 0, "dependencies": 0, "answers": 0, "transitions": 0}
    compared = 0
    for reader in readers:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reader)}")
        for query in QUERIES:
            rows = listed(client, query)
            assert len({row["id"] for row in rows}) == len(rows), "a page repeated an item"
            for row in rows:
                detail = client.get(f"/api/v1/action-items/{row['id']}/")
                assert detail.status_code == 200
                assert row == detail.json(), f"{reader.username} {query}: item {row['id']} differs from its own page"
                compared += 1
                seen["parent_hidden"] += row["parent_hidden"]
                seen["hidden_dependencies"] += row["hidden_dependencies"]
                seen["dependencies"] += bool(row["dependencies"])
                seen["answers"] += any(answer["responded_at"] for answer in row["supporting_agencies"])
                seen["transitions"] += bool(row["allowed_transitions"])
    # The comparison went through every kind of value: hidden links, answered concurrences, transitions.
    assert compared > 500
    assert all(seen.values()), seen


def page_queries(client, page_size: int, query: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/v1/action-items/?page_size={page_size}&{query}")
        assert answer.status_code == 200
        assert 0 < len(answer.json()["results"]) <= page_size
    return len(queries)


@pytest.mark.parametrize("reader", ["coordinator", "mod-liaison"])
def test_a_page_costs_the_same_queries_whatever_its_size_and_the_tables(demo, token_for, reader, monkeypatch):
    # A search reads its pages from a window, as in a large table for a word many items hold: here the window is
    # wider than the table, which any word's page fills.
    monkeypatch.setattr(search, "WINDOWED_FROM", 0)
    monkeypatch.setattr(search, "WINDOW", 10**6)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(get_user_model().objects.get(username=reader))}")
    client.get("/api/v1/action-items/")  # the token's first use is recorded once, before counting
    orders = {"ordering=due_date": CEILING, "search=MOD": SEARCH_CEILING}
    small = {query: page_queries(client, 3, query) for query in orders}
    large = {query: page_queries(client, 50, query) for query in orders}
    # Ten times the items, each with the same supporting agencies and dependencies as the demo's.
    template = list(ActionItem.objects.order_by("id"))
    for copy in range(9):
        for item in template:
            answers = [
                {name: value for name, value in answer.items() if name not in ("id", "action_item_id")}
                for answer in item.concurrences.values()
            ]
            item.pk = None
            item.external_id = f"{item.external_id}/{copy}" if item.external_id else ""
            item.recurrence_previous_id = None
            item.save()
            item.concurrences.bulk_create([item.concurrences.model(action_item=item, **answer) for answer in answers])
    assert ActionItem.objects.count() >= 10 * len(template)
    grown = {query: page_queries(client, 50, query) for query in orders}
    # The token and the viewer's roles; the page, with each item's answers, its dependencies and which of its linked
    # items the reader sees.
    for query, ceiling in orders.items():
        assert max(small[query], large[query], grown[query]) <= ceiling, (query, small, large, grown)
        assert grown[query] <= large[query], (query, large, grown)


def test_moments_are_shown_as_on_the_items_own_page_whatever_their_precision(demo, token_for):
    """The list reads an item's moments as text (listing.MomentsAsText): a fraction of a second ending in zeros (which
    PostgreSQL leaves off), one of a millionth, none, and a null come out as on the item's own page."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(get_user_model().objects.get(username='coordinator'))}")
    pk = next(row["id"] for row in listed(client, "") if row["acknowledged_at"])
    ActionItem.objects.filter(pk=pk).update(
        created_at=datetime.datetime(2026, 11, 1, 0, 0, 0, 1, tzinfo=datetime.UTC),
        assigned_at=datetime.datetime(2026, 11, 19, 23, 59, 59, tzinfo=datetime.UTC),
        acknowledged_at=datetime.datetime(2026, 11, 20, 1, 2, 3, 611900, tzinfo=datetime.UTC),
        last_progress_at=None,
    )
    row = next(row for row in listed(client, "") if row["id"] == pk)
    assert row == client.get(f"/api/v1/action-items/{pk}/").json()
    assert row["created_at"] == "2026-11-01T09:00:00.000001+09:00"
    assert row["assigned_at"] == "2026-11-20T08:59:59+09:00"
    assert row["acknowledged_at"] == "2026-11-20T10:02:03.611900+09:00"
    assert row["last_progress_at"] is None


def test_a_reader_who_sees_no_item_sees_none_of_the_links(demo):
    """Which linked items a reader sees is read with each row (listing.LinksSeen); for someone who sees nothing the
    rule's query is empty, and the rows read it as no link seen rather than failing."""
    rows = ActionItem.objects.exclude(parent=None).order_by("id").values("id", seen=LinksSeen(Viewer(user_id=None)))
    assert rows and all(row["seen"] is None for row in rows)
    everything = ActionItem.objects.exclude(parent=None).values("parent_id", seen=LinksSeen(Viewer(None, True)))
    assert all(str(row["parent_id"]) in row["seen"].split(",") for row in everything)  # a superuser sees them all


@pytest.mark.parametrize(
    "zone",
    ["Asia/Tokyo", "UTC", "America/New_York", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu"],
)
def test_a_moment_is_written_in_the_readers_zone_as_drf_writes_it_on_the_days_clocks_change_too(zone):
    """The list writes its moments through a zone's offset learnt once a day of UTC (listing.ReaderMoments); on a day
    the offset changes (daylight saving starts or ends: New York by an hour, Lord Howe by half an hour), each moment is
    converted on its own. Every quarter of an hour across such days, with and without a fraction of a second, comes
    out as DRF's DateTimeField writes the moment in that zone."""
    tz = zoneinfo.ZoneInfo(zone)
    _zone_days.pop(tz, None)
    moments = ReaderMoments(tz)
    field = serializers.DateTimeField()
    days = [
        datetime.date(2026, 1, 15),
        datetime.date(2026, 3, 8),
        datetime.date(2026, 4, 5),
        datetime.date(2026, 10, 4),
    ]
    days += [datetime.date(2026, 11, 1), datetime.date(1951, 9, 8)]  # Tokyo's last change of clocks, 1951
    compared = 0
    with timezone.override(tz):
        for day in days:
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) - datetime.timedelta(hours=14)
            for quarter in range(4 * 52):
                moment = start + datetime.timedelta(minutes=15 * quarter, microseconds=(quarter % 3) * 250_010)
                text = moment.replace(tzinfo=None).isoformat(sep=" ")  # as SQLite stores it and PostgreSQL writes it
                assert moments.shown(text) == field.to_representation(moment), (zone, text)
                compared += 1
    assert compared == len(days) * 4 * 52
    varying = [day for day, offset in moments.days.items() if offset is VARIES]
    if zone in ("UTC", "Asia/Tokyo", "Asia/Kathmandu"):
        assert varying == [] or (zone == "Asia/Tokyo" and varying == ["1951-09-08"]), varying
    else:
        assert varying, "a day the clocks change is converted moment by moment"
