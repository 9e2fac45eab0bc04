from django.urls import path

from elicence import views

app_name = "elicence"

urlpatterns = [path("m/licences/<str:case_no>/", views.case_licences, name="case")]
