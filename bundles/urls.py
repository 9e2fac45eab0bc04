from django.urls import path

from bundles import dashboard_views, views

app_name = "bundles"

urlpatterns = [
    path("bundles/", views.catalog, name="catalog"),
    path("bundles/<str:code>/", views.guide, name="guide"),
    path("dashboard/bundles/", dashboard_views.bundles_dashboard, name="dashboard"),
    path("m/bundles/", views.intake_list, name="intake-list"),
    path("m/bundles/case/<str:case_no>/", views.case_page, name="case"),
    path("m/bundles/<str:code>/", views.intake, name="intake"),
]
