"""Shapes of the material photo API (``/api/v1/cases/{case_no}/photos/``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from uploads.models import MaterialPhoto
from uploads.selectors import ChecklistRow


class PhotoUploadInput(serializers.Serializer):
    photo = serializers.FileField(allow_empty_file=True)
    material = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    client_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class PhotoSerializer(serializers.Serializer):
    """Documentation of ``photo_out`` (rows are built by hand)."""

    id = serializers.IntegerField()
    material = serializers.CharField()
    client_id = serializers.CharField()
    content_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="scope-checked; needs the same authentication")


class ChecklistRowSerializer(serializers.Serializer):
    material = serializers.CharField()
    collected = serializers.BooleanField()
    photos = serializers.ListField(child=serializers.IntegerField())


class PhotoListSerializer(serializers.Serializer):
    materials = ChecklistRowSerializer(many=True)
    photos = PhotoSerializer(many=True)


def photo_out(photo: MaterialPhoto) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "material": photo.material,
        "client_id": photo.client_id,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "size": photo.size,
        "created_at": photo.created_at.isoformat(),
        "url": reverse("uploads:photo-file", args=[photo.pk]),
    }


def checklist_out(rows: list[ChecklistRow]) -> list[dict[str, Any]]:
    return [
        {"material": r.material, "collected": r.collected, "photos": [p.pk for p in r.photos]} for r in rows
    ]
