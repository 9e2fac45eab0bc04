"""Staff API authentication: DRF's token scheme, reading the user's agent profile in the same query.

Nearly every staff request needs the actor's agent (role, scope, name on the timeline); DRF's
``TokenAuthentication`` reads the token and user, and ``user.agent`` then cost a second query each time.
The same statement reads the agent's site links (``agency.site_links``), which the
site scope (``agency.selectors.user_site_ids``) needs on nearly every request. The one query is compiled
once per process (``core.prepared``): the ORM's compilation of this read cost more CPU than PostgreSQL
takes to answer it (issue 7: 0.63 → 0.18 ms).
"""

from typing import Any

from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from agency.site_links import site_link_annotations, site_links_prime
from core.api_tokens import api_token_expired
from core.prepared import PreparedInstances

_TOKEN = PreparedInstances(
    Token,
    lambda key: Token.objects.filter(key=key),
    related=("user", "user__agent"),
    annotations=site_link_annotations(OuterRef("user__agent__id")),
)


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with ``user.agent`` preloaded (missing when there is none);
    an expired token (``core.api_tokens``) is refused like an unknown one."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            token = _TOKEN.get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if api_token_expired(token):  # issue 33: API_TOKEN_TTL_HOURS; sign in again for a fresh one
            raise exceptions.AuthenticationFailed("登录已过期，请重新登录获取新的令牌。")
        site_links_prime(
            token.user,
            direct=token.site_links_direct,
            by_grid=token.site_links_by_grid,
            under_centers=token.site_links_under_centers,
        )
        return (token.user, token)
