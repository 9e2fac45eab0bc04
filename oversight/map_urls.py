"""Pages of the service map (included from config/urls.py)."""

from django.urls import path

from oversight import map_views

urlpatterns = [
    path("map/", map_views.map_page, name="service-map"),
]
