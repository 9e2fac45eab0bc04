"""Input validation and output shapes of the case API. Input serializers only validate (no business rules);
text is cleaned of control/bidi-override characters and otherwise kept exactly as typed."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.encoding import smart_str
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agency.models import Agent, Grid, Matter, Site
from core.labels import choice_label
from core.masking import mask_id_number, mask_phone
from core.phones import normalize_phone
from core.serializers import ShallowFieldsSerializer
from core.text import clean_text
from workflows.models import Case, CaseEvent


class CleanCharField(serializers.CharField):
    """A CharField that keeps what people typed (no trimming) minus control/bidi-override characters.

    ``required`` text must contain something other than whitespace.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        value = clean_text(str(data))
        if not self.allow_blank and not value.strip():
            self.fail("blank")
        return value


class _CodeField(serializers.SlugRelatedField):
    """An active site or matter given by its code (a plain ORM read: issue 19 measured a compiled read of it
    at ~3% of an intake, not worth a second read path); a non-string code is invalid, not a lookup."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        try:
            return self.get_queryset().get(code=str(data))  # type: ignore[union-attr]  # always given one
        except ObjectDoesNotExist:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))


class _SiteCodeField(_CodeField):
    pass


class _MatterCodeField(_CodeField):
    pass


def SiteCodeField(**kwargs: Any) -> serializers.SlugRelatedField:
    """An active site given by its code; unknown → field error 站点不存在."""
    return _SiteCodeField(
        queryset=Site.objects.filter(is_active=True),
        error_messages={"does_not_exist": "站点不存在。", "invalid": "站点编码无效。"},
        **kwargs,
    )


def MatterCodeField(**kwargs: Any) -> serializers.SlugRelatedField:
    """An active matter given by its code; unknown → field error 事项不存在."""
    return _MatterCodeField(
        queryset=Matter.objects.filter(is_active=True),
        error_messages={"does_not_exist": "事项不存在。", "invalid": "事项编码无效。"},
        **kwargs,
    )


@extend_schema_field(OpenApiTypes.STR)
class _AgentUsernameSlugField(serializers.SlugRelatedField):
    """A login name in the schema (drf-spectacular cannot follow ``user__username`` itself)."""


def AgentUsernameField(**kwargs: Any) -> serializers.SlugRelatedField:
    """An agent given by their login name; unknown → field error 帮办员不存在."""
    return _AgentUsernameSlugField(
        slug_field="user__username",
        queryset=Agent.objects.select_related("user"),
        error_messages={"does_not_exist": "帮办员不存在。", "invalid": "帮办员账号无效。"},
        **kwargs,
    )


class CaseCreateInput(ShallowFieldsSerializer):
    """登记一件新的帮办代办案件（New case）.

    ``site`` and ``matter`` are codes (``GET /api/v1/sites/``, ``GET /api/v1/matters/``). ``resident_phone``
    accepts what people type (``138 0013 8000``, ``+86 138-0013-8000``) and is stored in E.164. ``channel``:
    ``doorstep`` (default), ``phone``, ``walk_in`` or ``online``; ``special_groups``: ``elderly``, ``disabled``,
    ``living_alone``, ``subsistence`` (低保) — such cases get priority. Send an ``Idempotency-Key`` header so
    that a retry after a lost answer returns the same case instead of making a second one.
    """

    site = SiteCodeField()
    matter = MatterCodeField()
    resident_name = CleanCharField(max_length=64)
    resident_phone = serializers.CharField(max_length=32)
    address = CleanCharField(max_length=255)
    description = CleanCharField(max_length=2000, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Case.Channel.choices, required=False, default="doorstep")
    special_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.SpecialGroup.choices),
        required=False,
        default=list,
        max_length=4,
    )
    grid = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    id_number = serializers.RegexField(
        r"^[0-9]{17}[0-9Xx]$|^$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "身份证号格式不正确（18位）。"},
    )

    def validate_resident_phone(self, value: str) -> str:
        phone = normalize_phone(value)
        if phone is None:
            raise serializers.ValidationError("请输入有效的手机号码，例如 138 0013 8000。")
        return phone

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        code = attrs.get("grid") or ""
        attrs["grid"] = None
        if code:
            grid = Grid.objects.filter(code=code).first()
            if grid is None or grid.site_id != attrs["site"].pk:
                raise serializers.ValidationError({"grid": ["网格不存在或不属于该站点。"]})
            attrs["grid"] = grid
        return attrs


class AssignInput(serializers.Serializer):
    agent = AgentUsernameField()


class VisitInput(serializers.Serializer):
    note = CleanCharField(max_length=2000, required=False, allow_blank=True, default="")
    materials_missing = serializers.ListField(
        child=CleanCharField(max_length=128), required=False, default=list, max_length=50
    )


class ScheduleVisitInput(serializers.Serializer):
    visit_at = serializers.DateTimeField(help_text="ISO-8601；须晚于现在且在30天内")


class SubmitInput(serializers.Serializer):
    department = CleanCharField(max_length=128)
    reference_no = CleanCharField(max_length=64, required=False, allow_blank=True, default="")
    note = CleanCharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteInput(serializers.Serializer):
    note = CleanCharField(max_length=2000)


class ProgressInput(NoteInput):
    notify_resident = serializers.BooleanField(required=False, default=False)


class OptionalNoteInput(serializers.Serializer):
    note = CleanCharField(max_length=2000, required=False, allow_blank=True, default="")


class CompleteInput(serializers.Serializer):
    result = CleanCharField(max_length=2000)
    note = CleanCharField(max_length=2000, required=False, allow_blank=True, default="")
    delivery_method = serializers.ChoiceField(
        choices=Case.DeliveryMethod.choices, required=False, default="door"
    )
    tracking_no = CleanCharField(max_length=64, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = CleanCharField(max_length=2000)


class AnswerInput(serializers.Serializer):
    answer = CleanCharField(max_length=2000)


class TransferInput(serializers.Serializer):
    site = SiteCodeField(required=False)
    agent = AgentUsernameField(required=False)
    reason = CleanCharField(max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("site") and not attrs.get("agent"):
            raise serializers.ValidationError({"site": ["请选择转办的站点或帮办员。"]})
        return attrs


# --- output ------------------------------------------------------------------------------------------


def _dt(value: Any) -> str | None:
    """ISO 8601 in local time (``+08:00``), as DRF's DateTimeField would render it."""
    return timezone.localtime(value).isoformat() if value else None


