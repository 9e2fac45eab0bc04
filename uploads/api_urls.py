"""API routes of the uploads app (mounted under /api/v1/)."""

from django.urls import path

from uploads import api

urlpatterns = [
    path("cases/<str:case_no>/photos/", api.CasePhotosView.as_view(), name="api-case-photos"),
]
