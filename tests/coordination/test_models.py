"""The invariants the database holds by itself, whoever writes the row (a service, the admin, a migration, a shell)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Liaison
from coordination.models import ActionItem, Concurrence, DepartmentMember, ExtensionRequest
from tests.factories import (
    ActionItemFactory,
    AgencyFactory,
    DepartmentFactory,
    DepartmentMemberFactory,
    LiaisonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = ActionItem.Status


def test_percent_complete_cannot_exceed_100():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(percent_complete=101)
    assert ActionItemFactory(percent_complete=100).percent_complete == 100


def test_an_item_cannot_be_its_own_parent():
    item = ActionItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(parent=item)
    item.refresh_from_db()
    assert item.parent_id is None


@pytest.mark.parametrize("status", [s for s in Status if s not in (Status.DRAFT, Status.CANCELLED)])
def test_an_assigned_item_needs_a_due_date(status):
    closed_at = timezone.now() if status == Status.CLOSED else None
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(status=status, due_date=None, original_due_date=None, closed_at=closed_at)


@pytest.mark.parametrize("status", [Status.DRAFT, Status.CANCELLED])
def test_a_draft_or_cancelled_item_may_have_no_due_date(status):
    """A draft may be cancelled before anyone set its due date."""
    assert ActionItemFactory(status=status, due_date=None, original_due_date=None).due_date is None


def test_a_closed_item_needs_closed_at():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(status=Status.CLOSED, closed_at=None)
    assert ActionItemFactory(status=Status.CLOSED, closed_at=timezone.now()).status == Status.CLOSED


def test_an_unknown_status_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(status="archived")


def test_external_id_is_unique_within_a_department():
    department = DepartmentFactory()
    ActionItemFactory(department=department, external_id="MOD-2026-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(department=department, external_id="MOD-2026-001")


def test_the_same_external_id_is_allowed_in_another_department():
    ActionItemFactory(department=DepartmentFactory(), external_id="MOD-2026-001")
    ActionItemFactory(department=DepartmentFactory(), external_id="MOD-2026-001")
    assert ActionItem.objects.filter(external_id="MOD-2026-001").count() == 2


def test_a_blank_external_id_is_allowed_many_times_in_a_department():
    department = DepartmentFactory()
    for _ in range(3):
        ActionItemFactory(department=department, external_id="")
    assert ActionItem.objects.filter(department=department, external_id="").count() == 3


def test_one_concurrence_per_agency_per_item():
    item = ActionItemFactory()
    agency = AgencyFactory(code="MOFA")
    Concurrence.objects.create(action_item=item, agency=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        Concurrence.objects.create(action_item=item, agency=agency)
    Concurrence.objects.create(action_item=ActionItemFactory(), agency=agency)  # another item is fine
    assert Concurrence.objects.filter(agency=agency).count() == 2


def test_a_non_concurrence_needs_a_comment():
    item = ActionItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Concurrence.objects.create(action_item=item, agency=AgencyFactory(), state=Concurrence.State.NON_CONCUR)
    concurrence = Concurrence.objects.create(
        action_item=item, agency=AgencyFactory(), state=Concurrence.State.NON_CONCUR, comment="Budget not agreed."
    )
    assert concurrence.state == Concurrence.State.NON_CONCUR


def _extension(item, **fields):
    values = {
        "action_item": item,
        "requested_by": UserFactory(),
        "requested_due_date": datetime.date(2026, 7, 31),
        "previous_due_date": item.due_date,
        "reason": "Waiting for the partner country's answer.",
    }
    values.update(fields)
    return ExtensionRequest.objects.create(**values)


def test_one_pending_extension_request_per_item():
    item = ActionItemFactory(status=Status.IN_PROGRESS)
    _extension(item)
    with pytest.raises(IntegrityError), transaction.atomic():
        _extension(item)
    assert item.extension_requests.count() == 1


def test_decided_extension_requests_do_not_block_a_new_pending_one():
    item = ActionItemFactory(status=Status.IN_PROGRESS)
    _extension(item, state=ExtensionRequest.State.DENIED, decided_at=timezone.now(), decision_comment="No.")
    _extension(item, state=ExtensionRequest.State.WITHDRAWN)
    _extension(item)
    assert item.extension_requests.count() == 3


def test_a_decided_extension_request_needs_a_decision_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        _extension(ActionItemFactory(), state=ExtensionRequest.State.APPROVED, decided_at=None)


def test_an_extension_request_needs_a_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        _extension(ActionItemFactory(), reason="")


def test_one_active_director_per_department():
    department = DepartmentFactory()
    DepartmentMemberFactory(department=department, role=DepartmentMember.Role.DIRECTOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentMemberFactory(department=department, role=DepartmentMember.Role.DIRECTOR)


def test_a_former_director_and_other_departments_directors_are_allowed():
    department = DepartmentFactory()
    DepartmentMemberFactory(department=department, role=DepartmentMember.Role.DIRECTOR, is_active=False)
    DepartmentMemberFactory(department=department, role=DepartmentMember.Role.DIRECTOR)
    DepartmentMemberFactory(department=DepartmentFactory(), role=DepartmentMember.Role.DIRECTOR)
    assert DepartmentMember.objects.filter(role=DepartmentMember.Role.DIRECTOR, is_active=True).count() == 2


def test_a_person_is_a_member_of_a_department_once():
    member = DepartmentMemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentMemberFactory(department=member.department, user=member.user, role=DepartmentMember.Role.DIRECTOR)


def test_a_liaison_term_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonFactory(start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2026, 3, 31))
    # Ending on the first day is allowed: a term that never gave access.
    LiaisonFactory(start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2026, 4, 1))


def test_one_open_term_per_user_and_agency():
    user, agency = UserFactory(), AgencyFactory(code="MOD")
    LiaisonFactory(user=user, agency=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonFactory(user=user, agency=agency, role=Liaison.Role.ALTERNATE)


def test_ended_terms_and_other_agencies_do_not_count_as_open_terms():
    user, mod = UserFactory(), AgencyFactory(code="MOD")
    LiaisonFactory(user=user, agency=mod, start_date=datetime.date(2024, 4, 1), end_date=datetime.date(2025, 4, 1))
    LiaisonFactory(user=user, agency=mod, start_date=datetime.date(2025, 4, 1))
    LiaisonFactory(user=user, agency=AgencyFactory(code="MOFA"))
    assert Liaison.objects.filter(user=user).count() == 3


@pytest.mark.parametrize("code", ["mod", "Mofa", "1MOD", "MOD ", "-MOD", ""])
def test_agency_code_must_be_upper_case(code):
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyFactory(code=code)


@pytest.mark.parametrize("code", ["MOD", "JCG", "ATLA-2", "M1"])
def test_upper_case_agency_codes_are_accepted(code):
    assert AgencyFactory(code=code).code == code


def test_an_agency_cannot_be_its_own_parent():
    agency = AgencyFactory(code="MLIT")
    with pytest.raises(IntegrityError), transaction.atomic():
        type(agency).objects.filter(pk=agency.pk).update(parent=agency)
