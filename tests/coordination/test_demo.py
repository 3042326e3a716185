"""seed_demo: realistic data over every status, a second run changes nothing, refused under production settings."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from agencies.models import Agency, Liaison
from coordination.calendar import JAPAN, get_calendar, japan_today
from coordination.dashboard import ItemSets, dashboard
from coordination.models import ActionItem, Department, DepartmentMember, ExtensionRequest, Initiative, Meeting
from coordination.selectors import viewer_for
from users.backends import DEMO_PASSWORD
from users.models import SecurityEvent, User

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def snapshot():
    """Counts of every demo table and of the history rows: what 'changes nothing' must leave as it was."""
    return {
        "items": ActionItem.objects.count(),
        "item history": ActionItem.history.count(),
        "agencies": Agency.objects.count(),
        "liaisons": Liaison.objects.count(),
        "members": DepartmentMember.objects.count(),
        "updated_at": sorted(ActionItem.objects.values_list("updated_at", flat=True)),
    }


# The demo is built around a fixed day, while the clock stands at another: nothing may come from the clock.
DEMO_DAY = datetime.date(2026, 11, 24)
CLOCK = datetime.datetime(2027, 2, 15, 14, 0, tzinfo=JAPAN)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(CLOCK)


def test_seed_demo_loads_realistic_data_and_a_second_run_changes_nothing(capsys):
    call_command("seed_demo", today=DEMO_DAY.isoformat())
    today = DEMO_DAY
    statuses = set(ActionItem.objects.values_list("status", flat=True))
    assert statuses == set(ActionItem.Status.values)
    assert ActionItem.objects.count() >= 40
    assert ActionItem.objects.overdue_on(today).count() >= 5
    week_end = get_calendar().add_business_days(today, 4)
    assert ActionItem.objects.active().filter(due_date__gte=today, due_date__lte=week_end).exists()
    assert ActionItem.objects.filter(status=ActionItem.Status.ASSIGNED, acknowledged_at__isnull=True).count() >= 3
    assert set(Agency.objects.values_list("code", flat=True)) >= {
        "MOD",
        "MOFA",
        "MLIT",
        "JCG",
        "MIC",
        "MHLW",
        "METI",
        "MOF",
        "ATLA",
    }
    assert Agency.objects.get(code="JCG").parent.code == "MLIT"
    assert Agency.objects.get(code="ATLA").parent.code == "MOD"
    assert Department.objects.count() == 2
    for code in ("mod", "mofa", "jcg", "atla"):
        assert Liaison.objects.filter(user__username=f"{code}-liaison", role=Liaison.Role.PRIMARY).exists()
    assert DepartmentMember.objects.filter(user__username="director", role="director").exists()
    assert DepartmentMember.objects.filter(department__code="NSS-STRATCOM", user__username="stratcom-coordinator")
    # Items were walked by their people: a closed item's history has the liaison's and the coordinator's steps.
    closed = ActionItem.objects.filter(status=ActionItem.Status.CLOSED).first()
    actors = {record.history_user.username for record in closed.history.all()}
    assert {"coordinator", f"{closed.lead_agency.code.lower()}-liaison"} <= actors or "stratcom-coordinator" in actors

    # Every moment the workflow recorded belongs to the demo's day or before it, never to the clock.
    moments = ActionItem.objects.values_list("assigned_at", "acknowledged_at", "submitted_at", "closed_at")
    latest = max(moment for row in moments for moment in row if moment is not None)
    assert japan_today(latest) == DEMO_DAY
    assert Meeting.objects.order_by("-held_on").first().held_on <= DEMO_DAY
    assert not ExtensionRequest.objects.filter(created_at__gt=latest).exists()

    # Every item, initiative and meeting has a Japanese title, and Japanese readers see it.
    for model, field in ((ActionItem, "title_ja"), (Meeting, "title_ja"), (Initiative, "title_ja")):
        assert not model.objects.filter(**{field: ""}).exists(), model
    item = ActionItem.objects.order_by("pk").first()
    with translation.override("ja"):
        assert item.title_ja in str(item)
    assert item.title in str(item)
    # The console has something in each part of the review queue, as a department would on a working day.
    viewer = viewer_for(User.objects.get(username="coordinator"), today=today)
    sets = ItemSets.on(today)
    items = ActionItem.objects.filter(department__code="NSS-SC")
    for name in ("declined", "escalated", "extension_pending", "overdue", "unacknowledged", "stale"):
        assert items.filter(getattr(sets, name)()).exists(), name
    assert items.filter(status=ActionItem.Status.SUBMITTED).exists()
    assert dashboard(viewer, today=today).rows
    # New accounts, not password changes: the security log (and the terminal of `make run`) stays quiet.
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED).exists()

    before = snapshot()
    capsys.readouterr()
    call_command("seed_demo", today=DEMO_DAY.isoformat())
    assert "nothing changed" in capsys.readouterr().out
    assert snapshot() == before


@pytest.mark.parametrize("day", ["2026-12-30", "2027-05-04"])  # the year-end closure; Golden Week
def test_a_demo_built_around_a_closed_day_still_has_work_due_and_overdue(day):
    call_command("seed_demo", today=day)
    today = datetime.date.fromisoformat(day)
    assert ActionItem.objects.overdue_on(today).count() >= 5
    assert all(get_calendar().is_business_day(d) for d in ActionItem.objects.values_list("due_date", flat=True) if d)


def test_the_day_comes_from_demo_today_when_not_given(monkeypatch):
    monkeypatch.setenv("DEMO_TODAY", "2026-06-01")
    call_command("seed_demo")
    assert Meeting.objects.order_by("-held_on").first().held_on < datetime.date(2026, 6, 1)
    assert Liaison.objects.filter(start_date=datetime.date(2025, 6, 1)).exists()


@pytest.mark.parametrize("value", ["24/11/2026", "tomorrow", "2026-02-30", "1899-01-01", "9999-12-31"])
def test_a_bad_day_is_a_clear_error_and_loads_nothing(value):
    with pytest.raises(CommandError, match="YYYY-MM-DD|between the years"):
        call_command("seed_demo", today=value)
    assert not ActionItem.objects.exists() and not Agency.objects.exists()


def test_without_a_day_the_demo_is_built_around_japans_today():
    call_command("seed_demo")
    assert Meeting.objects.order_by("-held_on").first().held_on < CLOCK.date()
    assert japan_today(ActionItem.objects.exclude(assigned_at=None).latest("assigned_at").assigned_at) <= CLOCK.date()


def test_demo_logins_work_in_development():
    call_command("seed_demo")
    assert authenticate(username="coordinator", password=DEMO_PASSWORD) is not None


def test_production_settings_refuse_the_demo_password(settings):
    call_command("seed_demo")
    settings.REFUSE_DEMO_PASSWORD = True
    assert authenticate(username="coordinator", password=DEMO_PASSWORD) is None
    with pytest.raises(ValidationError):
        validate_password(DEMO_PASSWORD)
    with pytest.raises(CommandError):
        call_command("seed_demo")
