"""Pages of the service map and the station-standards report (included from config/urls.py)."""

from django.urls import path

from agency import map_views

urlpatterns = [
    path("map/", map_views.map_page, name="service-map"),
    path("standards/", map_views.standards_report_page, name="standards-report"),
    path("standards/<str:code>/", map_views.standards_site_page, name="standards-site"),
]
