"""The 帮办代办 case and its timeline.

``Case`` is a real, indexed table: the domain data of ``workflows.flows.CaseFlow``'s process. Viewflow's own
``Process``/``Task`` rows (linked one-to-one through ``Case.process``) are the work items and the lock that
serialises transitions; ``Case.status`` is the source of truth for what a case is doing, denormalised so
lists, filters and statistics never touch Viewflow's tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.labels import choice_label
from workflows.case_numbers import CASE_NO_MAX_LENGTH


class Case(models.Model):
    """One resident's request for help (帮办代办事项), from intake to a closed, rated case."""

    class Status(models.TextChoices):
        NEW = "new", _("待分派")
        ASSIGNED = "assigned", _("已分派")
        VISITED = "visited", _("已上门")
        AWAITING_MATERIALS = "awaiting_materials", _("待补材料")
        SUBMITTED = "submitted", _("已报送")
        COMPLETED = "completed", _("已办结")
        RECTIFYING = "rectifying", _("整改中")
        CLOSED = "closed", _("已关闭")
        REJECTED = "rejected", _("不予受理")
        WITHDRAWN = "withdrawn", _("已撤回")
        # issue 15: a 一件事 child whose dependency is not done yet (no process until it starts)
        WAITING = "waiting", _("待启动")
        # issue 15: 全省通办/跨省通办 — sent to another region's authority, waiting for its outcome
        HANDED_OFF = "handed_off", _("异地办理中")

    class Channel(models.TextChoices):
        DOORSTEP = "doorstep", _("上门")
        PHONE = "phone", _("电话")
        WALK_IN = "walk_in", _("窗口")
        ONLINE = "online", _("线上")
        OUTREACH = "outreach", _("大篷车")

    class SpecialGroup(models.TextChoices):
        ELDERLY = "elderly", _("老年人")
        DISABLED = "disabled", _("残疾人")
        LIVING_ALONE = "living_alone", _("独居")
        SUBSISTENCE = "subsistence", _("低保")

    class DeliveryMethod(models.TextChoices):
        DOOR = "door", _("上门送达")
        MAIL = "mail", _("邮寄")
        WINDOW = "window", _("窗口领取")
        ELECTRONIC = "electronic", _("电子证照")

    case_no = models.CharField(_("案件编号"), max_length=CASE_NO_MAX_LENGTH, unique=True)
    site = models.ForeignKey(
        "agency.Site", on_delete=models.PROTECT, related_name="cases", verbose_name=_("受理站点")
    )
    grid = models.ForeignKey(
        "agency.Grid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("网格"),
    )
    matter = models.ForeignKey(
        "agency.Matter", on_delete=models.PROTECT, related_name="cases", verbose_name=_("事项")
    )
    resident_name = models.CharField(_("群众姓名"), max_length=64)
    resident_phone = PhoneNumberField(_("联系电话"), region="CN", db_index=True)
    id_number = models.CharField(_("身份证号"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255)
    description = models.TextField(_("诉求描述"), blank=True)
    channel = models.CharField(
        _("受理渠道"), max_length=16, choices=Channel.choices, default=Channel.DOORSTEP
    )
    special_groups = models.JSONField(_("特殊群体"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(_("优先级"), default=0)
    status = models.CharField(_("状态"), max_length=32, choices=Status.choices, default=Status.NEW)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    assigned_agent = models.ForeignKey(
        "agency.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("帮办员"),
    )
    department = models.CharField(_("承办部门"), max_length=128, blank=True)
    reference_no = models.CharField(_("平台受理号"), max_length=64, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    delivery_method = models.CharField(
        _("送达方式"), max_length=16, choices=DeliveryMethod.choices, blank=True
    )
    tracking_no = models.CharField(_("物流单号"), max_length=64, blank=True)
    materials_missing = models.JSONField(_("待补材料"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_cases",
        verbose_name=_("登记人"),
    )
    process = models.OneToOneField(
        "viewflow.Process",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
        verbose_name=_("流程实例"),
    )
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("评价截止"), null=True, blank=True)
    visit_at = models.DateTimeField(
        _("预约上门时间"),
        null=True,
        blank=True,
        help_text=_("与群众约定的上门时间；预约后提前一天和两小时提醒群众，前一天提醒帮办员。"),
    )

    # issue 15: a 一件事 member case points at its bundle's parent case (``bundles`` keeps the rest).
    bundle_parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bundle_children",
        verbose_name=_("所属一件事"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("帮办案件")
        verbose_name_plural = _("帮办案件")
        # ``workflows.view_unmasked``: exports (and other oversight views) show full names and phones. It was
        # declared on the export job until issue 19 moved that model out; the permission row moved with it
        # (workflows 0010), so who held it still does.
        permissions = [("view_unmasked", _("查看/导出未脱敏的个人信息"))]
        indexes = [
            models.Index(fields=["site", "status"], name="case_site_status_idx"),
            models.Index(fields=["assigned_agent", "status"], name="case_agent_status_idx"),
            # Oversight figures count cases received / completed in a period, per site.
            models.Index(fields=["created_at", "site"], name="case_created_site_idx"),
            models.Index(fields=["completed_at", "site"], name="case_completed_site_idx"),
            # The staff case list: filtered by status, newest first (``-created_at, -id``), and its count.
            models.Index(fields=["status", "-created_at", "-id"], name="case_status_created_idx"),
            models.Index(
                fields=["due_at"],
                name="case_open_due_idx",
                condition=Q(
                    status__in=["new", "assigned", "visited", "awaiting_materials", "submitted", "handed_off"]
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.case_no

    @property
    def is_open(self) -> bool:
        return self.status in Case.Status.OPEN  # type: ignore[attr-defined]

    @property
    def is_final(self) -> bool:
        return self.status in Case.Status.FINAL  # type: ignore[attr-defined]

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.due_at and self.due_at < timezone.now())


# Status groups (attributes of the enum class, not members).
# OPEN: work still to do before the result; the due date counts (also the partial index above).
# ACTIVE: the process is still running (OPEN + waiting for feedback + rectifying).
# FINAL: nothing more happens.
Case.Status.OPEN = frozenset(  # type: ignore[attr-defined]
    {"new", "assigned", "visited", "awaiting_materials", "submitted", "handed_off"}
)
Case.Status.ACTIVE = Case.Status.OPEN | {"completed", "rectifying"}  # type: ignore[attr-defined]
Case.Status.FINAL = frozenset({"closed", "rejected", "withdrawn"})  # type: ignore[attr-defined]


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what, when; ``public`` lines are shown to the resident."""

    class Kind(models.TextChoices):
        CREATED = "created", _("受理登记")
        ASSIGNED = "assigned", _("分派")
        VISITED = "visited", _("上门服务")
        VISIT_SCHEDULED = "visit_scheduled", _("预约上门")
        MATERIALS_REQUESTED = "materials_requested", _("一次性告知补正材料")
        SUBMITTED = "submitted", _("代为报送")
        PROGRESS = "progress", _("进度更新")
        COMPLETED = "completed", _("办结")
        ANSWERED = "answered", _("咨询答复")
        REJECTED = "rejected", _("不予受理")
        WITHDRAWN = "withdrawn", _("撤回")
        TRANSFERRED = "transferred", _("转办")
        CLOSED = "closed", _("关闭")
        RATING = "rating", _("评价")
        RECTIFYING = "rectifying", _("整改")
        RECTIFIED = "rectified", _("整改完成")
        CALLBACK = "callback", _("回访")
        NOTE = "note", _("备注")
        REASSIGNED_BACKUP = "reassigned_backup", _("AB岗转交")
        BUNDLE = "bundle", _("一件事")
        HANDED_OFF = "handed_off", _("异地转办")
        HANDOFF_RETURNED = "handoff_returned", _("异地办理结果")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("案件"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("类型"), max_length=32)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=64, blank=True)
    public = models.BooleanField(_("群众可见"), default=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at_idx")]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return choice_label(CaseEvent.Kind, self.kind)


from workflows.intake_models import *  # noqa: E402,F403
