"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over matters (services) and cases (requests).

Endpoints (JSON or XML by extension), mounted at ``/open311/v2/``:

- ``GET services.{fmt}`` — active matters as services (``metadata`` true: the definition lists the site
  attribute and the special-group attribute).
- ``GET services/{code}.{fmt}`` — a service definition.
- ``GET requests.{fmt}`` — filters ``service_request_id`` (comma list; overrides the rest), ``service_code``,
  ``start_date``, ``end_date`` (W3C datetimes on ``requested_datetime``), ``status`` (``open``/``closed``);
  default window the last 90 days, at most 1,000 rows, newest first.
- ``POST requests.{fmt}`` — ``api_key``, ``service_code``, ``first_name``/``last_name``, ``phone``,
  ``address_string``, ``description``, ``lat``/``long`` (nearest station offering the matter) or
  ``attribute[site]``; creates a case through ``workflows.intake_services.case_create`` as the key's account.
- ``GET requests/{service_request_id}.{fmt}``.

``service_request_id`` is opaque to the public (``oversight.open311_ids``, issue 33: the list must not be an
index of case numbers, which the kiosk and the quick lookup take); a GET with a valid ``api_key`` sees the case
number instead and may use it in the filter and the detail URL (the integrator filed the case and knows it).

Responses carry no personal data: no resident name, phone, home address or free text the resident wrote;
the location given is the handling site's. Errors are ``[{"code": …, "description": …}]``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from agency.models import Matter, Site
from agency.selectors import matter_list_public
from core.exceptions import ApplicationError
from core.labels import field_errors_text, model_field_label
from core.models import User
from oversight.map_selectors import distance_km, parse_coord
from oversight.models import Open311Key
from oversight.open311_ids import pk_from_public_id, public_request_id
from oversight.stats import SANE_DATE_MESSAGE, date_is_sane
from workflows.models import Case

MAX_REQUESTS = 1000
DEFAULT_WINDOW_DAYS = 90
CLOSED_STATUSES = frozenset({"completed", "closed", "rejected", "withdrawn"})
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


