"""Who sees which items: the single definition in `action_items_visible_to`, and the cost of building a viewer."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from coordination import services
from coordination.models import ActionItem, Concurrence, DepartmentMember
from coordination.selectors import action_item_roles, action_items_visible_to, liaisons_for_agency, viewer_for
from coordination.workflow import Role
from tests.conftest import TODAY
from tests.factories import ActionItemFactory, DepartmentMemberFactory, LiaisonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world, move_to_status):
    """The world's item, assigned (SCD, MOD lead, MOFA supporting), plus one item per other situation."""
    main = move_to_status(world.item, "assigned")
    never_assigned = ActionItemFactory(department=world.department, lead_agency=world.mod, title="Draft")
    Concurrence.objects.create(action_item=never_assigned, agency=world.mofa)
    stratcom_item = ActionItemFactory(
        department=world.other_department, lead_agency=world.mofa, title="StratCom", status="assigned"
    )
    mofa_led = ActionItemFactory(
        department=world.department, lead_agency=world.mofa, title="MOFA only", status="assigned"
    )
    closed = ActionItemFactory(
        department=world.department,
        lead_agency=world.mod,
        status=ActionItem.Status.CLOSED,
        closed_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
        title="Closed",
    )
    return {"main": main, "draft": never_assigned, "stratcom": stratcom_item, "mofa_only": mofa_led, "closed": closed}


def visible(user, items, today=TODAY):
    """The names of `items` the user sees on `today`."""
    pks = set(action_items_visible_to(user, today=today).values_list("pk", flat=True))
    return {name for name, item in items.items() if item.pk in pks}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", {"main", "draft", "mofa_only", "closed"}),  # department items only, whatever their status
        ("director", {"main", "draft", "mofa_only", "closed"}),
        ("other_coordinator", {"stratcom"}),
        ("lead_liaison", {"main", "closed"}),  # MOD leads these (and the draft, never assigned: not yet theirs)
        ("supporting_liaison", {"main", "stratcom", "mofa_only"}),  # MOFA supports one and leads two
        ("unrelated_liaison", set()),
        ("ended_liaison", set()),
        ("staff", set()),
        ("superuser", {"main", "draft", "stratcom", "mofa_only", "closed"}),
    ],
)
def test_items_visible_to_each_role(world, items, role, expected):
    assert visible(getattr(world, role), items) == expected


def test_superuser_sees_every_item(world, items):
    assert action_items_visible_to(world.superuser, today=TODAY).count() == ActionItem.objects.count()


def test_anonymous_and_missing_users_see_nothing(world, items):
    assert not action_items_visible_to(AnonymousUser(), today=TODAY).exists()
    assert not action_items_visible_to(None, today=TODAY).exists()


def test_a_supporting_agency_sees_the_item_through_its_concurrence(world, items):
    Concurrence.objects.create(action_item=items["stratcom"], agency=world.meti)
    assert visible(world.unrelated_liaison, items) == {"stratcom"}


def test_a_deactivated_user_sees_nothing_even_with_a_running_term(world, items):
    world.lead_liaison.is_active = False
    world.lead_liaison.save()
    assert visible(world.lead_liaison, items) == set()


def test_an_inactive_membership_or_department_gives_no_access(world, items):
    DepartmentMember.objects.filter(user=world.coordinator).update(is_active=False)
    assert visible(world.coordinator, items) == set()
    world.other_department.is_active = False
    world.other_department.save()
    assert visible(world.other_coordinator, items) == set()


def test_a_term_gives_access_from_its_start_until_the_day_before_its_end(world, items):
    term = LiaisonFactory(agency=world.mod, start_date=datetime.date(2026, 6, 2), end_date=datetime.date(2026, 6, 5))
    days = [datetime.date(2026, 6, 1), datetime.date(2026, 6, 2), datetime.date(2026, 6, 4), datetime.date(2026, 6, 5)]
    seen_on = {day: bool(visible(term.user, items, today=day)) for day in days}
    assert seen_on == {
        datetime.date(2026, 6, 1): False,
        datetime.date(2026, 6, 2): True,
        datetime.date(2026, 6, 4): True,
        datetime.date(2026, 6, 5): False,  # the end date is the first day without access
    }
    assert visible(world.ended_liaison, items) == set()
    # Before the term ended, they did see MOD's items.
    assert visible(world.ended_liaison, items, today=datetime.date(2026, 3, 31)) == {"main", "closed"}


