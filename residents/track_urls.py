"""Resident pages (/track/ …, the SMS rating link and the station's rating kiosk)."""

from django.urls import path

from residents import kiosk_views, track_views

urlpatterns = [
    path("track/", track_views.track_home, name="track"),
    path("track/otp/", track_views.track_otp, name="track-otp-form"),
    path("track/code/", track_views.track_code, name="track-code"),
    path("track/logout/", track_views.track_logout, name="track-logout-form"),
    path("track/lookup/", track_views.track_lookup, name="track-lookup-form"),
    path("track/doorstep/", track_views.track_doorstep, name="track-doorstep-form"),
    path("track/cases/<str:case_no>/feedback/", track_views.track_feedback, name="track-feedback-form"),
    path("rate/<str:token>/", track_views.rate_by_link, name="rate-link"),
    path("sites/<str:code>/rate/", track_views.kiosk_rate, name="kiosk-rate"),
    path("sites/<str:code>/rate/code/", kiosk_views.kiosk_code_page, name="kiosk-code"),
    path("sites/<str:code>/rate/enroll/", kiosk_views.kiosk_enroll, name="kiosk-enroll"),
]
