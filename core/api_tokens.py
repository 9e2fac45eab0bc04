"""Staff API tokens expire (issue 33): ``API_TOKEN_TTL_HOURS`` after they were issued (DRF's ``Token.created``).

``POST /api/v1/auth/token/`` returns the caller's token while it is valid and a fresh one once it has expired,
with ``expires_at``; the API answers 401 to an expired token (``agency.auth.TokenAuthentication``). Default TTL:
10 hours, a working day with its overtime, so a grid worker signs in once a day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token


def api_token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "API_TOKEN_TTL_HOURS", 10)))


def api_token_expires_at(token: Token) -> dt.datetime:
    return token.created + api_token_ttl()


def api_token_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    return api_token_expires_at(token) <= (now or timezone.now())


@transaction.atomic
def api_token_issue(*, user: Any, now: dt.datetime | None = None) -> Token:
    """The user's valid token, or a fresh one when there is none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not api_token_expired(token, now=now):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)
