"""``manage.py bench_data`` (CONTRACT §1): realistic, deterministic, consistent bulk cases over demo sites."""

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from agency.demo import load_demo
from bench import data as benchdata
from core.models import User
from core.phones import normalize_phone
from residents.models import Rating, Rectification
from workflows.case_numbers import is_valid_case_no
from workflows.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

N = 200
FINAL = {"closed", "rejected", "withdrawn"}
OPEN = {"new", "assigned", "visited", "awaiting_materials", "submitted"}


@pytest.fixture
def demo() -> None:
    load_demo(password="bench-pass", with_steps=False)


@pytest.fixture
def loaded(demo: None, tmp_path: Path) -> Path:
    sample = tmp_path / "sample.jsonl"
    out = StringIO()
    call_command("bench_data", "--cases", str(N), "--seed", "7", "--sample-out", str(sample), stdout=out)
    assert f"loaded {N} cases" in out.getvalue()
    return sample


def _rows(seed: int, n: int = N) -> list[tuple[object, ...]]:
    gen = benchdata.Generator(
        n=n,
        seed=seed,
        sites=benchdata.load_sites(),
        anchor=benchdata.start_of_today(),
        first_ids=dict.fromkeys(("case", "event", "rating", "callback", "rectification"), 1),
    )
    return [row for chunk in gen.chunks(64) for row in chunk.cases]


def test_counts_and_realistic_mix(loaded: Path) -> None:
    assert Case.objects.count() == N
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses["closed"] > N * 0.6  # most cases are history
    assert set(statuses) <= set(Case.Status.values)
    per_case = Counter(CaseEvent.objects.values_list("case_id", flat=True))
    assert len(per_case) == N
    assert min(per_case.values()) >= 3
    assert max(per_case.values()) <= 11  # 8, or more only with the bad-rating loop
    assert Rating.objects.filter(case__status="closed").count() > statuses["closed"] * 0.5
    created = list(Case.objects.values_list("created_at", flat=True))
    now = timezone.now()
    assert max(created) <= now
    assert (now - min(created)).days > 365  # spread over years
    assert len({c.site_id for c in Case.objects.all()}) > 5
    _every_case_is_consistent()
    _repeat_residents_and_sample_file(loaded)


def _every_case_is_consistent() -> None:
    now = timezone.now()
    for case in Case.objects.select_related("assigned_agent").prefetch_related("events", "ratings"):
        case.full_clean(exclude=["process"])
        assert is_valid_case_no(case.case_no), case.case_no
        assert normalize_phone(str(case.resident_phone)) == str(case.resident_phone)
        assert case.due_at is not None and case.due_at > case.created_at
        events = sorted(case.events.all(), key=lambda e: (e.at, e.pk))
        assert events[0].kind == "created"
        assert all(e.at >= case.created_at and e.at <= now for e in events)
        if case.status in FINAL:
            assert case.closed_at is not None, case.status
        else:
            assert case.closed_at is None
        if case.status in OPEN:
            assert case.completed_at is None
        if case.status not in {"new", "rejected", "withdrawn"}:
            assert case.assigned_agent is not None
            assert case.assigned_agent.sites.filter(pk=case.site_id).exists()
        if case.status in {"completed", "rectifying"}:
            # the feedback window is still running: the autoclose sweep has nothing to catch up on
            assert case.completed_at is not None and case.feedback_due_at is not None
            assert case.feedback_due_at > now
        if case.status == "awaiting_materials":
            assert case.materials_missing
        if case.status == "closed":
            assert events[-1].kind == "closed"
            assert case.completed_at is not None
    # every bad rating of a closed case was answered (call-back + rectification), as the sweep expects
    for rating in Rating.objects.filter(value__lte=2, case__status="closed", is_followup=False):
        assert Rectification.objects.filter(rating=rating).exists()


def _repeat_residents_and_sample_file(loaded: Path) -> None:
    per_phone = Counter(str(p) for p in Case.objects.values_list("resident_phone", flat=True))
    assert max(per_phone.values()) >= 2  # some residents have several cases
    lines = loaded.read_text(encoding="utf-8").splitlines()
    assert len(lines) == N  # 1,000 or all when fewer
    for line in lines:
        row = json.loads(line)
        assert set(row) == {"case_no", "phone"}
        assert row["phone"].startswith("+86")
        assert Case.objects.filter(case_no=row["case_no"], resident_phone=row["phone"]).exists()


def _same_seed_same_rows_other_seed_other_rows() -> None:
    first, again, other = _rows(11), _rows(11), _rows(12)
    assert [(r[1], r[6], r[13]) for r in first] == [(r[1], r[6], r[13]) for r in again]
    assert first == again
    assert [r[1] for r in first] != [r[1] for r in other]
    assert len({r[1] for r in first}) == N  # unique numbers


def _refuses_a_second_load_unless_appending() -> None:
    with pytest.raises(CommandError, match="already holds"):
        call_command("bench_data", "--cases", "10", stdout=StringIO())
    call_command("bench_data", "--cases", "10", "--append", stdout=StringIO())
    assert Case.objects.count() == N + 10
    assert Case.objects.values("case_no").distinct().count() == N + 10


def test_loads_demo_data_when_sites_are_missing() -> None:
    out = StringIO()
    call_command("bench_data", "--cases", "20", stdout=out)
    assert "loading demo_data" in out.getvalue()
    assert Case.objects.count() == 20


def test_api_reads_a_loaded_case_determinism_and_append(loaded: Path) -> None:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="admin"))
    case = Case.objects.filter(status="closed").order_by("id").first()
    assert case is not None
    response = client.get(f"/api/v1/cases/{case.case_no}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["case_no"] == case.case_no
    assert len(body["timeline"]) == case.events.count()
    listing = client.get("/api/v1/cases/?status=submitted")
    assert listing.status_code == 200
    assert listing.json()["count"] == Case.objects.filter(status="submitted").count()
    anonymous = APIClient()
    tail = str(case.resident_phone)[-4:]
    lookup = anonymous.get("/api/v1/track/lookup/", {"case_no": case.case_no, "phone_tail": tail})
    assert lookup.status_code == 200, lookup.content
    assert lookup.json()["status"] == "closed"
    # the same demo district: generation is deterministic for a seed, and appending is refused by default
    _same_seed_same_rows_other_seed_other_rows()
    _refuses_a_second_load_unless_appending()


def test_demo_data_then_bench_data_in_the_contracts_order() -> None:
    """CONTRACT §1's two commands in the order a newcomer runs them: the demo's typical cases (their source
    cases) do not count as benchmark cases; a second load is still refused without --append."""
    call_command("demo_data", "--force", stdout=StringIO())
    demo_cases = Case.objects.count()
    assert demo_cases > 0  # the demo's typical cases are cases: what made bench_data refuse before
    out = StringIO()
    call_command("bench_data", "--cases", "30", stdout=out)
    assert "loaded 30 cases" in out.getvalue()
    assert Case.objects.count() == demo_cases + 30
    with pytest.raises(CommandError, match="30 cases besides the demo's"):
        call_command("bench_data", "--cases", "10", stdout=StringIO())
    call_command("bench_data", "--cases", "10", "--append", stdout=StringIO())
    assert Case.objects.count() == demo_cases + 40
