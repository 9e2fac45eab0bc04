"""Schema of the 一件事 API's answers (documentation only: the views build these bodies as dicts)."""

from __future__ import annotations

from rest_framework import serializers

from workflows.models import Case


class BundleMemberSerializer(serializers.Serializer):
    matter = serializers.CharField(help_text="matter code")
    name = serializers.CharField()
    order = serializers.IntegerField()
    time_limit_days = serializers.IntegerField()
    materials = serializers.ListField(child=serializers.CharField())
    depends_on = serializers.ListField(child=serializers.CharField(), help_text="matter codes")


class BundleCardSerializer(serializers.Serializer):
    """``bundles.selectors.bundle_card``: a published bundle with its members and merged materials."""

    code = serializers.CharField()
    name = serializers.CharField()
    life_event = serializers.CharField()
    summary = serializers.CharField()
    guide = serializers.CharField()
    time_limit_days = serializers.IntegerField()
    materials = serializers.ListField(child=serializers.CharField(), help_text="members' materials, merged")
    members = BundleMemberSerializer(many=True)
    sites = serializers.ListField(child=serializers.CharField(), help_text="site codes")


class BundleChildSerializer(serializers.Serializer):
    case_no = serializers.CharField()
    matter = serializers.CharField(help_text="matter name")
    status = serializers.ChoiceField(choices=Case.Status.choices)
    status_label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    waits_for = serializers.ListField(
        child=serializers.CharField(), help_text="names of the matters waited for"
    )


class BundleCaseSerializer(serializers.Serializer):
    """``bundles.api.views.bundle_case_json``: a parent case with its members' progress."""

    case_no = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    due_at = serializers.DateTimeField(allow_null=True)
    bundle = serializers.CharField(help_text="the bundle's name")
    progress = serializers.CharField()
    children = BundleChildSerializer(many=True)


class BundleStatsRowSerializer(serializers.Serializer):
    bundle = serializers.CharField(help_text="bundle code")
    name = serializers.CharField()
    received = serializers.IntegerField()
    open = serializers.IntegerField()
    completed = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)


class BundleStatsTotalSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    completed = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)


class BundleStatsSerializer(serializers.Serializer):
    """``bundles.selectors.bundle_stats``: bundles (counted once each) beside single matters."""

    bundles = BundleStatsTotalSerializer()
    single = BundleStatsTotalSerializer()
    by_bundle = BundleStatsRowSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    """``core.exceptions.drf_exception_handler``'s body for an ``ApplicationError``."""

    message = serializers.CharField()
    extra = serializers.DictField()
