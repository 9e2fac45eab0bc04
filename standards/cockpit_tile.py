"""The cockpit's 站点达标 tile (registered with ``oversight.cockpit`` from ``StandardsConfig.ready``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from oversight.cockpit import delta
from oversight.stats import Period, Scope
from standards.selectors import standards_met


def standards_tile(*, scope: Scope, period: Period, lo: dt.datetime | None) -> dict[str, Any]:
    """Sites of the scope with an approved tier now, against those approved before the period began."""
    met, total = standards_met(site_ids=scope.site_ids)
    change = (
        delta(met, standards_met(site_ids=scope.site_ids, before=lo)[0], rate=False)
        if lo
        else delta(None, None, rate=False)
    )
    return {
        "key": "standards",
        "label": "站点达标",
        "value": met,
        "text": f"{met}/{total}",
        "delta": change,
        "url": "/standards/",
    }
