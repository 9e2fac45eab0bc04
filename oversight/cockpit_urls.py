"""The cockpit's pages and JSON (included from config/urls.py)."""

from django.urls import path

from oversight import cockpit_views

urlpatterns = [
    path("cockpit/", cockpit_views.cockpit_page, name="cockpit"),
    path("cockpit/wall/", cockpit_views.cockpit_wall, name="cockpit-wall"),
    path("cockpit/data/", cockpit_views.cockpit_json, name="cockpit-data"),
]
