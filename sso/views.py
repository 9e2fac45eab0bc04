"""Sign-in pages and endpoints: the staff login page, the OIDC callback, the no-access page, the logout that
also ends the provider session, the admin login and the API token endpoint (password or OIDC access token)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import admin, auth
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from rest_framework.response import Response

from core.views import TokenView as PasswordTokenView
from sso import provider
from sso.backends import OIDCBackend

logger = logging.getLogger(__name__)

NO_ACCESS = "账号尚未开通帮办代办权限，请联系站点管理员"
PASSWORDS_OFF = "本地密码登录已关闭，请使用统一身份认证登录。"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _oidc_start(next_url: str = "") -> str:
    url = reverse("oidc_authentication_init")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class LoginView(auth_views.LoginView):
    """The staff login page: the password form (unless ``STAFF_PASSWORD_LOGIN=0``) and the 统一身份认证 button."""

    template_name = "core/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_login_url"] = reverse("oidc_authentication_init") if provider.oidc_enabled() else ""
        context["password_login_off"] = not provider.password_login_enabled()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not provider.password_login_enabled():
            return render(request, "sso/message.html", {"message": PASSWORDS_OFF, "retry": True}, status=403)
        return super().post(request, *args, **kwargs)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login: Django's form, or straight to the identity service when passwords are off."""
    if not provider.password_login_enabled():
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # signed in through OIDC but not admin staff: the admin would send them here again (a loop)
            if not user.is_staff:
                return render(
                    request, "sso/message.html", {"message": "您的账号无权进入管理后台。"}, status=403
                )
            return HttpResponseRedirect(_safe_next(request, "/admin/"))
        if not provider.oidc_enabled():
            return render(request, "sso/message.html", {"message": PASSWORDS_OFF}, status=403)
        return HttpResponseRedirect(_oidc_start(_safe_next(request, "/admin/")))
    return admin.site.login(request)


class AuthenticateView(OIDCAuthenticationRequestView):
    """Redirect to the provider (state, nonce, PKCE S256 challenge kept in the session)."""

    get_settings = staticmethod(provider.setting)

    def __init__(self, **kwargs: Any) -> None:
        # the library reads the endpoints here; they are read per request below (the provider may be off)
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not provider.oidc_enabled():
            return render(request, "sso/message.html", {"message": "未配置统一身份认证。"}, status=404)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError) as exc:
            logger.warning("sso: provider discovery failed: %s", exc)
            return render(
                request,
                "sso/message.html",
                {"message": "统一身份认证服务暂时无法访问，请稍后再试。"},
                status=503,
            )
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)  # type: ignore[no-any-return]


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: a clear page for every way it can fail, never a 500."""

    get_settings = staticmethod(provider.setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)  # type: ignore[no-any-return]
        except (SuspiciousOperation, requests.RequestException, ValueError) as exc:
            # wrong or replayed state, a code the provider refuses (expired, used), a bad ID token signature
            logger.warning("sso: sign-in refused: %s", exc)
            return self._failed()

    def _failed(self) -> HttpResponse:
        return render(
            self.request,
            "sso/message.html",
            {"message": "统一身份认证登录未完成，请重新登录。", "retry": True},
            status=400,
        )

    def login_failure(self) -> HttpResponse:
        if getattr(self.request, "sso_outcome", "") == "unknown":
            return render(self.request, "sso/message.html", {"message": NO_ACCESS}, status=403)
        return self._failed()


def provider_logout_url(request: HttpRequest) -> str:
    """Where to go after the local logout: the provider's ``end_session_endpoint`` (RP-initiated logout, with
    the ID token as hint and our front page to come back to) when it has one, else ``LOGOUT_REDIRECT_URL``.
    Read before ``auth.logout`` (which clears the session holding the ID token). Also mozilla-django-oidc's
    ``OIDC_OP_LOGOUT_URL_METHOD``, so its ``/oidc/logout/`` behaves the same."""
    target = resolve_url(settings.LOGOUT_REDIRECT_URL or "/")
    id_token = request.session.get("oidc_id_token")
    if not id_token or not provider.oidc_enabled():
        return target
    try:
        end_session = str(provider.setting("OIDC_OP_LOGOUT_ENDPOINT", "") or "")
    except requests.RequestException:
        logger.warning("sso: provider unreachable at logout; the local session ends only")
        return target
    if not end_session:
        return target
    query = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": request.build_absolute_uri(target),
        "client_id": settings.OIDC_RP_CLIENT_ID,
    }
    return f"{end_session}?{urlencode(query)}"


def logout_view(request: HttpRequest) -> HttpResponse:
    """POST: end the session here and, where the provider supports it, there too."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = provider_logout_url(request)
    auth.logout(request)
    if target.startswith(("http://", "https://")):
        # Not a redirect: the site's CSP (form-action 'self') stops a form POST from being redirected to
        # another origin, so a page sends the browser on (meta refresh and a link: no JavaScript needed).
        return render(request, "sso/logout_provider.html", {"target": target})
    return HttpResponseRedirect(target)


class TokenView(PasswordTokenView):
    """``POST {"username", "password"}`` (while local passwords are on) or ``{"access_token"}`` (an access
    token of the identity service, checked at its userinfo endpoint) → ``{"token"}``."""

    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        data = request.data if hasattr(request.data, "get") else {}
        access_token = str(data.get("access_token") or "")
        if not access_token:
            if not provider.password_login_enabled():
                return Response({"message": PASSWORDS_OFF, "extra": {"field": "access_token"}}, status=403)
            return super().post(request, *args, **kwargs)
        if not provider.oidc_enabled():
            return Response({"message": "未配置统一身份认证。", "extra": {}}, status=400)
        from core.api_tokens import api_token_expires_at, api_token_issue

        backend = OIDCBackend()
        try:
            claims = backend.get_userinfo(access_token, None, None)
        except (requests.RequestException, ValueError):
            return Response({"message": "访问令牌无效或已过期。", "extra": {}}, status=401)
        try:
            user = backend.user_for_claims(claims)
        except SuspiciousOperation:
            user = None
        if user is None:
            return Response({"message": NO_ACCESS, "extra": {}}, status=403)
        token = api_token_issue(
            user=user
        )  # the valid one, or a fresh one once it expired (API_TOKEN_TTL_HOURS)
        return Response({"token": token.key, "expires_at": api_token_expires_at(token).isoformat()})
