"""Root URLconf. Each app owns its pages (``<app>/urls.py``) and API (``<app>/api/urls.py``)."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import font_toggle, healthz
from sso import views as sso_views

# Issue 19 moved these models out of the workflows app: their old admin addresses (bookmarks, links in old
# messages) redirect to the new ones.
MOVED_ADMIN_MODELS = {
    "residents": ("rating", "callback", "rectification", "appeal", "doorsteprequest", "appointment"),
    "oversight": ("exportjob", "open311key"),
}
# Issue 25 moved the construction-standard criteria from agency to standards: the same for their admin.
MOVED_FROM_AGENCY_ADMIN = {"standards": ("standardcriterion",)}

# One Chinese error page set for every page, the admin's and viewflow's included (core/errors.py).
handler500 = "core.errors.server_error"

urlpatterns = [
    *[
        re_path(
            rf"^admin/workflows/{model}/(?P<rest>.*)$",
            RedirectView.as_view(url=f"/admin/{app}/{model}/%(rest)s", permanent=True, query_string=True),
        )
        for app, models in MOVED_ADMIN_MODELS.items()
        for model in models
    ],
    *[
        re_path(
            rf"^admin/agency/{model}/(?P<rest>.*)$",
            RedirectView.as_view(url=f"/admin/{app}/{model}/%(rest)s", permanent=True, query_string=True),
        )
        for app, models in MOVED_FROM_AGENCY_ADMIN.items()
        for model in models
    ],
    path("healthz", healthz, name="healthz"),
    path("prefs/font/", font_toggle, name="font-toggle"),
    path("admin/login/", sso_views.admin_login),  # before admin.site.urls: off with STAFF_PASSWORD_LOGIN=0
    path("admin/", admin.site.urls),
    path("accounts/login/", sso_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", sso_views.logout_view, name="logout"),  # also ends the provider's session
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/auth/token/", sso_views.TokenView.as_view(), name="api-token"),
    path("api/v1/", include("agency.api.urls")),
    path("api/v1/track/", include("residents.api.track_urls")),
    path("api/v1/", include("residents.api.ratings_urls")),
    path("api/v1/", include("workflows.api.urls")),
    path("api/v1/", include("oversight.api.urls")),
    path("api/v1/", include("notifications.api.urls")),
    path("", include("agency.urls")),
    path("", include("oversight.map_urls")),
    path("open311/v2/", include("oversight.open311_urls")),
    path("", include("oversight.dashboard_urls")),
    path("", include("oversight.cockpit_urls")),  # issue 32: the cockpit and its wall screen
    path("", include("workflows.urls")),
    path("", include("residents.rating_urls")),
    path("", include("residents.track_urls")),
    path("", include("residents.appointment_urls")),
    path("", include("notifications.urls")),
    # issue 15: 一件事 and 全省通办/跨省通办 hand-offs
    path("api/v1/", include("handoffs.api.urls")),
    path("api/v1/", include("bundles.api.urls")),
    path("", include("bundles.urls")),
    path("", include("handoffs.urls")),
    path("", include("standards.urls")),
    path("api/v1/", include("uploads.api_urls")),
    path("", include("uploads.urls")),
    path("", include("workflows.offline_urls")),
    path("", include("training.urls")),
    path("", include("showcase.urls")),
    path("", include("guides.urls")),
    path("", include("elicence.urls")),
]