def test_a_coordinator_who_is_also_a_liaison_sees_both(world, items):
    LiaisonFactory(user=world.other_coordinator, agency=world.mod)
    assert visible(world.other_coordinator, items) == {"stratcom", "main", "closed"}


def test_viewer_for_collects_roles(world):
    viewer = viewer_for(world.director, today=TODAY)
    assert viewer.director_department_ids == {world.department.pk}
    assert viewer.coordinator_department_ids == frozenset()
    assert viewer_for(world.lead_liaison, today=TODAY).liaison_agency_ids == {world.mod.pk}
    assert viewer_for(world.ended_liaison, today=TODAY).liaison_agency_ids == frozenset()
    assert viewer_for(world.staff, today=TODAY).is_coordinating is False
    assert viewer_for(world.superuser, today=TODAY).is_coordinating is True


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", {Role.COORDINATOR}),
        ("director", {Role.DIRECTOR}),
        ("lead_liaison", {Role.LEAD_LIAISON}),
        ("supporting_liaison", {Role.SUPPORTING_LIAISON}),
        ("unrelated_liaison", set()),
        ("ended_liaison", set()),
        ("other_coordinator", set()),
        ("staff", set()),
        ("superuser", {Role.COORDINATOR}),
    ],
)
def test_action_item_roles(world, move_to_status, role, expected):
    viewer = viewer_for(getattr(world, role), today=TODAY)
    assert action_item_roles(viewer, move_to_status(world.item, "assigned")) == expected


def test_the_agencies_have_no_role_on_a_draft_never_assigned_and_keep_one_after_a_decline(world, move_to_status):
    lead, supporting = (viewer_for(user, today=TODAY) for user in (world.lead_liaison, world.supporting_liaison))
    assert action_item_roles(lead, world.item) == set() and action_item_roles(supporting, world.item) == set()
    item = move_to_status(world.item, "assigned")
    item = services.action_item_transition(actor=world.lead_liaison, item=item, name="decline", reason="Not ours")
    assert item.status == ActionItem.Status.DRAFT and item.first_assigned_at is not None
    assert action_item_roles(lead, item) == {Role.LEAD_LIAISON}
    assert item in action_items_visible_to(world.supporting_liaison, today=TODAY)


def test_liaisons_for_agency_lists_those_in_office_primary_first(world):
    alternate = LiaisonFactory(agency=world.mod, role="alternate")
    liaisons = list(liaisons_for_agency(world.mod.pk, today=TODAY))
    assert liaisons == [world.lead_term, alternate]
    assert world.ended_term not in liaisons


@pytest.mark.parametrize("role", ["coordinator", "lead_liaison", "superuser", "staff"])
def test_viewer_for_uses_at_most_two_queries(world, django_assert_max_num_queries, role):
    user = getattr(world, role)
    # Many memberships and terms must not cost more queries.
    for _ in range(5):
        DepartmentMemberFactory(user=user)
        LiaisonFactory(user=user)
    with django_assert_max_num_queries(2):
        viewer_for(user, today=TODAY)


def test_visible_items_cost_a_bounded_number_of_queries(world, items, django_assert_max_num_queries):
    for _ in range(20):
        item = ActionItemFactory(department=world.department, lead_agency=world.meti, status="assigned")
        Concurrence.objects.create(action_item=item, agency=world.mofa)
    with django_assert_max_num_queries(3):
        rows = list(action_items_visible_to(world.supporting_liaison, today=TODAY))
    assert len(rows) == 23  # the 20, the world's item, StratCom's, and the item MOFA leads (not the draft)


def test_a_user_without_roles_costs_at_most_three_queries(db, django_assert_max_num_queries):
    user = UserFactory()
    with django_assert_max_num_queries(3):
        assert list(action_items_visible_to(user, today=TODAY)) == []
