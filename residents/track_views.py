"""Resident pages: ``/track/`` (phone → code → own cases), ``/rate/<signed>/`` (SMS link), kiosk rating.

Plain forms, no JavaScript needed (``static/js/track.js`` only adds read-aloud). The resident token lives in a
signed, HttpOnly cookie (``bb_track``) that expires with the token; the phone waiting for its code in another
signed cookie. Views are thin: validate → service → redirect or render.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agency.models import Agent
from agency.selectors import site_get_public
from core.client_ip import client_ip
from core.exceptions import ApplicationError
from core.masking import mask_phone
from core.phones import normalize_phone
from core.ratelimit import ratelimit_hit
from residents import doorstep, selectors, services
from residents import otp as resident_otp
from residents.kiosk import kiosk_device_site, kiosk_rating_submit
from residents.models import Rating
from workflows import feedback_links
from workflows.models import Case

TOKEN_COOKIE = "bb_track"
PHONE_COOKIE = "bb_track_phone"
NEXT_COOKIE = "bb_track_next"  # where to go back after the code (e.g. the appointment form), same site only
COOKIE_SALT = "bangban.track-cookie"

SPECIAL_GROUPS = [(v, str(label)) for v, label in Case.SpecialGroup.choices]
RATING_CHOICES = [(v, str(label)) for v, label in sorted(Rating.Value.choices, reverse=True)]


def _set_cookie(response: HttpResponse, name: str, value: str, max_age: int) -> None:
    response.set_signed_cookie(
        name,
        value,
        salt=COOKIE_SALT,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=not settings.DEBUG and getattr(settings, "SESSION_COOKIE_SECURE", False),
    )


def _get_cookie(request: HttpRequest, name: str) -> str:
    try:
        return str(request.get_signed_cookie(name, default="", salt=COOKIE_SALT))
    except signing.BadSignature:
        return ""


def _resident_phone(request: HttpRequest) -> str | None:
    return resident_otp.resident_token_phone(_get_cookie(request, TOKEN_COOKIE))


def signed_in_phone(request: HttpRequest) -> str | None:
    """The E.164 phone the resident proved by SMS code (``/track/`` token cookie), or ``None``."""
    return _resident_phone(request)


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """A local path to return to after sign-in, or "" (no open redirect)."""
    value = str(value or "")[:512]
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}) else ""


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"rating_choices": RATING_CHOICES, "aspects": Rating.ASPECTS}
    return render(request, f"residents/track/{template}", {**base, **context}, status=status)


@never_cache
@require_http_methods(["GET"])
def track_home(request: HttpRequest) -> HttpResponse:
    """Signed in: the resident's own cases. Otherwise: the phone form and the quick lookup form."""
    phone = _resident_phone(request)
    if phone is None:
        return _render(request, "start.html", {"next": _safe_next(request, request.GET.get("next"))})
    return _render(
        request,
        "cases.html",
        {"cases": selectors.resident_case_list(phone=phone), "phone_masked": mask_phone(phone)},
    )


@never_cache
@require_POST
def track_otp(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("phone", "")
    next_url = _safe_next(request, request.POST.get("next"))
    try:
        resident_otp.otp_request(phone=raw, ip=client_ip(request))
    except ApplicationError as exc:
        context = {"otp_error": exc.message, "phone": raw, "next": next_url}
        response = _render(request, "start.html", context, status=exc.status)
        if isinstance(exc.extra.get("retry_after"), int):  # 429, or 503 while the limits cannot be read
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    response = HttpResponseRedirect(reverse("track-code"))
    _set_cookie(response, PHONE_COOKIE, normalize_phone(raw) or "", int(settings.TRACK_OTP_TTL_SECONDS))
    if next_url:
        _set_cookie(response, NEXT_COOKIE, next_url, int(settings.TRACK_OTP_TTL_SECONDS))
    else:
        response.delete_cookie(NEXT_COOKIE)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track_code(request: HttpRequest) -> HttpResponse:
    """Enter the 6-digit code sent by SMS."""
    phone = _get_cookie(request, PHONE_COOKIE)
    if not phone:
        messages.info(request, "请先输入手机号获取验证码。")
        return HttpResponseRedirect(reverse("track"))
    context: dict[str, Any] = {"phone_masked": mask_phone(phone)}
    if request.method == "GET":
        return _render(request, "code.html", context)
    try:
        issued = resident_otp.otp_verify(
            phone=phone, code=request.POST.get("code", ""), ip=client_ip(request)
        )
    except ApplicationError as exc:
        return _render(request, "code.html", {**context, "error": exc.message}, status=exc.status)
    response = HttpResponseRedirect(
        _safe_next(request, _get_cookie(request, NEXT_COOKIE)) or reverse("track")
    )
    _set_cookie(response, TOKEN_COOKIE, issued.token, int(settings.TRACK_TOKEN_TTL_SECONDS))
    response.delete_cookie(PHONE_COOKIE)
    response.delete_cookie(NEXT_COOKIE)
    return response


@require_POST
def track_logout(request: HttpRequest) -> HttpResponse:
    token = _get_cookie(request, TOKEN_COOKIE)
    if token:
        resident_otp.resident_token_revoke(token=token)
    response = HttpResponseRedirect(reverse("track"))
    response.delete_cookie(TOKEN_COOKIE)
    return response


def _rating_input(request: HttpRequest) -> dict[str, Any]:
    aspects = {name: request.POST.get(f"aspect_{i}", "") for i, name in enumerate(Rating.ASPECTS)}
    return {
        "value": request.POST.get("rating", ""),
        "comment": request.POST.get("comment", ""),
        "aspects": {k: v for k, v in aspects.items() if v},
    }


@require_POST
def track_feedback(request: HttpRequest, case_no: str) -> HttpResponse:
    phone = _resident_phone(request)
    if phone is None:
        messages.info(request, "登录已过期，请重新获取验证码。")
        return HttpResponseRedirect(reverse("track"))
    try:
        case = selectors.resident_case_get(phone=phone, case_no=case_no)
        services.rating_create(case=case, **_rating_input(request))
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("track") + f"#case-{case_no}")
    messages.success(request, "感谢您的评价！")
    return HttpResponseRedirect(reverse("track") + f"#case-{case.case_no}")


