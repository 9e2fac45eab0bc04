"""The slower, global half of the login lockout (the fast half is django-axes).

django-axes locks one *(username, client address)* pair after ``AXES_FAILURE_LIMIT`` failures for
``AXES_COOLOFF_TIME``: a stranger guessing a name locks only themselves, the right person at another address
still signs in. That alone would let a guesser with many addresses try for ever, so this module adds a
limit per *username alone*, across addresses: after ``LOGIN_USERNAME_FAILURE_LIMIT`` failures within
``LOGIN_USERNAME_COOLOFF_MINUTES`` the name is refused everywhere for that many minutes, then it opens again
by itself (a cool-off, never a permanent lock; an admin can also clear it with ``login_username_unlock``).

Two authentication backends do it (no signal handlers): ``UsernameLockBackend`` sits right after axes'
backend and refuses a locked name before any password is checked; ``UsernameFailureBackend`` sits last, so
it is reached only when every real backend has failed, and counts that failure. Neither has ``get_user``:
they never sign anybody in, so Django never picks them to load a session's user.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.ratelimit import _incr, _store

LOCKED_MESSAGE = "该账号登录失败次数过多，已暂时锁定，请稍后再试。"


def _limit() -> int:
    return int(getattr(settings, "LOGIN_USERNAME_FAILURE_LIMIT", 30))


def _period() -> int:
    return int(float(getattr(settings, "LOGIN_USERNAME_COOLOFF_MINUTES", 15)) * 60)


def _name(username: Any) -> str:
    return str(username or "").strip().lower()[:150]


def _keys(username: str) -> tuple[str, str]:
    from core.ratelimit import _ident_hash

    digest = _ident_hash(f"login:{username}")
    return f"login:c:{digest}", f"login:b:{digest}"


def login_username_locked(username: Any) -> bool:
    """True while ``username`` is in its global cool-off."""
    name = _name(username)
    if not name:
        return False
    with _store("login_username"):
        return bool(cache.get(_keys(name)[1]))


def login_username_failure(username: Any) -> bool:
    """Count one failed login for ``username``; returns True when that starts its cool-off."""
    name = _name(username)
    if not name:
        return False
    counter, block = _keys(name)
    with _store("login_username"):
        if _incr(counter, _period()) >= _limit():
            cache.set(block, 1, timeout=_period())
            cache.delete(counter)
            return True
    return False


def login_username_unlock(username: Any) -> None:
    """Lift a global cool-off (admin action)."""
    counter, block = _keys(_name(username))
    cache.delete_many([counter, block])


class UsernameLockBackend:
    """Refuses a username in its cool-off before any password is checked (raising stops ``authenticate``)."""

    def authenticate(self, request: HttpRequest | None, username: Any = None, **kwargs: Any) -> None:
        if login_username_locked(username):
            raise PermissionDenied(LOCKED_MESSAGE)
        return None


class UsernameFailureBackend:
    """Last in ``AUTHENTICATION_BACKENDS``: reached only when the real backends all refused, so it counts."""

    def authenticate(self, request: HttpRequest | None, username: Any = None, **kwargs: Any) -> None:
        if username is not None and kwargs.get("password") is not None:
            login_username_failure(username)
        return None
