"""Issue 33: text people typed that starts with = + - @ (or a tab / CR) is written as text in every XLSX export.

Each test plants a formula where a resident or a staff member could type one, downloads the export over HTTP,
opens it with openpyxl and checks that the cell is a string (data type ``s``), never a formula (``f``).
"""

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from openpyxl import load_workbook

from bundles.tests.factories import add_birth_bundle
from bundles.tests.factories import intake as bundle_intake
from core.spreadsheet import safe_cell
from tests.security.conftest import SecWorld

PAYLOADS = [
    '=HYPERLINK("http://evil.example/x","点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def _cells(content: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(content))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def _assert_no_formulas(content: bytes, planted: list[str]) -> None:
    cells = _cells(content)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    for payload in planted:
        # kept, as text, visibly as typed (XML reads a stored CR back as LF)
        assert ("'" + payload).replace("\r", "\n") in texts, payload


def test_safe_cell_leaves_other_values_alone() -> None:
    assert safe_cell("张三") == "张三" and safe_cell(-5) == -5 and safe_cell(1.5) == 1.5
    assert safe_cell(None) is None and safe_cell("a=b") == "a=b"
    assert safe_cell("+8613800138000") == "+8613800138000"  # an E.164 phone, nothing to run
    assert safe_cell("+8613800138000+1") == "'+8613800138000+1"
    assert all(safe_cell(p) == "'" + p for p in PAYLOADS)


@pytest.mark.django_db
@pytest.mark.parametrize("unmasked", [True, False])
def test_case_export_writes_residents_text_as_text(sec_world: SecWorld, unmasked: bool) -> None:
    case = sec_world.case
    case.resident_name = PAYLOADS[0]
    case.address = PAYLOADS[1]
    case.id_number = "370102199001011234"
    case.save()
    agent = sec_world.world.agent_grid
    agent.name = PAYLOADS[3]
    agent.save()
    sec_world.case.assigned_agent = agent
    sec_world.case.save()
    bw = add_birth_bundle(sec_world.world)  # the 一件事 sheet (bundles.exports) rides in the same workbook
    bw.bundle.name = PAYLOADS[2]
    bw.bundle.save()
    bundle_intake(bw)
    town = sec_world.users["town"]
    if unmasked:  # the export the issue found: formulas beside full ID numbers
        town.user_permissions.add(Permission.objects.get(codename="view_unmasked"))
    client = sec_world.client("town")
    period = {
        "period": "custom",
        "from": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "to": timezone.localdate().isoformat(),
    }
    response = client.post("/dashboard/export/", period)
    assert response.status_code == 200
    cells = _cells(response.content)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert "'" + PAYLOADS[3] in texts  # the agent's name
    assert "'" + PAYLOADS[2] in texts  # the bundle's name on the 一件事 sheet
    if unmasked:
        assert {"'" + PAYLOADS[0], "'" + PAYLOADS[1], "370102199001011234"} <= texts
    else:  # masked values keep their first character: escaped as well
        assert any(t.startswith("'=") for t in texts) and any(t.startswith("'+1") for t in texts)


@pytest.mark.django_db
def test_standards_export_writes_site_names_as_text(sec_world: SecWorld) -> None:
    station = sec_world.world.station
    station.name = PAYLOADS[4]
    station.save()
    response = sec_world.client("admin").get("/standards/export.xlsx")
    assert response.status_code == 200
    _assert_no_formulas(response.content, [PAYLOADS[4]])


@pytest.mark.django_db
def test_training_export_writes_agent_names_as_text(sec_world: SecWorld) -> None:
    from training.models import CapabilityPlan

    agent = sec_world.world.agent_grid
    agent.name = PAYLOADS[5]
    agent.save()
    CapabilityPlan.objects.create(kind=agent.kind, required_hours=12)
    response = sec_world.client("admin").get(f"/training/plan/{sec_world.world.center.code}/export.xlsx")
    assert response.status_code == 200
    _assert_no_formulas(response.content, [PAYLOADS[5]])
