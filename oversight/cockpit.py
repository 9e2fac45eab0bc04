"""The district cockpit's figures, shaped for the page, its JSON and the wall screen (数据大屏).

Every number comes from ``oversight.stats.cockpit_figures`` (the one computation) and every case figure
links to ``/staff/cases/?figure=…&from=…&to=…[&site=…][&matter=…]``, which filters with the same
definitions (``workflows.figures``): a figure's click-through lists exactly the cases it counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from agency.models import Site
from oversight import stats
from workflows.figures import date_bounds

CASES_URL = "/staff/cases/"

# Tiles of the feature apps above oversight (e.g. standards' 站点达标), registered from their ``ready()`` so
# oversight never imports them: ``tile(scope=…, period=…, lo=…) -> dict`` with key, label, value, text, delta, url.
TileProvider = Callable[..., dict[str, Any]]
_TILE_PROVIDERS: list[TileProvider] = []


def register_tile(provider: TileProvider) -> None:
    """Add ``provider`` once (``ready()`` may run twice in tests)."""
    if provider not in _TILE_PROVIDERS:
        _TILE_PROVIDERS.append(provider)


def cases_url(figure: str, period: stats.Period, *, site: str = "", matter: str = "") -> str:
    """The case table filtered to exactly what ``figure`` counts in ``period`` (and ``site``/``matter``)."""
    params: dict[str, str] = {"figure": figure}
    if period.start:
        params["from"] = period.start.isoformat()
    if period.end:
        params["to"] = period.end.isoformat()
    if site:
        params["site"] = site
    if matter:
        params["matter"] = matter
    return f"{CASES_URL}?{urlencode(params)}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def delta(now: float | int | None, before: float | int | None, *, rate: bool) -> dict[str, Any]:
    """Change against the previous period: points for a rate, count and per cent for a number."""
    if now is None or before is None:
        return {"value": None, "text": "上期无数据", "dir": "flat"}
    diff = now - before
    direction = "up" if diff > 0 else "down" if diff < 0 else "flat"
    if rate:
        return {"value": round(diff, 4), "text": f"较上期 {diff * 100:+.1f} 个百分点", "dir": direction}
    rel = f"（{diff / before * 100:+.0f}%）" if before else ""
    return {"value": diff, "text": f"较上期 {diff:+d}{rel}", "dir": direction}


def cockpit_data(*, scope: stats.Scope, period: stats.Period) -> dict[str, Any]:
    """Tiles, series and tables of the cockpit (plain data: the page renders it, ``/cockpit/data/`` sends it)."""
    cur = stats.cockpit_figures_cached(scope=scope, period=period)
    prev_period = stats.period_previous(period)
    prev = stats.cockpit_figures_cached(scope=scope, period=prev_period)
    body, extra, pbody, pextra = cur["body"], cur["extra"], prev["body"], prev["extra"]
    lo, _hi = date_bounds(period.start, period.end)
    plo, _phi = date_bounds(prev_period.start, prev_period.end)
    site_code = scope.site.code if scope.site else ""
    tiles = [
        {"key": "received", "label": "受理", "value": extra["received"], "text": str(extra["received"]),
         "delta": delta(extra["received"], pextra["received"], rate=False),
         "url": cases_url("received", period, site=site_code)},
        {"key": "open", "label": "在办", "value": body["open"], "text": str(body["open"]),
         "delta": delta(body["open"], pbody["open"], rate=False), "url": cases_url("open", period, site=site_code)},
        {"key": "overdue", "label": "超期", "value": body["overdue"], "text": str(body["overdue"]),
         "delta": delta(body["overdue"], pbody["overdue"], rate=False),
         "url": cases_url("overdue", period, site=site_code), "alert": body["overdue"] > 0},
        {"key": "on_time_rate", "label": "按期办结率", "value": body["on_time_rate"], "text": _pct(body["on_time_rate"]),
         "delta": delta(body["on_time_rate"], pbody["on_time_rate"], rate=True),
         "url": cases_url("closed", period, site=site_code), "note": f"本期办结 {body['closed']} 件"},
        {"key": "satisfaction_rate", "label": "满意率", "value": body["satisfaction_rate"],
         "text": _pct(body["satisfaction_rate"]),
         "delta": delta(body["satisfaction_rate"], pbody["satisfaction_rate"], rate=True), "url": "/staff/ratings/"},
        {"key": "bad_open", "label": "差评待整改", "value": extra["bad_open"], "text": str(extra["bad_open"]),
         "delta": delta(extra["bad_open"], pextra["bad_open"], rate=False), "url": "/staff/ratings/",
         "alert": extra["bad_open"] > 0},
    ]  # fmt: skip
    tiles += [provider(scope=scope, period=period, lo=lo) for provider in _TILE_PROVIDERS]
    trend = [
        {
            "day": d["day"].isoformat(),
            "new": d["new"],
            "closed": d["closed"],
            "new_url": cases_url("received", stats.Period(d["day"], d["day"]), site=site_code),
            "closed_url": cases_url("closed", stats.Period(d["day"], d["day"]), site=site_code),
        }
        for d in cur["trend"]
    ]
    towns = _with_urls(extra["by_town"], period)
    coords = {
        s.code: (float(s.lat or 0), float(s.lng or 0))  # both non-null (filtered)
        for s in Site.objects.filter(
            code__in=[t["site"] for t in towns], lat__isnull=False, lng__isnull=False
        )
    }
    for t in towns:
        t["lat"], t["lng"] = coords.get(t["site"], (None, None))
    matters = [
        {
            **m,
            "on_time_text": _pct(m["on_time_rate"]),
            "satisfaction_text": _pct(m["satisfaction_rate"]),
            "received_url": cases_url("received", period, site=site_code, matter=m["matter"]),
            "closed_url": cases_url("closed", period, site=site_code, matter=m["matter"]),
            "on_time_url": cases_url("on_time", period, site=site_code, matter=m["matter"]),
        }
        for m in extra["matter_rates"]
    ]
    sites = [
        {**s, "on_time_text": _pct(s["on_time_rate"]), "satisfaction_text": _pct(s["satisfaction_rate"]),
         "open_url": cases_url("open", period, site=s["site"]),
         "overdue_url": cases_url("overdue", period, site=s["site"]),
         "closed_url": cases_url("closed", period, site=s["site"])}
        for s in body["by_site"]
    ]  # fmt: skip
    return {
        "from": body["from"],
        "to": body["to"],
        "previous": {"from": prev_period.start and prev_period.start.isoformat(),
                     "to": prev_period.end and prev_period.end.isoformat()},
        "previous_start": plo.isoformat() if plo else None,
        "tiles": tiles,
        "trend": trend,
        "towns": towns,
        "sites": sites,
        "matters": matters,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }  # fmt: skip


def _with_urls(rows: list[dict[str, Any]], period: stats.Period) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "on_time_text": _pct(r["on_time_rate"]),
            "satisfaction_text": _pct(r["satisfaction_rate"]),
            **{
                f"{k}_url": cases_url(k, period, site=r["site"])
                for k in ("received", "open", "overdue", "closed")
            },
        }
        for r in rows
    ]
