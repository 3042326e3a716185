"""Serializers whose fields are worked out once per class (`FieldsBuiltOnce`) give each serializer the fields DRF
would have built for it, as objects of its own."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from coordination.api.serializers import ActionItemSerializer, ConcurrenceSerializer, FieldsBuiltOnce


@pytest.mark.parametrize("built_once", [ActionItemSerializer, ConcurrenceSerializer])
def test_each_serializer_gets_fields_of_its_own_equal_to_what_drf_builds(built_once):
    assert issubclass(built_once, FieldsBuiltOnce)
    # The same serializer without the cache: DRF's own ModelSerializer.get_fields.
    plain = type("Plain", (serializers.ModelSerializer,), {**built_once._declared_fields, "Meta": built_once.Meta})
    expected = {name: repr(field) for name, field in plain().fields.items()}
    first, second = built_once().fields, built_once().fields  # the first may build the class's fields
    third = built_once().fields  # made from them
    for fields in (first, second, third):
        assert {name: repr(field) for name, field in fields.items()} == expected
    for name in expected:
        assert second[name] is not third[name], name
