"""core.images.image_sanitize: content sniffing, EXIF/GPS stripped, size and pixel limits."""

import io

import pytest
from django.test import override_settings
from PIL import Image

from core.exceptions import ApplicationError
from core.images import image_sanitize


def _jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (36.0, 40.0, 12.0), 3: "E", 4: (117.0, 0.0, 5.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_gps_exif_is_stripped_and_jpeg_comes_back() -> None:
    raw = _jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif().get_ifd(0x8825), "fixture must carry GPS"
    clean = image_sanitize(upload=io.BytesIO(raw))
    assert clean.extension == "jpg" and clean.content_type == "image/jpeg"
    with Image.open(io.BytesIO(clean.content.read())) as after:
        assert after.format == "JPEG"
        assert not after.getexif()
        assert "exif" not in after.info
        assert after.size == (64, 48)


def test_text_named_jpg_is_refused() -> None:
    with pytest.raises(ApplicationError) as err:
        image_sanitize(upload=io.BytesIO(b"this is not an image, only named .jpg"), field="photo")
    assert err.value.extra["code"] == "not_image"
    assert err.value.extra["field"] == "photo"


def test_empty_is_refused() -> None:
    with pytest.raises(ApplicationError) as err:
        image_sanitize(upload=io.BytesIO(b""))
    assert err.value.extra["code"] == "empty"


@override_settings(UPLOAD_IMAGE_MAX_BYTES=1000)
def test_oversize_is_refused_with_the_limit() -> None:
    with pytest.raises(ApplicationError) as err:
        image_sanitize(upload=io.BytesIO(_jpeg_with_gps((600, 600)) + b"\0" * 2000))
    assert err.value.extra["code"] == "too_large"
    assert err.value.extra["max_bytes"] == 1000


@override_settings(UPLOAD_IMAGE_MAX_SIDE=100)
def test_long_side_is_bounded() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 200)).save(out, format="PNG")
    clean = image_sanitize(upload=io.BytesIO(out.getvalue()))
    assert (clean.width, clean.height) == (100, 50)


def test_transparent_png_stays_png() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    assert image_sanitize(upload=io.BytesIO(out.getvalue())).extension == "png"


def test_unsupported_format_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")
    with pytest.raises(ApplicationError) as err:
        image_sanitize(upload=io.BytesIO(out.getvalue()))
    assert err.value.extra["code"] == "format"
