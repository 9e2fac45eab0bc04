from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("training/", views.event_list, name="events"),
    path("training/new/", views.event_new, name="event-new"),
    path("training/<int:pk>/", views.event_detail, name="event"),
    path("training/plan/", views.plan_index, name="plan-index"),
    path("training/plan/<str:code>/", views.plan_page, name="plan"),
    path("training/plan/<str:code>/export.xlsx", views.plan_export, name="plan-export"),
]
