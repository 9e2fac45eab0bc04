"""Oversight dashboard pages (included from config/urls.py)."""

from django.urls import path

from workflows import appointment_check, appointment_views, dashboard_views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/export/", dashboard_views.export_start, name="dashboard-export"),
    path("dashboard/exports/<int:job_id>/", dashboard_views.export_job_page, name="dashboard-export-job"),
    path(
        "dashboard/exports/<int:job_id>/download/",
        dashboard_views.export_job_download,
        name="dashboard-export-download",
    ),
    path("appointments/", appointment_views.appointment_new, name="appointment-new"),
    path("appointments/check/", appointment_check.appointment_check_page, name="appointment-check"),
    path("dashboard/appointments/", appointment_views.appointment_list, name="appointment-list"),
    path(
        "dashboard/appointments/<int:appointment_id>/",
        appointment_views.appointment_decide,
        name="appointment-decide",
    ),
]
