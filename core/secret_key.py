"""What makes a ``DJANGO_SECRET_KEY`` unfit for production (checked when the production settings load)."""

from __future__ import annotations

# Values copied from examples and docs: a deployment started with one of them has a public secret.
KNOWN_PLACEHOLDERS = frozenset(
    {
        "change-me",
        "changeme",
        "change_me",
        "change-this",
        "replace-me",
        "secret",
        "secret-key",
        "your-secret-key",
        "django-insecure",
        "collectstatic-only",
        "dev-only-insecure-key-do-not-use-in-production",
        "test-only-insecure-key",
    }
)
MIN_LENGTH = 50  # Django's own deploy check (security.W009): at least 50 characters, 5 different ones
MIN_UNIQUE = 5


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not run production, in Chinese and English, or None when it may."""
    value = key.strip()
    if value.lower() in KNOWN_PLACEHOLDERS or value.lower().startswith("django-insecure-"):
        return "是示例中的占位值 / is a known placeholder"
    if len(value) < MIN_LENGTH:
        return f"太短（{len(value)} 个字符，至少 {MIN_LENGTH} 个）/ is too short ({len(value)} < {MIN_LENGTH} characters)"
    if len(set(value)) < MIN_UNIQUE:
        return "字符种类太少 / has fewer than 5 different characters"
    return None
