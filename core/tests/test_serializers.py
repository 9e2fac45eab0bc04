"""core.serializers.ShallowFieldsSerializer: per-instance fields without DRF's deep copy, and no leaks."""

from rest_framework import serializers

from core.serializers import ShallowFieldsSerializer


class Probe(ShallowFieldsSerializer):
    name = serializers.CharField(max_length=4)
    kind = serializers.ChoiceField(choices=[("a", "A"), ("b", "B")])
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=["x", "y"]), required=False, max_length=2
    )


class DeepProbe(serializers.Serializer):
    name = serializers.CharField(max_length=4)
    kind = serializers.ChoiceField(choices=[("a", "A"), ("b", "B")])
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=["x", "y"]), required=False, max_length=2
    )


CASES = [
    {"name": "ok", "kind": "a", "tags": ["x"]},
    {"name": "too long", "kind": "c", "tags": ["z", "x", "y"]},
    {"kind": "b", "tags": "x"},
    {"name": "", "kind": None},
    {},
]


def test_validates_exactly_like_drf():
    for data in CASES:
        shallow, deep = Probe(data=data), DeepProbe(data=data)
        assert shallow.is_valid() == deep.is_valid(), data
        assert shallow.errors == deep.errors, data
        if deep.is_valid():
            assert shallow.validated_data == deep.validated_data


def test_each_instance_binds_its_own_fields():
    first, second = Probe(data=CASES[0]), Probe(data=CASES[1])
    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first and second.fields["name"].parent is second
    assert first.is_valid() and not second.is_valid()
    assert Probe._declared_fields["name"].parent is None  # the declared field itself is never bound
    # a valid instance after an invalid one is not affected by it
    assert Probe(data=CASES[0]).is_valid()
