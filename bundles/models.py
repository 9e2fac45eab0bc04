"""一件事 (life-event bundles): a catalog entry grouping member matters, and the cases made from one.

``Bundle`` is the catalog entry (admin-edited): its members in order with dependencies, the sites that
offer it, a total time limit and a guide. A bundle's intake makes one parent ``workflows.Case`` (its matter
is the bundle's own ``Bundle.matter`` row, so the parent is an ordinary case: timeline, rating,
rectification, statistics) and one child case per member (``Case.bundle_parent``), recorded here in
``BundleChild`` with the member it came from.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Bundle(models.Model):
    """One 一件事 of the catalog (e.g. 出生一件事)."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    life_event = models.CharField(_("人生事件"), max_length=64, help_text=_("如：新生儿出生、退休、身后事"))
    summary = models.CharField(_("简介"), max_length=255, blank=True)
    guide = models.TextField(_("办事指南"), blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("总时限（工作日）"), default=15)
    sites = models.ManyToManyField(
        "agency.Site", related_name="bundles", blank=True, verbose_name=_("可办站点")
    )
    # The parent case's matter (made and kept in step by ``bundles.services.bundle_sync_matter``).
    matter = models.OneToOneField(
        "agency.Matter",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="bundle",
        verbose_name=_("一件事事项"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事目录")

    def __str__(self) -> str:
        return self.name


class BundleMember(models.Model):
    """A member matter of a bundle, in order; ``depends_on`` members must be done before it starts."""

    bundle = models.ForeignKey(
        Bundle, on_delete=models.CASCADE, related_name="members", verbose_name=_("一件事")
    )
    matter = models.ForeignKey(
        "agency.Matter", on_delete=models.PROTECT, related_name="bundle_members", verbose_name=_("事项")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    depends_on = models.ManyToManyField(
        "agency.Matter",
        blank=True,
        related_name="+",
        verbose_name=_("前置事项"),
        help_text=_("本一件事中须先办结的事项（如户口登记先于医保参保）"),
    )

    class Meta:
        ordering = ["bundle", "order", "id"]
        verbose_name = _("成员事项")
        verbose_name_plural = _("成员事项")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "matter"], name="bundlemember_bundle_matter_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.matter_id}"


class BundleCase(models.Model):
    """The parent case of one bundle intake."""

    bundle = models.ForeignKey(
        Bundle, on_delete=models.PROTECT, related_name="cases", verbose_name=_("一件事")
    )
    case = models.OneToOneField(
        "workflows.Case", on_delete=models.CASCADE, related_name="bundle_case", verbose_name=_("主案件")
    )
    created_at = models.DateTimeField(_("受理时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("全部办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("一件事办件")
        verbose_name_plural = _("一件事办件")

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.case_id}"


class BundleChild(models.Model):
    """One member case of a bundle intake (``member`` is null for a matter staff added later)."""

    parent = models.ForeignKey(
        BundleCase, on_delete=models.CASCADE, related_name="children", verbose_name=_("一件事办件")
    )
    case = models.OneToOneField(
        "workflows.Case", on_delete=models.CASCADE, related_name="bundle_child", verbose_name=_("子案件")
    )
    member = models.ForeignKey(
        BundleMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("成员"),
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # Matter ids of the siblings this child waits for (copied from the member at intake).
    waits_for = models.JSONField(_("前置事项"), default=list, blank=True)
    started_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["parent", "order", "id"]
        verbose_name = _("子案件")
        verbose_name_plural = _("子案件")

    def __str__(self) -> str:
        return f"{self.parent_id}:{self.case_id}"
