"""System check: the PDFs need an embeddable CJK font (an Error in production, a Warning elsewhere)."""

from typing import Any

from django.conf import settings
from django.core import checks

from guides.fonts import CANDIDATES, font_path


@checks.register(checks.Tags.compatibility)
def check_cjk_font(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    path = font_path()
    if path is not None and path.is_file():
        return []
    level = checks.Error if getattr(settings, "GUIDES_FONT_REQUIRED", False) else checks.Warning
    return [
        level(
            "No CJK TrueType font for the printable guides (posters, leaflets).",
            hint=f"Install Debian's fonts-wqy-microhei or set GUIDES_CJK_FONT (looked at: {path or CANDIDATES}).",
            id="guides.E001",
        )
    ]