@never_cache
@require_http_methods(["GET", "POST"])
def track_doorstep(request: HttpRequest) -> HttpResponse:
    """Ask for a doorstep visit (本人或家属代为申请)."""
    phone = _resident_phone(request)
    if phone is None:
        messages.info(request, "请先验证手机号，再申请上门服务。")
        return HttpResponseRedirect(reverse("track"))
    cases = selectors.resident_case_list(phone=phone)
    if request.method == "GET":
        return _render(
            request,
            "doorstep.html",
            {"cases": cases, "selected": request.GET.get("case", ""), "groups": SPECIAL_GROUPS},
        )
    try:
        case_no = request.POST.get("case_no", "")
        case = selectors.resident_case_get(phone=phone, case_no=case_no) if case_no else None
        doorstep.doorstep_request_create(
            phone=phone,
            case=case,
            contact_name=request.POST.get("contact_name", ""),
            address=request.POST.get("address", ""),
            note=request.POST.get("note", ""),
            for_family=request.POST.get("for_family") == "1",
            special_groups=request.POST.getlist("special_groups"),
        )
    except ApplicationError as exc:
        return _render(
            request,
            "doorstep.html",
            {"cases": cases, "error": exc.message, "groups": SPECIAL_GROUPS},
            status=exc.status,
        )
    messages.success(request, "已收到您的上门服务申请，工作人员会尽快电话联系您。")
    return HttpResponseRedirect(reverse("track"))


@never_cache
@require_http_methods(["GET"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    """Quick lookup by case number + last 4 digits: status only."""
    try:
        ratelimit_hit("lookup_ip", client_ip(request))
        result = selectors.case_quick_lookup(
            case_no=request.GET.get("case_no", ""), tail=request.GET.get("phone_tail", "")
        )
    except ApplicationError as exc:
        return _render(
            request,
            "start.html",
            {"lookup_error": exc.message, "case_no": request.GET.get("case_no", "")},
            status=exc.status,
        )
    return _render(request, "lookup.html", {"result": result})


@never_cache
@require_http_methods(["GET", "POST"])
def rate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS rating link: signed, expiring, one use (a case takes one rating, plus one follow-up)."""
    try:
        case, followup = feedback_links.feedback_link_case(token)
    except ApplicationError as exc:
        return _render(request, "rate_link.html", {"invalid": exc.message}, status=404)
    allowed = services.rating_kind_allowed(case)
    context: dict[str, Any] = {
        "case_no": case.case_no,
        "matter": case.matter.name,
        "matter_service_url": case.matter.service_url,
        "site_name": case.site.name,
        "agent_name": case.assigned_agent.name if case.assigned_agent else "",
        "followup": followup,
        "used": allowed is None or allowed != followup,
    }
    if request.method == "GET" or context["used"]:
        return _render(request, "rate_link.html", context, status=200 if request.method == "GET" else 409)
    try:
        services.rating_create(
            case=case, channel=Rating.Channel.SMS_LINK, followup=followup, **_rating_input(request)
        )
    except ApplicationError as exc:
        return _render(request, "rate_link.html", {**context, "error": exc.message}, status=exc.status)
    return _render(request, "rate_link.html", {**context, "done": True})


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_rate(request: HttpRequest, code: str) -> HttpResponse:
    """The station tablet's 好差评评价器 (一次一评): rate by case number (+ phone tail) or by the agent.

    Needs proof of presence (``residents.kiosk``): the enrolled tablet, or the code shown at the station."""
    try:
        site = site_get_public(code)
    except ApplicationError as exc:
        raise Http404(exc.message)
    agents = selectors.kiosk_agents(site)
    # proof of presence (residents.kiosk): the station's enrolled tablet, else the rotating code
    context: dict[str, Any] = {
        "site": site,
        "agents": agents,
        "enrolled": kiosk_device_site(request) == site.code,
    }
    if request.method == "GET":
        return _render(request, "kiosk.html", {**context, "done": request.GET.get("done") == "1"})
    agent: Agent | None = None
    agent_id = request.POST.get("agent", "")
    if agent_id.isascii() and agent_id.isdigit():  # str.isdigit() also accepts "₀₁₂", which int() refuses
        agent = next((a for a in agents if a.pk == int(agent_id)), None)
    try:
        kiosk_rating_submit(
            site=site,
            ip=client_ip(request),
            enrolled=context["enrolled"],
            presence_code=request.POST.get("presence_code", ""),
            case_no=request.POST.get("case_no", ""),
            phone_tail_digits=request.POST.get("phone_tail", ""),
            agent=agent,
            **_rating_input(request),
        )
    except ApplicationError as exc:
        return _render(request, "kiosk.html", {**context, "error": exc.message}, status=exc.status)
    # 一次一评: back to a blank form for the next resident
    return HttpResponseRedirect(reverse("kiosk-rate", args=[site.code]) + "?done=1")
