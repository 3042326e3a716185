"""No admin form lists an unbounded number of choices: with far more people, liaison terms, items, initiatives and
meetings than a list may hold, every add and change form of every model admin (generated from the registry, as
the superuser, who sees everything) keeps each of its select lists under the bound; what grows is chosen by
autocomplete, limited to what the user may see (tests/coordination/test_admin_matrix.py)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.hashers import make_password

from agencies.models import Liaison
from coordination.models import ActionItem, Initiative, Meeting
from tests.conftest import TODAY
from tests.coordination.test_admin_matrix import MODEL_ADMINS, sample, url  # noqa: F401 - `sample` is a fixture
from users.models import User

pytestmark = pytest.mark.django_db
BOUND = 100  # options in one select list, at most
CROWD = BOUND + 20
SELECT = re.compile(r"<select[^>]*?\sname=\"([^\"]+)\"[^>]*>(.*?)</select>", re.DOTALL)
# Lists fixed by the code, not grown by use: a permission per model and action.
FIXED_BY_THE_CODE = {"user_permissions", "user_permissions_old", "permissions"}


@pytest.fixture
def crowd(world, sample):  # noqa: F811 - the fixture imported above
    """More than BOUND of every row that grows as the tracker is used: accounts, liaison terms (ended ones), items,
    initiatives, meetings."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"crowd-{number}", email=f"crowd-{number}@example.go.jp", password=password)
        for number in range(CROWD)
    )
    # Terms that ended: over the years an agency's past liaisons far outnumber its current ones.
    Liaison.objects.bulk_create(
        Liaison(
            user=user, agency=world.mod, org_unit=world.mod_unit, role=Liaison.Role.ALTERNATE,
            start_date=TODAY - datetime.timedelta(days=400), end_date=TODAY - datetime.timedelta(days=30),
        )
        for user in users
    )  # fmt: skip
    item = ActionItem.objects.get(pk=world.item.pk)
    fields = [field.attname for field in ActionItem._meta.concrete_fields if not field.primary_key]
    ActionItem.objects.bulk_create(
        ActionItem(**{name: getattr(item, name) for name in fields} | {"title": f"Crowd item {number}"})
        for number in range(CROWD)
    )
    Initiative.objects.bulk_create(
        Initiative(department=world.department, code=f"C{number}", title_en=f"Crowd initiative {number}")
        for number in range(CROWD)
    )
    Meeting.objects.bulk_create(
        Meeting(department=world.department, title=f"Crowd meeting {number}", held_on=TODAY) for number in range(CROWD)
    )


@pytest.mark.parametrize("model_admin", MODEL_ADMINS, ids=lambda model_admin: model_admin.opts.label)
def test_no_admin_form_lists_more_than_a_bounded_number_of_choices(client, world, sample, crowd, model_admin):  # noqa: F811
    client.force_login(world.superuser)
    for page in (url(model_admin, "add"), url(model_admin, "change", sample[model_admin.model])):
        response = client.get(page)
        if response.status_code != 200:
            continue  # a model nobody adds (or changes) by hand
        for name, options in SELECT.findall(response.text):
            if name in FIXED_BY_THE_CODE:
                continue
            count = options.count("<option")
            assert count <= BOUND, f"{page}: the list {name!r} offers {count} choices"
