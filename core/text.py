"""Text hygiene for what people type: keep everything they wrote, drop only invisible control and
bidi-override characters that can spoof how text is displayed."""

import re

# C0/C1 controls except \t \n \r; bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069).
_STRIP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str | None) -> str:
    """Remove control and bidi-override characters; everything else (emoji, HTML, zero-width) is kept."""
    if value is None:
        return ""
    return _STRIP.sub("", value)
