"""Oversight dashboard pages (included from config/urls.py)."""

from django.urls import path

from oversight import dashboard_views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/export/", dashboard_views.export_start, name="dashboard-export"),
    path("dashboard/exports/<int:job_id>/", dashboard_views.export_job_page, name="dashboard-export-job"),
    path(
        "dashboard/exports/<int:job_id>/download/",
        dashboard_views.export_job_download,
        name="dashboard-export-download",
    ),
]
