"""``/api/docs/`` (the OpenAPI schema behind it) describes bodies for the people who call the API: no notes about
our internals (how DRF copies fields, issue numbers)."""

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

INTERNAL = re.compile(r"deep-cop|shallow cop|\bDRF\b|issue \d+|is_valid", re.IGNORECASE)


def test_schema_descriptions_are_user_facing():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    create = schema["components"]["schemas"]["CaseCreateInputRequest"]["description"]
    assert create.startswith("登记一件新的帮办代办案件")
    assert "Idempotency-Key" in create and "resident_phone" in create
    leaks = {
        name: component["description"]
        for name, component in schema["components"]["schemas"].items()
        if INTERNAL.search(component.get("description", ""))
    }
    assert leaks == {}
