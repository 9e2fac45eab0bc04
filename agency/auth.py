"""Staff API authentication: DRF's token scheme, reading the user's agent profile in the same query.

Nearly every staff request needs the actor's agent (role, scope, name on the timeline); DRF's
``TokenAuthentication`` reads the token and user, and ``user.agent`` then cost a second query each time.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with ``user.agent`` preloaded (``None`` when there is none)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model: Any = self.get_model()
        try:
            token = model.objects.select_related("user", "user__agent").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
