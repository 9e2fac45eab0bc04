"""Appointments (预约上门/到站): the resident's request and check, and the station's list to confirm them."""

from django.urls import path

from residents import appointment_check, appointment_views

urlpatterns = [
    path("appointments/", appointment_views.appointment_new, name="appointment-new"),
    path("appointments/check/", appointment_check.appointment_check_page, name="appointment-check"),
    path("dashboard/appointments/", appointment_views.appointment_list, name="appointment-list"),
    path(
        "dashboard/appointments/<int:appointment_id>/",
        appointment_views.appointment_decide,
        name="appointment-decide",
    ),
]
