"""Output shapes of the public agency API (CONTRACT §4). Read-only: writes go through ``agency.services``."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agency.models import Agent, Matter, Site

BELOW_BASIC = "below_basic"


class SiteSerializer(serializers.ModelSerializer):
    """``{code, name, kind, tier, approved_tier, parent, address, phone, hours, lat, lng}``.

    ``kind`` is ``center`` | ``station`` | ``partner``, and ``terminal`` for self-service terminals
    (an addition to the contract). ``tier`` is the declared construction tier, null when not graded;
    ``approved_tier`` the tier of the last self-assessment the town or district
    approved, lowered to what the approved answers still support where the system's records contradict them
    (as the station's standards page shows it): ``basic`` | ``standard`` | ``benchmark``, ``below_basic`` when
    it falls short of 基础型, null when none was approved. ``parent`` is the center's code.
    """

    kind = serializers.ChoiceField(choices=Site.Kind.choices)
    tier = serializers.SerializerMethodField()
    approved_tier = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]  # stubs: Field.parent
    lat = serializers.FloatField(allow_null=True, read_only=True)
    lng = serializers.FloatField(allow_null=True, read_only=True)

    class Meta:
        model = Site
        fields = [
            "code",
            "name",
            "kind",
            "tier",
            "approved_tier",
            "parent",
            "address",
            "phone",
            "hours",
            "lat",
            "lng",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="上级中心的站点编码"))
    def get_parent(self, obj: Site) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None

    @extend_schema_field(serializers.ChoiceField(choices=Site.Tier.choices, allow_null=True))
    def get_tier(self, obj: Site) -> str | None:
        return obj.tier or None

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[*Site.Tier.values, BELOW_BASIC],
            allow_null=True,
            help_text="经审核的达标等级（below_basic：未达基础型；null：尚无审核通过的自评）",
        )
    )
    def get_approved_tier(self, obj: Site) -> str | None:
        # ``approved_tiers`` (context): the tier consistent with the record (``agency.extensions.site_tiers``),
        # the one the staff page shows; else the approved one as stored (the standards app's SiteStanding).
        tiers = self.context.get("approved_tiers")
        if tiers is not None:
            return (tiers[obj.pk] or BELOW_BASIC) if obj.pk in tiers else None
        standing = getattr(obj, "standing", None)
        if standing is None:
            return None
        return standing.tier or BELOW_BASIC


class SiteDetailSerializer(SiteSerializer):
    """The site plus ``matters``: codes of the matters offered there."""

    matters = serializers.SerializerMethodField()

    class Meta(SiteSerializer.Meta):
        fields = [*SiteSerializer.Meta.fields, "matters"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_matters(self, obj: Site) -> list[str]:
        return [m.code for m in obj.matters.all() if m.is_active]


class RosterAgentSerializer(serializers.Serializer):
    """One published agent: ``phone`` is the published number (consented mobile, else work or site phone)."""

    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Agent.Kind.choices)
    phone = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField(), help_text="服务范围：事项编码")


class RosterSerializer(serializers.Serializer):
    site = SiteSerializer()
    policy = serializers.CharField(help_text="帮办代办制度全文")
    agents = RosterAgentSerializer(many=True)


class MatterSerializer(serializers.ModelSerializer):
    """``category`` is the policy's Chinese category name (``证明出具``, ``医保`` …)."""

    category = serializers.CharField(source="get_category_display")
    materials = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Matter
        fields = ["code", "name", "category", "materials", "time_limit_days", "doorstep"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    sites = serializers.ListField(child=serializers.CharField())
