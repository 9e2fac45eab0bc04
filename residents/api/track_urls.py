"""Resident API (mounted under /api/v1/track/)."""

from django.urls import path

from residents import appointment_check
from residents.api import track

urlpatterns = [
    path("otp/", track.OtpRequestView.as_view(), name="track-otp"),
    path("verify/", track.VerifyView.as_view(), name="track-verify"),
    path("cases/", track.CaseListView.as_view(), name="track-cases"),
    path("cases/<str:case_no>/feedback/", track.FeedbackView.as_view(), name="track-feedback"),
    path("doorstep/", track.DoorstepView.as_view(), name="track-doorstep"),
    path("logout/", track.LogoutView.as_view(), name="track-logout"),
    path("lookup/", track.LookupView.as_view(), name="track-lookup"),
    path("appointments/", appointment_check.AppointmentLookupView.as_view(), name="track-appointment-lookup"),
]
