"""The one request-scoped cache of per-user reads (re-exported by ``agency.selectors``).

Values are kept in one dict on the user object, which Django and DRF build afresh for every request, so they
live as long as the request. ``request_memo`` is the only code that sets an attribute on a user (a test holds
every app to it): no app invents its own attribute name. It imports nothing of ours, so the token check
(``agency.auth``, which DRF imports while ``core.exceptions`` is still loading) can prime it.
"""

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_MEMO_ATTR = "_agency_request_memo"


def request_memo(user: Any, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``user`` object and ``key``; later calls with the same object get the kept value.

    A user object kept longer than a request (a test's, a shell's) keeps its values too: read the user again
    to see a change. ``None`` (no user) is computed every time.
    """
    if user is None:
        return compute()
    memo: dict[str, Any] | None = getattr(user, _MEMO_ATTR, None)
    if memo is None:
        memo = {}
        setattr(user, _MEMO_ATTR, memo)
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def request_memo_put(user: Any, key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` for ``user``: a read made elsewhere (e.g. with the token check)."""
    request_memo(user, key, lambda: value)
