"""Idempotency keys of the intake API (issue 14: exactly-once sync of requests logged offline).

Loaded by ``workflows/models.py`` (one import line at its end) so they belong to the ``workflows`` app.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["IntakeKey"]


class IntakeKey(models.Model):
    """One ``Idempotency-Key`` a staff user sent with ``POST /api/v1/cases/`` and the case it created.

    Scoped to the user (two workers' phones may generate the same id without clashing); the unique
    (user, key) index is what makes two concurrent sends of one key create one case. ``request_hash`` is the
    SHA-256 of the canonical JSON body, so a key reused with another body is refused (409); ``response`` is
    the body first answered, which every replay answers again. Kept ``INTAKE_KEY_RETENTION_DAYS`` (≥ 7).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("幂等键"), max_length=128)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    case = models.ForeignKey("workflows.Case", on_delete=models.CASCADE, related_name="+")
    response = models.JSONField(_("首次应答"), encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)

    class Meta:
        verbose_name = _("登记幂等键")
        verbose_name_plural = _("登记幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="intakekey_user_key_uniq")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
