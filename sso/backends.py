"""Authentication backends: the OIDC login (identity claim → existing agent) and the password guard.

``OIDCBackend`` builds on mozilla-django-oidc's backend (code exchange with the PKCE verifier, ID token
signature against the provider's JWKS, nonce) and adds what that library leaves out: the ID token's issuer,
audience and expiry, the userinfo ``sub`` matching the ID token's, and the mapping to an agent. An identity
without a ``StaffIdentity`` row is refused and marked on the request (``request.sso_outcome = "unknown"``)
so the callback can say why; no user is ever created.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso import provider
from sso.models import StaffIdentity

logger = logging.getLogger(__name__)
CLOCK_SKEW = 60  # seconds of clock difference tolerated on the ID token's exp/iat


class PasswordBackend(ModelBackend):
    """Django's username/password backend, off for everyone when ``STAFF_PASSWORD_LOGIN=0``: then the login
    page, the admin login and the API token endpoint all refuse local passwords."""

    def authenticate(self, request: Any, username: Any = None, password: Any = None, **kwargs: Any) -> Any:
        if not provider.password_login_enabled():
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class OIDCBackend(OIDCAuthenticationBackend):
    """Authorization code flow (PKCE) against the configured provider; never creates a user."""

    get_settings = staticmethod(provider.setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # mozilla's __init__ reads every endpoint at once (a discovery fetch on each password login too):
        # the endpoints are resolved lazily below instead.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return str(provider.setting("OIDC_RP_SIGN_ALGO", "RS256"))

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(provider.setting("OIDC_RP_CLIENT_ID", ""))

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(provider.setting("OIDC_RP_CLIENT_SECRET", ""))

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return str(provider.setting("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return str(provider.setting("OIDC_OP_USER_ENDPOINT"))

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return str(provider.setting("OIDC_OP_JWKS_ENDPOINT"))

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not provider.oidc_enabled() or request is None or "code" not in getattr(request, "GET", {}):
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: Any, **kwargs: Any) -> Any:
        """Signature and nonce (the library), then issuer, audience and expiry (OIDC Core 3.1.3.7)."""
        payload = super().verify_token(token, **kwargs)
        issuer = str(provider.setting("OIDC_ISSUER")).rstrip("/")
        if str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        if float(payload.get("exp", 0)) < time.time() - CLOCK_SKEW:
            raise SuspiciousOperation("ID token expired")
        return payload

    def identity_of(self, claims: dict[str, Any]) -> str:
        return str(claims.get(str(provider.setting("OIDC_IDENTITY_CLAIM", "sub"))) or "")

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(self.identity_of(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        value = self.identity_of(claims)
        if not value:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(agent__sso_identity__value=value, is_active=True)

    def user_for_claims(self, claims: dict[str, Any]) -> Any:
        """The one active user whose agent holds this identity, or ``None`` (the request is marked)."""
        if not self.verify_claims(claims):
            raise SuspiciousOperation("the identity claim is missing")
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) != 1:
            logger.warning(
                "sso: identity without an agent here (claim %s)",
                provider.setting("OIDC_IDENTITY_CLAIM", "sub"),
            )
            if getattr(self, "request", None) is not None:
                self.request.sso_outcome = "unknown"
            return None
        StaffIdentity.objects.filter(agent__user=users[0]).update(last_login_at=timezone.now())
        return users[0]

    def get_or_create_user(self, access_token: Any, id_token: Any, payload: Any) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        return self.user_for_claims({**payload, **userinfo})
