"""Shared pieces for DRF input serializers."""

import copy
from typing import Any

from rest_framework import serializers


# An input serializer whose per-instance fields are shallow copies of the declared ones.
#
# DRF deep-copies every declared field (with its choices, validators, child fields and querysets) for each
# serializer instance, so that binding a field (``field_name``, ``parent``) never leaks between instances.
# Binding only sets attributes on the copy, and validation never mutates what a copy shares with the declared
# field, so a shallow copy is enough: a third of ``CaseCreateInput.is_valid`` on every intake. Use it for flat
# input serializers (no nested serializers). A comment, not a docstring: drf-spectacular shows the nearest
# docstring of a serializer's classes in /api/docs/, and this note is not for API users.
class ShallowFieldsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    def get_fields(self) -> dict[str, Any]:
        declared: dict[str, Any] = self._declared_fields  # type: ignore[attr-defined]
        return {name: copy.copy(field) for name, field in declared.items()}
