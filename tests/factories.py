"""factory_boy factories for the tracker's models.

Factories write rows directly, as fixtures do: they bypass the services, so they leave no attributed history and
check no workflow rule. Tests that are about a rule go through the services instead.
"""

import datetime

import factory
from factory.django import DjangoModelFactory

from agencies.models import Agency, Liaison, OrgUnit
from coordination.models import ActionItem, Department, DepartmentMember, Initiative, Meeting
from users.models import User

TERM_START = datetime.date(2025, 4, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.go.jp")
    password = factory.django.Password("correct-horse-battery")
    # Tests read the English labels; tests/test_translation.py covers the Japanese ones.
    preferred_language = "en"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG{n}")
    name_en = factory.LazyAttribute(lambda agency: f"Agency {agency.code}")
    name_ja = factory.LazyAttribute(lambda agency: f"機関 {agency.code}")


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit

    agency = factory.SubFactory(AgencyFactory)
    name_en = factory.Sequence(lambda n: f"Division {n}")
    name_ja = factory.Sequence(lambda n: f"課 {n}")


class LiaisonFactory(DjangoModelFactory):
    class Meta:
        model = Liaison

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Liaison.Role.PRIMARY
    start_date = TERM_START
    end_date = None


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DEPT-{n}")
    name_en = factory.LazyAttribute(lambda department: f"Department {department.code}")
    name_ja = factory.LazyAttribute(lambda department: f"部 {department.code}")


class DepartmentMemberFactory(DjangoModelFactory):
    class Meta:
        model = DepartmentMember

    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(UserFactory)
    role = DepartmentMember.Role.COORDINATOR


class InitiativeFactory(DjangoModelFactory):
    class Meta:
        model = Initiative

    code = factory.Sequence(lambda n: f"P{n}")
    department = factory.SubFactory(DepartmentFactory)
    title_en = factory.Sequence(lambda n: f"Line of effort {n}")


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"Interagency meeting {n}")
    held_on = datetime.date(2026, 5, 20)


class ActionItemFactory(DjangoModelFactory):
    """A draft item with a due date on a business day; pass status and timestamps for other states."""

    class Meta:
        model = ActionItem

    title = factory.Sequence(lambda n: f"Action item {n}")
    department = factory.SubFactory(DepartmentFactory)
    lead_agency = factory.SubFactory(AgencyFactory)
    status = ActionItem.Status.DRAFT
    due_date = datetime.date(2026, 6, 30)
    original_due_date = factory.SelfAttribute("due_date")
    # An item past draft has been assigned: its agencies see it from then on.
    first_assigned_at = factory.LazyAttribute(
        lambda item: (
            None if item.status == ActionItem.Status.DRAFT else datetime.datetime(2026, 5, 25, 1, tzinfo=datetime.UTC)
        )
    )
