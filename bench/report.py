"""The benchmark's table and its targets (issue 7): what ``bench/run.py`` prints and checks after a run."""

from __future__ import annotations

from typing import Any


def print_table(rows: list[dict[str, Any]]) -> None:
    header = f"{'scenario':<40} {'c':>2} {'req/s':>8} {'×ceil':>6} {'p50 ms':>8} {'p99 ms':>8} "
    header += f"{'err':>5} {'SQL/req':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = f"{r['ratio_to_ceiling']:.2f}" if r.get("ratio_to_ceiling") is not None else "-"
        queries = r.get("queries")
        print(
            f"{r['name'][:40]:<40} {r['concurrency']:>2} {r['ops_per_s']:>8.1f} {ratio:>6} "
            f"{_fmt(r['p50_ms']):>8} {_fmt(r['p99_ms']):>8} {r['errors']:>5} "
            f"{'' if queries is None else queries:>7}"
        )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def check_targets(
    rows: list[dict[str, Any]], queries: dict[str, Any], reminder: dict[str, Any] | None
) -> dict[str, Any]:
    by = {(r["name"], r["concurrency"]): r for r in rows}

    def r(name: str, c: int) -> dict[str, Any]:
        return by.get((name, c), {})

    def at_least(name: str, c: int, key: str, bound: float) -> bool | None:
        value = r(name, c).get(key)
        return None if not r(name, c) else (value or 0) >= bound  # None: not run (a BENCH_ONLY run)

    def at_most(name: str, c: int, key: str, bound: float) -> bool | None:
        value = r(name, c).get(key)
        return None if not r(name, c) else (value if value is not None else 1e9) <= bound

    targets: dict[str, Any] = {}
    for name in ("resident lookup", "resident case list"):
        targets[f"{name}: ≥40% of ceiling req/s at c=8"] = at_least(name, 8, "ratio_to_ceiling", 0.40)
        targets[f"{name}: p99 ≤ 20 ms at c=1"] = at_most(name, 1, "p99_ms", 20)
    for name, key in (("staff list status=submitted (admin)", "staff_list"), ("case detail", "detail")):
        targets[f"{name}: ≤ 8 queries"] = queries.get(key, {}).get("queries", 99) <= 8
        targets[f"{name}: p99 ≤ 40 ms at c=1"] = at_most(name, 1, "p99_ms", 40)
    targets["staff list: queries independent of page size"] = queries.get("staff_list", {}).get(
        "queries"
    ) == queries.get("staff_list_page_size_100", {}).get("queries")
    targets["intake ≥ 150 cases/s at c=8"] = at_least("intake POST /api/v1/cases/", 8, "ops_per_s", 150)
    targets["district dashboard ≤ 300 ms warm (p50 at c=1)"] = at_most(
        "district dashboard /api/v1/stats/", 1, "p50_ms", 300
    )
    if reminder and "error" not in reminder:
        targets["reminder sweep ≤ 2 s (see reminder_sweep)"] = reminder.get("target_met")
    return targets
