"""Every route of the URL conf, as (name, pattern) pairs, for tests that must cover all of them."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Not ours to test route by route: Django admin internals (its login is tested for brute force), static files,
# the Swagger UI page (it only loads /api/schema/, which is in the matrix).
SKIP_PREFIXES = ("admin/", "static/", "media/", "api/docs/")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" or the pattern when unnamed
    pattern: str  # the full pattern text, e.g. "api/v1/cases/<str:case_no>/"


def _walk(resolvers: list, prefix: str, namespace: str) -> list[Route]:
    routes: list[Route] = []
    for entry in resolvers:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            routes.extend(_walk(entry.url_patterns, text, ns))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else text
            routes.append(Route(name=name, pattern=text))
    return routes


def all_routes() -> list[Route]:
    """Every route except ``SKIP_PREFIXES`` (regex anchors stripped)."""
    out = []
    for route in _walk(get_resolver().url_patterns, "", ""):
        clean = route.pattern.replace("^", "").replace("$", "")
        if clean.startswith(SKIP_PREFIXES):
            continue
        out.append(Route(name=route.name, pattern=clean))
    return out
