"""The caller's address, worked out in one place (rate limits, django-axes, audit rows).

``REMOTE_ADDR`` is the connecting peer. Behind the README's TLS proxy that is the proxy for every resident,
so limits keyed on it throttle everybody at once. ``TRUSTED_PROXIES`` (addresses or CIDRs) names the
proxies whose ``X-Forwarded-For`` we believe: when the peer is one of them, the hops of the header are read
from the right and the first one that is *not* a trusted proxy is the client (the left part of the header is
whatever the client typed, so it is never trusted). Default: trust nobody, use ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in spec if entry.strip())


def trusted_networks() -> tuple[IPNetwork, ...]:
    raw = getattr(settings, "TRUSTED_PROXIES", None) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return _networks(tuple(str(entry) for entry in raw))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = value.strip().strip('"')
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:5123"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[IPNetwork, ...]) -> bool:
    return any(addr in net for net in nets)


def client_ip(request: HttpRequest) -> str:
    """The client's address (see the module doc); ``"unknown"`` when there is none."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    nets = trusted_networks()
    peer = _parse(remote)
    if not nets or peer is None or not _trusted(peer, nets):
        return remote or "unknown"
    header = str(getattr(settings, "TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR") or "")
    hops = [h for h in str(request.META.get(header) or "").split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        addr = _parse(hop)
        if addr is None:
            break  # garbage in the chain: stop at the last hop we could vouch for
        client = addr
        if not _trusted(addr, nets):
            break
    return str(client)


def client_ip_or_none(request: HttpRequest) -> str | None:
    """``client_ip`` for an audit row's address field: ``None`` rather than ``"unknown"``."""
    ip = client_ip(request)
    return None if ip == "unknown" else ip