def _agent_out(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {
        "username": agent.user.username if agent.user is not None else None,
        "name": agent.name,
        "role": agent.kind,
    }


def case_list_item(case: Case, *, shown_status: str | None = None) -> dict[str, Any]:
    """List row: what a queue needs; the phone masked. ``shown_status``: a 一件事 parent's status derived
    from its members (``workflows.bundle_progress.bundle_statuses``); ``own_status`` keeps the stored one,
    which decides the actions."""
    shown = shown_status or case.status
    return {
        "case_no": case.case_no,
        "status": shown,
        "status_label": choice_label(Case.Status, shown),
        "own_status": case.status,
        "site": case.site.code,
        "site_name": case.site.name,
        "matter": case.matter.code,
        "matter_name": case.matter.name,
        "resident_name": case.resident_name,
        "resident_phone": mask_phone(case.resident_phone),
        "address": case.address,
        "channel": case.channel,
        "special_groups": list(case.special_groups or []),
        "priority": case.priority,
        "due_at": _dt(case.due_at),
        "overdue": case.is_overdue,
        "assigned_agent": _agent_out(case.assigned_agent),
        "created_at": _dt(case.created_at),
    }


def event_out(event: CaseEvent) -> dict[str, Any]:
    return {
        "at": _dt(event.at),
        "kind": event.kind,
        "kind_label": event.kind_label,
        "note": event.note,
        "actor": event.actor_name,
        "public": event.public,
    }


def case_detail(
    case: Case, *, events: list[CaseEvent], actions: list[str], shown_status: str | None = None
) -> dict[str, Any]:
    data = case_list_item(case, shown_status=shown_status)
    data.update(
        {
            "grid": case.grid.code if case.grid_id and case.grid else None,
            "description": case.description,
            "id_number": mask_id_number(case.id_number),
            "department": case.department,
            "reference_no": case.reference_no,
            "result": case.result,
            "delivery_method": case.delivery_method,
            "tracking_no": case.tracking_no,
            "materials_missing": list(case.materials_missing or []),
            "completed_at": _dt(case.completed_at),
            "closed_at": _dt(case.closed_at),
            "feedback_due_at": _dt(case.feedback_due_at),
            "visit_at": _dt(case.visit_at),
            "updated_at": _dt(case.updated_at),
            "timeline": [event_out(e) for e in events],
            "actions": actions,
        }
    )
    return data


class CaseListItemSerializer(serializers.Serializer):
    """Schema of a list row (documentation only; rows are built by ``case_list_item``)."""

    case_no = serializers.CharField()
    status = serializers.ChoiceField(
        choices=Case.Status.choices,
        help_text="for a 一件事 parent, the status its member cases give it (the least advanced open member)",
    )
    status_label = serializers.CharField()
    own_status = serializers.ChoiceField(
        choices=Case.Status.choices, help_text="the case's own stored status (decides `actions`)"
    )
    site = serializers.CharField()
    site_name = serializers.CharField()
    matter = serializers.CharField()
    matter_name = serializers.CharField()
    resident_name = serializers.CharField()
    resident_phone = serializers.CharField(help_text="masked")
    address = serializers.CharField()
    channel = serializers.CharField()
    special_groups = serializers.ListField(child=serializers.CharField())
    priority = serializers.IntegerField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    assigned_agent = serializers.DictField(allow_null=True)
    created_at = serializers.DateTimeField()


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    note = serializers.CharField()
    actor = serializers.CharField()
    public = serializers.BooleanField()


class CaseDetailSerializer(CaseListItemSerializer):
    """Schema of the case detail (documentation only)."""

    grid = serializers.CharField(allow_null=True)
    description = serializers.CharField()
    id_number = serializers.CharField(help_text="masked")
    department = serializers.CharField()
    reference_no = serializers.CharField()
    result = serializers.CharField()
    delivery_method = serializers.CharField()
    tracking_no = serializers.CharField()
    materials_missing = serializers.ListField(child=serializers.CharField())
    completed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    feedback_due_at = serializers.DateTimeField(allow_null=True)
    visit_at = serializers.DateTimeField(allow_null=True, help_text="预约上门时间")
    updated_at = serializers.DateTimeField()
    timeline = TimelineEventSerializer(many=True)
    actions = serializers.ListField(child=serializers.CharField())
