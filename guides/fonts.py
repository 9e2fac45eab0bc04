"""The CJK font the PDFs embed.

reportlab embeds (a subset of) a TrueType font with its ToUnicode map, so the PDF shows the same glyphs on every
printer and its text stays extractable (copy, search, screen readers). Its built-in CID fonts (STSong-Light) are
*not* embedded and render as boxes where the viewer lacks them, so they are not used. CFF-outline fonts (Noto
CJK .otf) are not supported by reportlab; WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) and AR PL UMing
are TrueType. ``GUIDES_CJK_FONT`` points at another file (a .ttf, or a .ttc with ``GUIDES_CJK_FONT_INDEX``).
"""

from functools import cache
from pathlib import Path

from django.conf import settings

FONT_NAME = "BangbanCJK"
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


class FontMissing(RuntimeError):
    """No usable CJK TrueType font: the PDFs cannot be made (the system check says how to fix it)."""


def font_path() -> Path | None:
    """The configured font file if set (even when missing: the check reports it), else the first candidate."""
    configured = getattr(settings, "GUIDES_CJK_FONT", "")
    if configured:
        return Path(configured)
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


@cache
def register_font() -> str:
    """Register the CJK font with reportlab once per process; its name for ``setFont``/styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = font_path()
    if path is None or not path.is_file():
        raise FontMissing(f"CJK font not found: {path or ', '.join(CANDIDATES)}")
    index = int(getattr(settings, "GUIDES_CJK_FONT_INDEX", 0))
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=index))
    return FONT_NAME
