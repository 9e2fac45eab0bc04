"""core.client_ip: the right-most untrusted hop of X-Forwarded-For, only from a trusted proxy."""

import pytest
from django.test import RequestFactory, override_settings

from core.client_ip import client_ip, client_ip_or_none

rf = RequestFactory()


def _ip(remote: str, xff: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return client_ip(rf.get("/", **meta))


def test_default_trusts_nobody() -> None:
    assert _ip("203.0.113.9", "1.2.3.4") == "203.0.113.9"


@pytest.mark.parametrize(
    ("remote", "xff", "expected"),
    [
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # left part is the client's own typing
        ("10.0.0.5", "198.51.100.7, 10.1.2.3", "198.51.100.7"),  # two trusted hops (CIDR) skipped
        ("10.0.0.5", "", "10.0.0.5"),  # no header: the proxy itself
        ("10.0.0.5", "10.9.9.9", "10.9.9.9"),  # only trusted hops: the left-most of them
        ("10.0.0.5", "not-an-ip, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7, junk", "10.0.0.5"),  # garbage at the right: stop at the proxy
        ("10.0.0.5", "198.51.100.7:5123", "198.51.100.7"),
        ("10.0.0.5", "[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8:ffff::1", "2001:db8::7", "2001:db8::7"),
        ("192.0.2.1", "198.51.100.7", "192.0.2.1"),  # peer not trusted: header ignored
    ],
)
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8:ffff::/48"])
def test_trusted_proxy_chain(remote: str, xff: str, expected: str) -> None:
    assert _ip(remote, xff) == expected


@override_settings(TRUSTED_PROXIES="10.0.0.5, 10.0.0.6")
def test_comma_string_setting() -> None:
    assert _ip("10.0.0.6", "198.51.100.7") == "198.51.100.7"


def test_missing_address() -> None:
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) == "unknown" and client_ip_or_none(request) is None
