"""Schema of the hand-off API's answers (documentation only: the views build these bodies as dicts)."""

from __future__ import annotations

from rest_framework import serializers

from handoffs.models import Channel, Handoff, Scope


class HandoffSerializer(serializers.Serializer):
    """``handoffs.api.views._handoff_json``: one hand-off and what came back."""

    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    region = serializers.CharField()
    authority = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    materials_sent = serializers.ListField(child=serializers.CharField())
    sent_at = serializers.DateTimeField()
    reference_no = serializers.CharField(allow_blank=True)
    outcome = serializers.ChoiceField(choices=Handoff.Outcome.choices, allow_blank=True)
    returned_at = serializers.DateTimeField(allow_null=True)
