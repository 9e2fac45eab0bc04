"""The signed rating link of a case (``/rate/<token>/``): made here because the completion SMS of the case
process carries it; the residents app checks it when the resident opens the link."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing

from core.exceptions import ApplicationError
from workflows.models import Case

FEEDBACK_SALT = "bangban.feedback-link"


def _link_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=FEEDBACK_SALT)


def feedback_link_token(*, case: Case, followup: bool = False) -> str:
    """Signed, expiring token for the SMS rating link ``/rate/<token>/`` (``<case id>.<0|1>:<time>:<sig>``).

    Kept short for the SMS (no JSON payload). One use: a case takes one rating per kind (first / follow-up).
    """
    return _link_signer().sign(f"{case.pk}.{int(followup)}")


def feedback_link_url(*, case: Case, followup: bool = False) -> str:
    """Absolute URL for SMS messages (``SITE_URL`` + ``/rate/<token>/``)."""
    return f"{settings.SITE_URL}/rate/{feedback_link_token(case=case, followup=followup)}/"


def feedback_link_case(token: str) -> tuple[Case, bool]:
    """Case and follow-up flag of a link; 404 when the signature is bad or the link expired."""
    max_age = dt.timedelta(days=int(settings.FEEDBACK_LINK_MAX_AGE_DAYS))
    try:
        value = _link_signer().unsign(token, max_age=max_age)
        case_id, followup = value.split(".")
        case = Case.objects.select_related("site", "matter", "assigned_agent").get(pk=int(case_id))
    except (signing.BadSignature, TypeError, ValueError, Case.DoesNotExist):
        raise ApplicationError("评价链接无效或已过期。", {}, status=404)
    return case, followup == "1"
