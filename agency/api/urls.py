"""API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from agency.api import views

urlpatterns = [
    path("sites/", views.SiteListView.as_view(), name="api-site-list"),
    path("sites/<str:code>/", views.SiteDetailView.as_view(), name="api-site-detail"),
    path("sites/<str:code>/roster/", views.SiteRosterView.as_view(), name="api-site-roster"),
    path("matters/", views.MatterListView.as_view(), name="api-matter-list"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
