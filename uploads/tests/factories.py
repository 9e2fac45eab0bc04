"""Factories of the uploads app."""

import io

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory
from PIL import Image

from uploads.models import MaterialPhoto
from workflows.tests.factories import CaseFactory


def jpeg_bytes(size: tuple[int, int] = (32, 24), *, gps: bool = False) -> bytes:
    img = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (36.0, 40.0, 12.0), 3: "E", 4: (117.0, 0.0, 5.0)}
        img.save(out, format="JPEG", exif=exif)
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


class MaterialPhotoFactory(DjangoModelFactory):
    """A stored photo row (already sanitised content) for read and retention tests."""

    class Meta:
        model = MaterialPhoto

    case = factory.SubFactory(CaseFactory)
    material = "居民身份证"
    file = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))
    content_type = "image/jpeg"
    width = 32
    height = 24
    size = 100