# --- rendering ------------------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, list):
        child_tag = {"values": "value", "attributes": "attribute"}.get(tag, "item")
        for item in value:
            _xml_dict(ET.SubElement(el, child_tag), item)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def _xml_dict(el: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        _xml_value(el, key, value)


def _render(fmt: str, payload: Any, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(payload, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    top = ET.Element(root)
    for row in payload if isinstance(payload, list) else [payload]:
        _xml_dict(ET.SubElement(top, item) if item else top, row)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _render(
        fmt, [{"code": code, "description": description}], root="errors", item="error", status=code
    )


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- services -------------------------------------------------------------------------------------------


def service_dict(matter: Matter) -> dict[str, Any]:
    return {
        "service_code": matter.code,
        "service_name": matter.name,
        "description": (matter.guide or "")[:500],
        "metadata": True,
        "type": "batch",
        "keywords": ",".join(m for m in matter.materials if isinstance(m, str))[:255],
        "group": str(matter.get_category_display()),
    }


def service_definition(matter: Matter) -> dict[str, Any]:
    sites = Site.objects.filter(
        is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER], site_matters__matter=matter
    ).order_by("code")
    return {
        "service_code": matter.code,
        "attributes": [
            {
                "variable": True,
                "code": "site",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "受理站点；不填时按 lat/long 选最近的站点",
                "order": 1,
                "description": "受理站点",
                "values": [{"key": s.code, "name": s.name} for s in sites],
            },
            {
                "variable": True,
                "code": "special_groups",
                "datatype": "multivaluelist",
                "required": False,
                "datatype_description": "特殊群体（上门服务优先）",
                "order": 2,
                "description": "特殊群体",
                "values": [{"key": k, "name": str(v)} for k, v in Case.SpecialGroup.choices],
            },
        ],
    }


# --- requests -------------------------------------------------------------------------------------------


def open311_status(case: Case) -> str:
    return "closed" if case.status in CLOSED_STATUSES else "open"


def request_dict(case: Case, *, keyed: bool = False) -> dict[str, Any]:
    """One case as an Open311 request: public fields only; the case number only for a keyed caller."""
    site = case.site
    return {
        "service_request_id": case.case_no if keyed else public_request_id(case.pk),
        "status": open311_status(case),
        "status_notes": str(case.get_status_display()),
        "service_name": case.matter.name,
        "service_code": case.matter.code,
        "description": "",  # the resident's own words may hold personal data
        "agency_responsible": site.name,
        "service_notice": f"承诺时限 {case.matter.time_limit_days} 个工作日",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.due_at),
        "address": site.address,  # the handling site's, never the resident's
        "address_id": site.code,
        "zipcode": "",
        "lat": float(site.lat) if site.lat is not None else None,
        "long": float(site.lng) if site.lng is not None else None,
        "media_url": "",
    }


def _parse_when(value: str, *, end: bool) -> dt.datetime:
    """A W3C date or datetime; 400 for anything unusable (month 13, hour 25, offset +99:00, year 1 or 9999)."""
    bad = Open311Error(400, f"日期格式无效：{value[:40]}（应为 W3C 格式，如 2026-11-01T00:00:00+08:00）")
    if not value.isascii():
        raise bad
    try:
        parsed = parse_datetime(value.replace(" ", "+")) if "T" in value else None
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise bad
            parsed = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    except (ValueError, OverflowError):  # well-formed but not a real date/time
        raise bad from None
    if not date_is_sane(parsed.date()):
        raise Open311Error(400, SANE_DATE_MESSAGE)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _id_filter(ids: list[str], *, keyed: bool) -> Q:
    """Opaque ids for everyone; case numbers too for a keyed caller."""
    pks = [pk for pk in (pk_from_public_id(i) for i in ids) if pk is not None]
    match = Q(pk__in=pks)
    if keyed:
        match |= Q(case_no__in=ids)
    return match


def requests_query(params: Any, *, now: dt.datetime | None = None, keyed: bool = False) -> QuerySet[Case]:
    """Cases matching the GeoReport filters (see module doc). Raises ``Open311Error`` on bad input."""
    now = now or timezone.now()
    qs = Case.objects.select_related("matter", "site").order_by("-created_at", "-id")
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        return qs.filter(_id_filter(ids[:MAX_REQUESTS], keyed=keyed))
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(matter__code__in=codes)
    statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    start_raw, end_raw = params.get("start_date") or "", params.get("end_date") or ""
    end = _parse_when(end_raw, end=True) if end_raw else now
    start = _parse_when(start_raw, end=False) if start_raw else end - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    if start > end:
        raise Open311Error(400, "start_date 不能晚于 end_date")
    return qs.filter(created_at__gte=start, created_at__lte=end)


def _keyed(params: Any) -> bool:
    """A GET with ``api_key``: True for a valid key, 403 ``Open311Error`` for a wrong one, False without."""
    if not (params.get("api_key") or "").strip():
        return False
    _key_actor(params.get("api_key", ""))
    return True


def _key_actor(raw: str) -> User:
    """The account an API key files cases as: an ``Open311Key`` row or ``OPEN311_API_KEYS`` (key=username)."""
    raw = (raw or "").strip()
    if not raw:
        raise Open311Error(403, "缺少 api_key")
    key = Open311Key.objects.filter(key_digest=Open311Key.digest(raw), is_active=True).select_related("actor")
    row = key.first()
    if row is not None:
        Open311Key.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row.actor
    configured = getattr(settings, "OPEN311_API_KEYS", None) or os.environ.get("OPEN311_API_KEYS", "")
    entries = configured if isinstance(configured, list | tuple) else str(configured).split(",")
    for entry in entries:
        secret, _, username = str(entry).strip().partition("=")
        if secret and hmac.compare_digest(secret.encode(), raw.encode()):
            user = User.objects.filter(username=username or "open311", is_active=True).first()
            if user is not None:
                return user
    raise Open311Error(403, "api_key 无效")


def _nearest_site(matter: Matter, lat: float, lng: float) -> Site | None:
    candidates = Site.objects.filter(
        is_active=True,
        kind__in=[Site.Kind.STATION, Site.Kind.CENTER],
        lat__isnull=False,
        lng__isnull=False,
    ).filter(Q(site_matters__matter=matter))
    best = min(
        candidates,
        key=lambda s: (distance_km(lat, lng, float(s.lat), float(s.lng)), s.kind != Site.Kind.STATION),  # type: ignore[arg-type]
        default=None,
    )
    return best


def request_create(params: Any) -> Case:
    """POST requests: validate GeoReport params, then ``case_create`` as the key's account."""
    from workflows.intake_services import case_create  # the flow engine's one intake path

    actor = _key_actor(params.get("api_key", ""))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    matter = matter_list_public().filter(code=code).first()
    if matter is None:
        raise Open311Error(404, f"未知的 service_code：{code}")
    site_code = (params.get("attribute[site]") or "").strip()
    lat = parse_coord(params.get("lat"), limit=90)
    lng = parse_coord(params.get("long"), limit=180)
    site: Site | None
    if site_code:
        site = Site.objects.filter(code=site_code, is_active=True).first()
        if site is None:
            raise Open311Error(400, f"未知的站点：{site_code}")
    elif lat is not None and lng is not None:
        site = _nearest_site(matter, lat, lng)
        if site is None:
            raise Open311Error(400, "附近没有可办理该事项的站点")
    else:
        raise Open311Error(400, "需要 lat/long 或 attribute[site]")
    name = f"{params.get('last_name', '')}{params.get('first_name', '')}".strip()
    groups_raw = params.getlist("attribute[special_groups][]") if hasattr(params, "getlist") else []
    if not groups_raw and params.get("attribute[special_groups]"):
        groups_raw = str(params.get("attribute[special_groups]")).split(",")
    try:
        return case_create(
            actor=actor,
            site=site,
            matter=matter,
            resident_name=name,
            resident_phone=params.get("phone", ""),
            address=(params.get("address_string") or "").strip() or site.address or site.name,
            description=params.get("description", ""),
            channel=Case.Channel.ONLINE,
            special_groups=[g.strip() for g in groups_raw if g.strip()],
        )
    except ValidationError as exc:
        # the case's field names as a person reads them (联系电话：…), not its keys (resident_phone)
        raise Open311Error(400, field_errors_text(exc.message_dict, lambda f: model_field_label(Case, f)))
    except ApplicationError as exc:
        raise Open311Error(exc.status, exc.message)


# --- views ----------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def services_view(request: HttpRequest, fmt: str) -> HttpResponse:
    # the one rule of /api/v1/matters/ (agency.selectors.matter_list_public): a 一件事's own matter is not a
    # service on its own (issue 26: services.json listed the four 一件事 the matters API hides)
    matters = matter_list_public()
    return _render(fmt, [service_dict(m) for m in matters], root="services", item="service")


@require_http_methods(["GET"])
def service_definition_view(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    matter = matter_list_public().filter(code=code).first()
    if matter is None:
        return _error(fmt, 404, f"未知的 service_code：{code}")
    return _render(fmt, service_definition(matter), root="service_definition", item="")


@csrf_exempt  # machine-to-machine, authenticated by api_key, never by cookie
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        if request.method == "POST":
            case = request_create(request.POST)
            body = [{"service_request_id": case.case_no, "service_notice": "", "account_id": None}]
            return _render(fmt, body, root="service_requests", item="request", status=201)
        keyed = _keyed(request.GET)
        rows = [request_dict(c, keyed=keyed) for c in requests_query(request.GET, keyed=keyed)[:MAX_REQUESTS]]
    except Open311Error as exc:
        return _error(fmt, exc.code, exc.description)
    return _render(fmt, rows, root="service_requests", item="request")


@require_http_methods(["GET"])
def request_detail_view(request: HttpRequest, case_no: str, fmt: str) -> HttpResponse:
    """``case_no`` is the URL's ``service_request_id``: the opaque id, or the case number with an api_key."""
    try:
        keyed = _keyed(request.GET)
    except Open311Error as exc:
        return _error(fmt, exc.code, exc.description)
    case = Case.objects.select_related("matter", "site").filter(_id_filter([case_no], keyed=keyed)).first()
    if case is None:
        return _error(fmt, 404, "未找到该请求")  # the id is not echoed back
    return _render(fmt, [request_dict(case, keyed=keyed)], root="service_requests", item="request")
