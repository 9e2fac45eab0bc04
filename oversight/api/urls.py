"""Stats API route (mounted under /api/v1/ from config/urls.py)."""

from django.urls import path

from oversight.api.stats import StatsView

urlpatterns = [path("stats/", StatsView.as_view(), name="api-stats")]
