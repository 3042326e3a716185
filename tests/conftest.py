"""Fixtures shared by all tests: a fixed clock and a small world of departments, agencies, liaisons and an item."""

import datetime
import socket
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import translation

from agencies.models import Liaison
from coordination import search, services
from coordination.models import ActionItem, Concurrence, DepartmentMember, OutboxMessage
from coordination.reminders import targets
from tests.factories import (
    AgencyFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    LiaisonFactory,
    OrgUnitFactory,
    UserFactory,
)

pytest_plugins = ["tests.tool_groups", "tests.e2e.browser"]

JAPAN = ZoneInfo("Asia/Tokyo")
# Monday 1 June 2026, 10:00 in Tokyo: a business day, far from any holiday.
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=JAPAN)
TODAY = NOW.date()
DUE = datetime.date(2026, 6, 30)  # a Tuesday


def pytest_collection_modifyitems(config, items):
    """A parallel run hands out tests by node id: tests sharing one would silently run once. They must be marked
    `serial` (the one-process run takes them)."""
    seen, shared = set(), set()
    for item in items:
        if item.get_closest_marker("serial") is None:
            (shared if item.nodeid in seen else seen).add(item.nodeid)
    if shared:
        raise pytest.UsageError("tests share a node id; mark them serial: " + ", ".join(sorted(shared)))


@pytest.fixture(scope="session", autouse=True)
def empty_test_broker():
    """What earlier runs published to the suite's own Redis broker database (nothing consumes it) is dropped."""
    if django_settings.CELERY_BROKER_URL.startswith("redis"):
        redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture(autouse=True)
def table_figures_forgotten(monkeypatch):
    """Each test starts with no figure of the table kept by the search (its size, how many items hold a query), whatever
    a test before it (in this process) searched in another database."""
    monkeypatch.setattr(search, "_figures", {})


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language, whatever a test before it (in this process) activated."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def now(time_machine):
    """Freeze the start of the test at NOW; the clock keeps ticking from there so writes get distinct times."""
    time_machine.move_to(NOW)
    return NOW


@pytest.fixture
def world(db, now):
    """Two departments, three agencies, one liaison per role and one draft item led by MOD with MOFA supporting."""
    department = DepartmentFactory(code="NSS-SCD", name_en="Security Cooperation Department", name_ja="安全保障協力部")
    other_department = DepartmentFactory(
        code="NSS-STRATCOM", name_en="Strategic Communications Center", name_ja="戦略的コミュニケーションセンター"
    )
    coordinator = UserFactory(username="coordinator")
    director = UserFactory(username="director")
    other_coordinator = UserFactory(username="stratcom-coordinator")
    DepartmentMemberFactory(department=department, user=coordinator)
    DepartmentMemberFactory(department=department, user=director, role=DepartmentMember.Role.DIRECTOR)
    DepartmentMemberFactory(department=other_department, user=other_coordinator)
    other_director = UserFactory(username="stratcom-director")
    DepartmentMemberFactory(department=other_department, user=other_director, role=DepartmentMember.Role.DIRECTOR)

    mod = AgencyFactory(code="MOD", name_en="Ministry of Defense", name_ja="防衛省")
    mofa = AgencyFactory(code="MOFA", name_en="Ministry of Foreign Affairs", name_ja="外務省")
    meti = AgencyFactory(code="METI", name_en="Ministry of Economy, Trade and Industry", name_ja="経済産業省")
    mod_unit = OrgUnitFactory(agency=mod, name_en="International Policy Division")
    mofa_unit = OrgUnitFactory(agency=mofa, name_en="International Peace and Security Cooperation Division")

    lead_term = LiaisonFactory(user__username="mod-liaison", agency=mod, org_unit=mod_unit)
    supporting_term = LiaisonFactory(user__username="mofa-liaison", agency=mofa, org_unit=mofa_unit)
    unrelated_term = LiaisonFactory(user__username="meti-liaison", agency=meti)
    ended_term = LiaisonFactory(
        user__username="mod-former-liaison",
        agency=mod,
        start_date=datetime.date(2024, 4, 1),
        end_date=datetime.date(2026, 4, 1),
    )
    staff = UserFactory(username="staff", is_staff=True)
    superuser = UserFactory(username="admin", is_staff=True, is_superuser=True)

    # Tools' accounts: the department's sync (coordinator rights), its reporting job (read-only), MOD's own tracker.
    integration = services.integration_account_create(
        actor=coordinator, username="nss-sync", department=department, description="Cabinet tracker sync", now=NOW
    ).user
    readonly_integration = services.integration_account_create(
        actor=director, username="nss-report", department=department, read_only=True, now=NOW
    ).user
    agency_integration = services.integration_account_create(
        actor=lead_term.user, username="mod-sync", agency=mod, now=NOW
    ).user

    item = services.action_item_create(
        actor=coordinator,
        department=department,
        title="Draft a defense diplomacy strategy",
        lead_agency=mod,
        supporting_agencies=[mofa],
        due_date=DUE,
        assigned_liaison=lead_term,
        now=NOW,
    )
    return SimpleNamespace(
        department=department,
        other_department=other_department,
        coordinator=coordinator,
        director=director,
        other_coordinator=other_coordinator,
        other_director=other_director,
        mod=mod,
        mofa=mofa,
        meti=meti,
        mod_unit=mod_unit,
        mofa_unit=mofa_unit,
        lead_term=lead_term,
        supporting_term=supporting_term,
        unrelated_term=unrelated_term,
        ended_term=ended_term,
        lead_liaison=lead_term.user,
        supporting_liaison=supporting_term.user,
        unrelated_liaison=unrelated_term.user,
        ended_liaison=ended_term.user,
        staff=staff,
        superuser=superuser,
        integration=integration,
        readonly_integration=readonly_integration,
        agency_integration=agency_integration,
        item=item,
    )


