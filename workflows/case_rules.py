"""Small input rules of the case steps that both the page forms and the services apply, written once so the
two never disagree (the service is the authority; the form repeats the rule to answer before a round trip)."""

from workflows.models import Case

MAIL_NEEDS_TRACKING_NO = "邮寄送达请填写快递单号。"


def delivery_tracking_error(*, delivery_method: str, tracking_no: str) -> str | None:
    """The error for a result sent by post without a tracking number, else ``None``."""
    if delivery_method == Case.DeliveryMethod.MAIL and not tracking_no.strip():
        return MAIL_NEEDS_TRACKING_NO
    return None
