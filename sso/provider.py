"""The OpenID provider's endpoints: explicit settings first, else its discovery document (fetched once per
process from ``{OIDC_ISSUER}/.well-known/openid-configuration``).

mozilla-django-oidc reads every endpoint from settings (``OIDC_OP_*``); ``setting`` answers those names
from the discovery document, so an operator sets only the issuer, the client id/secret and the scopes.
"""

from __future__ import annotations

import functools
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
_MISSING = object()


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ISSUER", "") and getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def password_login_enabled() -> bool:
    return bool(getattr(settings, "STAFF_PASSWORD_LOGIN", True))


@functools.lru_cache(maxsize=8)
def _discovery(issuer: str) -> dict[str, Any]:
    response = requests.get(
        f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        timeout=float(getattr(settings, "OIDC_TIMEOUT", 5) or 5),
    )
    response.raise_for_status()
    document = response.json()
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise ImproperlyConfigured("OIDC discovery: the document names another issuer")
    return dict(document)


def discovery() -> dict[str, Any]:
    return _discovery(str(settings.OIDC_ISSUER))


def setting(attr: str, *default: Any) -> Any:
    """``settings.<attr>``, or for an endpoint name the provider's discovered endpoint, else ``default``."""
    value = getattr(settings, attr, _MISSING)
    if value not in (_MISSING, "", None):
        return value
    if attr in DISCOVERED and oidc_enabled():
        found = discovery().get(DISCOVERED[attr])
        if found:
            return found
    if default:
        return default[0]
    if value is not _MISSING:
        return value
    raise ImproperlyConfigured(f"Setting {attr} not found")