@pytest.fixture
def staff_world(world):
    """The world's people all sign in to the admin (staff accounts; a tool's account stays shut out regardless)."""
    for user in (
        world.coordinator,
        world.director,
        world.other_coordinator,
        world.other_director,
        world.lead_liaison,
        world.supporting_liaison,
        world.unrelated_liaison,
        world.ended_liaison,
        world.readonly_integration,
    ):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return world


@pytest.fixture
def move_to_status(world):
    """Return a function that walks an item of the world to a status through the services, as people would."""

    def move(item: ActionItem, status: str) -> ActionItem:
        def step(actor, name, reason=""):
            return services.action_item_transition(actor=actor, item=item, name=name, reason=reason)

        Status = ActionItem.Status
        if status == Status.DRAFT:
            return ActionItem.objects.get(pk=item.pk)
        step(world.coordinator, "assign")
        if status == Status.ASSIGNED:
            return ActionItem.objects.get(pk=item.pk)
        step(world.lead_liaison, "acknowledge")
        if status == Status.ACKNOWLEDGED:
            return ActionItem.objects.get(pk=item.pk)
        step(world.lead_liaison, "start")
        if status == Status.IN_PROGRESS:
            return ActionItem.objects.get(pk=item.pk)
        if status == Status.BLOCKED:
            return step(world.lead_liaison, "block", "Waiting for the budget request")
        if status == Status.CANCELLED:
            return step(world.coordinator, "cancel", "Overtaken by the new strategy")
        step(world.lead_liaison, "submit")
        if status == Status.SUBMITTED:
            return ActionItem.objects.get(pk=item.pk)
        if status == Status.CLOSED:
            for concurrence in Concurrence.objects.filter(action_item=item):
                liaison = Liaison.objects.active_on(TODAY).filter(agency=concurrence.agency).first()
                services.concurrence_record(
                    actor=liaison.user, item=item, agency=concurrence.agency, state=Concurrence.State.CONCUR
                )
            return step(world.coordinator, "close")
        raise ValueError(f"Unknown status {status!r}")

    return move


@pytest.fixture
def queued(db):
    """What changes wrote to the outbox since the last look, as (task name, arguments) pairs; then forgotten."""

    def take() -> list[tuple[str, tuple]]:
        rows = [(task, tuple(args)) for task, args in OutboxMessage.objects.order_by("pk").values_list("task", "args")]
        OutboxMessage.objects.all().delete()
        return rows

    return take


@pytest.fixture
def token_for(db):
    """Issue an API token for a user (as the command line does) and return its key."""
    from users.services import api_token_issue

    def issue(user, **kwargs):
        return api_token_issue(actor=None, user=user, name="test", **kwargs)[1]

    return issue


@pytest.fixture
def dns(monkeypatch):
    """A stub resolver for webhook targets (there is no DNS here): names map to the addresses a test gives them;
    anything else does not resolve."""

    table: dict[str, list[str]] = {}

    def resolve(host, port):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(targets, "resolve", resolve)
    return table
