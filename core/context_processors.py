from django.http import HttpRequest


def ui_prefs(request: HttpRequest) -> dict[str, bool]:
    """Large-font mode is a cookie so it persists and works without JavaScript."""
    return {"large_font": request.COOKIES.get("bb_font") == "large"}
