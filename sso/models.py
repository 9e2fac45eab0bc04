"""Which identity of the provincial identity service signs in as which agent here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffIdentity(models.Model):
    """Links the value of the configured identity claim (``OIDC_IDENTITY_CLAIM``: e.g. the 统一身份 user id or
    the ID-card hash the province issues) to one existing agent. Entered by a site administrator; a login
    whose claim matches no row gets no access (no account is ever created from a login). Role and sites
    still come from the agent record."""

    agent = models.OneToOneField(
        "agency.Agent", on_delete=models.CASCADE, related_name="sso_identity", verbose_name=_("帮办代办员")
    )
    value = models.CharField(_("统一身份标识"), max_length=191, unique=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("最近登录"), null=True, blank=True)

    class Meta:
        ordering = ["agent__name"]
        verbose_name = _("统一身份认证账号")
        verbose_name_plural = _("统一身份认证账号")

    def __str__(self) -> str:
        return f"{self.agent} ↔ {self.value[:8]}…"
