"""HTTP client of the e-licence service: one signed POST with a hard timeout (the intake never waits longer)."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

from django.conf import settings

from elicence import protocol


class Unavailable(Exception):
    """Not configured, timed out, or answered with an error: go on without e-licences."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome, self.detail = outcome, detail


def configured() -> bool:
    return bool(getattr(settings, "ELICENCE_URL", ""))


def query(
    *,
    request_id: str,
    case_no: str,
    id_number: str,
    name: str,
    types: list[str],
    channel: str,
    consent_at: dt.datetime,
) -> protocol.Answer:
    if not configured():
        raise Unavailable("error", "未接入电子证照库")
    body, headers = protocol.build_request(
        request_id=request_id,
        case_no=case_no,
        id_number=id_number,
        name=name,
        types=types,
        channel=channel,
        consent_at=consent_at,
        app_id=settings.ELICENCE_APP_ID,
        secret=settings.ELICENCE_SECRET,
    )
    url = settings.ELICENCE_URL.rstrip("/") + protocol.PATH
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - URL from settings
    try:
        with urllib.request.urlopen(request, timeout=settings.ELICENCE_TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(1024 * 1024)
    except TimeoutError as exc:
        raise Unavailable("timeout", "电子证照库查询超时") from exc
    except urllib.error.HTTPError as exc:
        raise Unavailable("error", f"电子证照库返回 HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Unavailable("timeout", "电子证照库查询超时") from exc
        raise Unavailable("error", "电子证照库无法连接") from exc
    try:
        return protocol.parse_answer(raw)
    except protocol.ProtocolError as exc:
        raise Unavailable("error", "电子证照库应答无法识别") from exc
