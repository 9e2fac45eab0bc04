"""Security headers on every response (CSP, referrer, permissions). HSTS comes from SecurityMiddleware."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Everything is served from our own origin; inline styles are allowed for printable pages and SVG.
CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


class RejectNulBytesMiddleware:
    """400 for a NUL byte in the path or query string: PostgreSQL text cannot hold one, so a lookup with it
    (``/open311/v2/services/%00.xml``, ``?site=%00``) would end in a DataError (500) instead of a clear 4xx."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponse("请求中含有非法字符。", status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
