"""``{% case_materials case %}``: the case's materials checklist with its photos, for the staff case page
(a tag, so the workflows pages show it without workflows importing this app)."""

from __future__ import annotations

from typing import Any

from django import template

from uploads import selectors
from workflows.models import Case

register = template.Library()


@register.inclusion_tag("uploads/_case_materials.html")
def case_materials(case: Case) -> dict[str, Any]:
    """Two queries (the photos; the matter is already loaded with the case)."""
    rows = selectors.materials_checklist(case, list(selectors.photos_for_case(case)))
    return {"case": case, "rows": rows, "missing": [r for r in rows if r.material and not r.collected]}
