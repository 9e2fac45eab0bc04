"""The installable, offline-first shell of ``/m/`` (issue 14): manifest, service worker, offline page, data.

The service worker is served from ``/m/sw.js`` so that its scope is ``/m/`` (a worker's scope is at most its
own directory); the manifest's icons are files under ``static/m/``. Nothing is fetched from a CDN.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from workflows import offline, permissions, selectors

THEME_COLOUR = "#b3261e"  # --brand of bangban.css
# Bump when the worker's caching rules change; the static file names (hashed in production) change it too.
# 2: the 新建 pages queue offline; 3: the 一件事 pages too, and the offline history lookup (issue 26)
SW_REVISION = "3"


def _shell_static() -> list[str]:
    return [
        static("css/bangban.css"),
        static("css/mobile.css"),
        static("js/mobile.js"),
        static("js/offline.js"),
        static("m/icon.svg"),
        static("m/icon-192.png"),
    ]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "帮办代办 · 网格员",
        "short_name": "帮办代办",
        "lang": "zh-CN",
        "start_url": reverse("workflows:m-home"),
        "scope": reverse("workflows:m-home"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("m/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": static("m/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("m/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = _shell_static()
    version = hashlib.sha256(("|".join([SW_REVISION, *shell])).encode()).hexdigest()[:12]
    body = render_to_string(
        "workflows/m/sw.js",
        {
            "version": version,
            "static_urls": json.dumps(shell),
            "pages": json.dumps(
                [
                    reverse("m_offline:page"),
                    reverse("m_offline:data"),
                    reverse("workflows:m-home"),
                    reverse("workflows:m-new"),
                ]
            ),
            "offline_url": json.dumps(reverse("m_offline:page")),
            "static_prefix": json.dumps(static("")),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("workflows:m-home")
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker on every visit
    return response


@require_GET
@login_required
def offline_page(request: HttpRequest) -> HttpResponse:
    """离线登记: the app shell (needs JavaScript; the server-rendered 新建 pages stay the no-JS path)."""
    role = selectors.actor_role(request.user)
    return render(
        request,
        "workflows/m/offline.html",
        {
            "nav": "offline",
            "is_staff_role": role in permissions.STAFF_ROLES,
            "may_create": permissions.role_may_create(role),
            "special_groups": offline.SPECIAL_GROUP_CHOICES,
        },
    )


@require_GET
@login_required
def offline_data(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        offline.offline_bundle(user=request.user), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "private, no-cache"
    return response
