"""E-licences (电子证照) instead of paper: which licence types satisfy which material of a matter, each query
made to the province's e-licence service (电子证照库), and the licences linked to a case.

Only what the checklist needs is kept: the licence type, a masked number, the issuer and the validity. No
licence image and no full number is stored (``CaseLicence`` has no field for either).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LicenceType(models.Model):
    """A kind of e-licence (居民身份证, 居民户口簿, 营业执照 …).

    ``code`` is what our adapter sends; ``national_code`` is the type code of the national e-licence
    catalogue where the province publishes one (blank until a district fills it from its catalogue: the demo
    does not invent codes).
    """

    code = models.CharField(_("类型编码"), max_length=64, unique=True)
    name = models.CharField(_("证照名称"), max_length=64)
    national_code = models.CharField(_("国家证照类型代码"), max_length=64, blank=True, default="")
    issuer = models.CharField(_("一般发证机关"), max_length=64, blank=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("电子证照类型")
        verbose_name_plural = _("电子证照类型")

    def __str__(self) -> str:
        return self.name


class MaterialLicence(models.Model):
    """``licence_type`` satisfies ``material`` (one entry of the matter's 一次性告知 list) of ``matter``."""

    matter = models.ForeignKey("agency.Matter", on_delete=models.CASCADE, related_name="licence_materials")
    material = models.CharField(_("材料"), max_length=128)
    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="materials")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "material", "licence_type"], name="uniq_material_licence"
            )
        ]
        verbose_name = _("材料可用电子证照")
        verbose_name_plural = _("材料可用电子证照")

    def __str__(self) -> str:
        return f"{self.matter} · {self.material} ← {self.licence_type}"


class LicenceQuery(models.Model):
    """One question to the e-licence service (or one refused for want of consent): who, for which case,
    which types, the answer. Shown to the district admin; never edited."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("已找到")
        NOT_FOUND = "not_found", _("未找到")
        EXPIRED = "expired", _("证照已过期")
        CONSENT_REFUSED = "consent_refused", _("居民未授权")
        TIMEOUT = "timeout", _("查询超时")
        ERROR = "error", _("服务异常")

    case = models.ForeignKey("workflows.Case", on_delete=models.CASCADE, related_name="licence_queries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    types = models.JSONField(_("查询的证照类型"), default=list)
    consent = models.BooleanField(_("居民授权"), default=False)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, db_index=True)
    detail = models.CharField(_("说明"), max_length=255, blank=True, default="")
    request_id = models.CharField(_("请求编号"), max_length=64, unique=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    created_at = models.DateTimeField(_("查询时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("电子证照查询记录")
        verbose_name_plural = _("电子证照查询记录")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_outcome_display()}"


class CaseLicence(models.Model):
    """A licence found for the case's resident: 电子证照已关联 on the materials checklist."""

    case = models.ForeignKey("workflows.Case", on_delete=models.CASCADE, related_name="licences")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="+")
    number_masked = models.CharField(_("证照编号（脱敏）"), max_length=64)
    issuer = models.CharField(_("发证机关"), max_length=128, blank=True, default="")
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("空：长期有效"))
    query = models.ForeignKey(LicenceQuery, on_delete=models.PROTECT, related_name="licences")
    linked_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "licence_type"], name="uniq_case_licence")]
        verbose_name = _("案件关联电子证照")
        verbose_name_plural = _("案件关联电子证照")

    def __str__(self) -> str:
        return f"{self.licence_type} {self.number_masked}"
