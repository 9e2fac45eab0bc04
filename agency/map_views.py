"""Public service map (/map/) and the station-standards report (/standards/) pages.

The map is one server-rendered list that works without JavaScript and offline, under a picture of where the
sites are: with ``MAP_TILE_URL`` set, ``static/js/map.js`` draws a Leaflet map (``static/vendor/leaflet``);
without, the server draws an SVG schematic from the coordinates (``agency.map_schematic``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from agency import map_selectors, standards
from agency.map_schematic import schematic_svg
from agency.models import Matter, Site
from agency.standards_models import SiteProfile
from core.exceptions import ApplicationError


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """政务服务地图: every site, nearest first from ``?lat=&lng=`` or a typed ``?place=``; ``?matter=``."""
    query = map_selectors.MapQuery(
        lat=map_selectors.parse_coord(request.GET.get("lat"), limit=90),
        lng=map_selectors.parse_coord(request.GET.get("lng"), limit=180),
        place=(request.GET.get("place") or "").strip()[:64],
        matter=(request.GET.get("matter") or "").strip()[:32],
        kind=(request.GET.get("kind") or "").strip()[:16],
    )
    if query.place or query.lat is None or query.lng is None:
        # A typed place wins over coordinates left in the form by an earlier "my location" search.
        query.lat = query.lng = None
    elif not query.origin_label:
        query.origin_label = "我的位置"
    entries = map_selectors.map_entries(query)
    tile_url = getattr(settings, "MAP_TILE_URL", "") or ""
    origin = {"lat": query.lat, "lng": query.lng} if query.lat is not None and query.lng is not None else None
    context: dict[str, Any] = {
        "entries": entries,
        "query": query,
        "matters": Matter.objects.filter(is_active=True).order_by("sort_order", "code"),
        "kinds": Site.Kind.choices,
        "tile_url": tile_url,
        "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
        "markers": [map_selectors.as_marker(e) for e in entries if e.lat is not None] if tile_url else [],
        "origin": origin,
        # the picture without tiles, and the fallback inside the Leaflet box until (unless) Leaflet runs
        "schematic": schematic_svg(entries, origin),
    }
    return render(request, "agency/map/map.html", context)


# --- Station standards ---------------------------------------------------------------------------------


def _require_standards_role(request: HttpRequest) -> None:
    if not standards.standards_role(request.user):
        raise Http404("无权查看")  # no existence leak of the report to other roles


@login_required
@require_GET
def standards_report_page(request: HttpRequest) -> HttpResponse:
    """All centers and stations in scope: declared vs met tier and every gap to the next tier."""
    _require_standards_role(request)
    rows = standards.standards_report(user=request.user)
    tier_filter = request.GET.get("met", "")
    if tier_filter in {"", "basic", "standard", "benchmark", "none"}:
        if tier_filter == "none":
            rows = [r for r in rows if not r.result.met_tier]
        elif tier_filter:
            rows = [r for r in rows if r.result.met_tier == tier_filter]
    summary = {
        "total": len(rows),
        "mismatch": sum(1 for r in rows if not r.matches),
        "none": sum(1 for r in rows if not r.result.met_tier),
    }
    return render(
        request,
        "agency/standards/report.html",
        {"rows": rows, "summary": summary, "met": tier_filter, "tiers": standards.TIER_LABELS},
    )


def _field_label(name: str) -> str:
    try:
        return str(getattr(SiteProfile._meta.get_field(name), "verbose_name", name))
    except Exception:  # noqa: BLE001 - a field renamed since the history row was written
        return name


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "有" if value else "无"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value) if value not in (None, "") else "—"


class SiteProfileForm(forms.Form):
    """Profile fields; list items are checkboxes of what the standards name (plus free extra items)."""

    area_m2 = forms.DecimalField(label="场所面积（㎡）", min_value=0, max_digits=8, decimal_places=1)
    has_unified_signage = forms.BooleanField(label="统一标识", required=False)
    windows = forms.IntegerField(label="服务窗口数", min_value=0, max_value=999)
    seats = forms.IntegerField(label="服务席位数", min_value=0, max_value=999)
    staffing = forms.IntegerField(label="工作人员数", min_value=0, max_value=999)
    note = forms.CharField(label="修改说明", required=False, max_length=255)

    LIST_LABELS = {
        "zones": "功能分区",
        "equipment": "设备配置",
        "facilities": "便民设施",
        "network": "网络条件",
        "rules": "制度建设",
    }

    def __init__(self, *args: Any, offered: dict[str, list[str]], current: dict[str, list[str]], **kw: Any):
        super().__init__(*args, **kw)
        for key, label in self.LIST_LABELS.items():
            choices = list(offered.get(key, []))
            choices += [i for i in current.get(key, []) if i not in choices]
            self.fields[key] = forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=[(c, c) for c in choices],
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"{key}_extra"] = forms.CharField(
                label=f"其他{label}（用顿号分隔）", required=False, max_length=255
            )


@login_required
@require_http_methods(["GET", "POST"])
def standards_site_page(request: HttpRequest, code: str) -> HttpResponse:
    """One site's profile, computed tier, gaps and change history; town staff edit it here."""
    _require_standards_role(request)
    site = get_object_or_404(standards.sites_in_standards_scope(request.user), code=code)
    profile = SiteProfile.objects.filter(site=site).first()
    can_edit = standards.can_edit_profile(request.user, site)
    offered = standards.items_offered(site.kind)
    current = {k: list(getattr(profile, k, []) or []) for k in SiteProfileForm.LIST_LABELS}
    initial: dict[str, Any] = {
        "area_m2": profile.area_m2 if profile else 0,
        "has_unified_signage": profile.has_unified_signage if profile else False,
        "windows": profile.windows if profile else 0,
        "seats": profile.seats if profile else 0,
        "staffing": profile.staffing if profile else 0,
        **current,
    }
    if request.method == "POST":
        if not can_edit:
            raise Http404("无权修改")
        form = SiteProfileForm(request.POST, offered=offered, current=current)
        if form.is_valid():
            data = dict(form.cleaned_data)
            note = data.pop("note", "")
            for key in SiteProfileForm.LIST_LABELS:
                extra = data.pop(f"{key}_extra", "")
                data[key] = list(data[key]) + standards.items_clean(extra)
            try:
                standards.site_profile_update(actor=request.user, site=site, note=note, **data)  # type: ignore[arg-type]
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已保存建设情况。")
                return redirect("standards-site", code=site.code)
    else:
        form = SiteProfileForm(initial=initial, offered=offered, current=current)
    return render(
        request,
        "agency/standards/site.html",
        {
            "site": site,
            "profile": profile,
            "result": standards.site_tier_compute(site=site),
            "form": form,
            "can_edit": can_edit,
            "history": [
                {
                    "at": h.at,
                    "actor": h.actor,
                    "note": h.note,
                    "changes": [
                        (_field_label(name), _shown(pair[0]), _shown(pair[1]))
                        for name, pair in h.changes.items()
                    ],
                }
                for h in standards.profile_history(site=site)[:50]
            ],
            "declared_label": standards.TIER_LABELS.get(site.tier, "未申报"),
        },
    )
