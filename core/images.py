"""Photos people upload (material photos at the door, evidence for a station assessment).

One function, ``image_sanitize``, is the only way an uploaded image reaches storage: the type is sniffed from
the content (Pillow opens it, the name and the browser's content type are ignored), the pixels are decoded and
re-encoded as a fresh JPEG (or PNG when the source has transparency), which drops every EXIF/XMP/GPS block the
camera wrote and any JPEG comment (COM) or PNG text chunk, the orientation the camera recorded is applied to the pixels first, and the longest side is
bounded. Anything else is an ``ApplicationError`` (400) with a message a grid worker can act on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.exceptions import ApplicationError

# Formats a phone camera or a scanner produces; anything else (SVG, PDF, TIFF with scripts…) is refused.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
# Decompression bombs: a small file that decodes to gigapixels is refused from its header, before it is
# decoded (issue 33: a 6 KB 7000×7000 PNG took 435 MB). 40 MP is above any phone camera's 4:3 frame.
MAX_PIXELS = 40_000_000


def _limit_pixels() -> int:
    return int(getattr(settings, "UPLOAD_IMAGE_MAX_PIXELS", MAX_PIXELS))


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image, ready for ``storage.save(name, content)``."""

    content: ContentFile
    extension: str  # "jpg" or "png"
    content_type: str
    width: int
    height: int
    size: int


def _limit_bytes() -> int:
    return int(getattr(settings, "UPLOAD_IMAGE_MAX_BYTES", 10 * 1024 * 1024))


def _limit_side() -> int:
    return int(getattr(settings, "UPLOAD_IMAGE_MAX_SIDE", 2048))


def image_sanitize(*, upload: IO[bytes], field: str = "photo") -> CleanImage:
    """Validate and re-encode one uploaded image; raise ``ApplicationError`` (400, ``extra={"field": …}``)."""
    limit = _limit_bytes()
    data = upload.read(limit + 1)
    if not data:
        raise ApplicationError("照片为空，请重新拍摄。", {"field": field, "code": "empty"})
    if len(data) > limit:
        raise ApplicationError(
            f"照片超过 {limit // (1024 * 1024)} MB，请降低分辨率后重试。",
            {"field": field, "code": "too_large", "max_bytes": limit},
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            probe.verify()  # structural check of the whole file, without decoding pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ApplicationError(
            "文件不是可识别的图片（支持 JPEG、PNG、WebP）。", {"field": field, "code": "not_image"}
        )
    if fmt not in ALLOWED_FORMATS:
        raise ApplicationError(
            f"不支持的图片格式 {fmt}（支持 JPEG、PNG、WebP）。",
            {"field": field, "code": "format", "format": fmt},
        )
    if width * height > _limit_pixels():
        raise ApplicationError(
            "图片像素过大，请降低分辨率后重试。", {"field": field, "code": "too_many_pixels"}
        )
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.seek(0)  # first frame of a GIF/MPO
            img: Image.Image = ImageOps.exif_transpose(source) or source
            has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if has_alpha else "RGB")
            img.thumbnail((_limit_side(), _limit_side()))
            # nothing of the source's metadata rides along: Pillow's writers fall back to im.info for, e.g.,
            # the JPEG comment (COM segment), ICC profile or DPI when they are not given explicitly
            img.info = {}
            out = io.BytesIO()
            if has_alpha:
                img.save(out, format="PNG", optimize=True)  # no pnginfo: no text chunks carried over
                ext, ctype = "png", "image/png"
            else:
                img.save(out, format="JPEG", quality=85, optimize=True)  # no exif=: nothing carried over
                ext, ctype = "jpg", "image/jpeg"
            w, h = img.size
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ApplicationError("图片已损坏，无法读取。", {"field": field, "code": "corrupt"})
    payload = out.getvalue()
    return CleanImage(
        content=ContentFile(payload), extension=ext, content_type=ctype, width=w, height=h, size=len(payload)
    )
