from django.urls import path

from showcase import views

app_name = "showcase"

urlpatterns = [
    path("showcase/", views.district_page, name="district"),
    path("showcase/towns/<str:code>/", views.town_page, name="town"),
    path("showcase/<int:pk>/", views.case_page, name="case"),
    path("showcase/consent/<str:token>/", views.consent_page, name="consent"),
    path("showcase/staff/", views.staff_home, name="staff-home"),
    path("showcase/staff/propose/<str:case_no>/", views.staff_propose, name="staff-propose"),
    path("showcase/staff/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("showcase/staff/<int:pk>/<str:action>/", views.staff_action, name="staff-action"),
]
