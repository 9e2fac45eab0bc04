from django.urls import path

from handoffs import views

app_name = "handoffs"

urlpatterns = [path("m/handoffs/<str:case_no>/", views.handoff_page, name="page")]
