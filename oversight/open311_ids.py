"""Public Open311 request ids: opaque, stable, and not the case number (issue 33).

A case number is half of what rates a case on the station's kiosk and of the resident's quick lookup, so the
public ``requests.json`` must not be an index of them. GeoReport v2 leaves ``service_request_id`` to the
server: to the public it is ``R`` + 10 base-32 characters, a keyed permutation (a 4-round Feistel network
over 48 bits, round function HMAC-SHA256 with ``SECRET_KEY``) of the case's primary key. It is stable (the
same case always has the same id), reversible only with the key (the detail URL needs no table), and a made-up
id lands on a real case about once in 2^48 / cases. Callers with an ``api_key`` (integrators who filed the
case and know its number anyway) see and may use the case number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

PREFIX = "R"
_HALF_BITS = 24
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4


def _round(value: int, rnd: int) -> int:
    key = f"open311-id:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, f"{rnd}:{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:3], "big")


def _permute(n: int) -> int:
    left, right = n >> _HALF_BITS, n & _HALF_MASK
    for rnd in range(_ROUNDS):
        left, right = right, left ^ _round(right, rnd)
    return (left << _HALF_BITS) | right


def _unpermute(n: int) -> int:
    left, right = n >> _HALF_BITS, n & _HALF_MASK
    for rnd in reversed(range(_ROUNDS)):
        left, right = right ^ _round(left, rnd), left
    return (left << _HALF_BITS) | right


def public_request_id(pk: int) -> str:
    """The opaque id of the case with primary key ``pk``."""
    raw = _permute(int(pk)).to_bytes(6, "big") + b"\0\0\0\0"  # pad to 10 bytes: 16 base-32 characters
    return PREFIX + base64.b32encode(raw).decode()[:10]


def pk_from_public_id(value: str) -> int | None:
    """The primary key behind an opaque id, or ``None`` when ``value`` is not one."""
    text = str(value or "").strip().upper()
    if len(text) != len(PREFIX) + 10 or not text.startswith(PREFIX):
        return None
    try:
        raw = base64.b32decode(text[len(PREFIX) :] + "AAAAAA")
    except (ValueError, TypeError):
        return None
    if raw[6:] != b"\0\0\0\0":
        return None
    pk = _unpermute(int.from_bytes(raw[:6], "big"))
    if public_request_id(pk) != text:  # the 10 characters carry 50 bits: reject the 2 stray ones
        return None
    return pk or None
